from __future__ import annotations

from pathlib import Path

from dendro.agent.detect import detect_sources, listening_ports

SAMPLE_SERVER = Path(__file__).parents[1] / "fixtures" / "sample_server"


def test_listening_ports_reads_only_listen_sockets() -> None:
    # 0x0050 = 80 and 0x1538 = 5432 are LISTEN (0A); the established 0x69AA connection is not.
    assert listening_ports(SAMPLE_SERVER) == {80, 5432}


def test_detects_logs_at_usual_paths_and_services_by_port() -> None:
    found = {d.type: d for d in detect_sources(SAMPLE_SERVER)}

    assert set(found) == {
        "nginx_access",
        "nginx_error",
        "postgres",
        "syslog",
        "host_metrics",
        "postgres_metrics",
        "nginx_metrics",
    }
    assert found["nginx_access"].files == ("/var/log/nginx/access.log",)
    assert found["postgres"].files == ("/var/log/postgresql/postgresql-15-main.log",)
    assert "5432" in found["postgres_metrics"].reason


def test_port_80_without_apache_logs_does_not_propose_apache(tmp_path: Path) -> None:
    (tmp_path / "proc/net").mkdir(parents=True)
    (tmp_path / "proc/net/tcp").write_text((SAMPLE_SERVER / "proc/net/tcp").read_text())

    found = {d.type for d in detect_sources(tmp_path)}

    # Port 80 is open but no web server log tells which server it is: propose neither metrics source.
    assert found == {"host_metrics", "postgres_metrics"}


def test_rhel_and_alpine_paths(tmp_path: Path) -> None:
    for path in ("var/log/httpd/access_log", "var/log/mongodb/mongod.log", "var/log/mysqld.log"):
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_text("x\n")

    found = {d.type for d in detect_sources(tmp_path)}

    assert {"apache_access", "mongodb", "mysql"} <= found
    assert "nginx_access" not in found


def test_empty_machine_still_offers_host_metrics(tmp_path: Path) -> None:
    assert [d.type for d in detect_sources(tmp_path)] == ["host_metrics"]


def test_the_patterns_that_matched_are_kept_for_the_wizard() -> None:
    found = {d.type: d for d in detect_sources(SAMPLE_SERVER)}

    assert found["postgres"].patterns == ("/var/log/postgresql/postgresql-*.log",)  # Debian's only
    assert found["syslog"].patterns == ("/var/log/auth.log",)
    assert found["postgres_metrics"].patterns == ()  # found by its port: nothing to read
