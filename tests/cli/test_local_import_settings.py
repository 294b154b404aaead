"""`dendro local import` takes the per-source settings dendro.toml has: --timezone, --log-line-prefix,
or --config dendro.toml (flags win). Real VRL (vector-vrl or pyvrl) and a real DuckDB store."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from dendro.cli.local import app
from tests.support.samples import SAMPLES

runner = CliRunner()
NGINX_ERROR = SAMPLES / "nginx_error" / "beats_nginx_error.log"
# pgBadger's RDS-style file, prefix '%t:%r:%u@%d:[%p]:'
RDS = SAMPLES / "postgres" / "pgbadger_rds.log"


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "store.duckdb"


def rows(db: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as connection:
        return connection.execute(sql).fetchall()


def test_timezone_flag_reads_error_log_times_in_that_zone(db: Path) -> None:
    result = runner.invoke(
        app, ["import", str(NGINX_ERROR), "-s", "nginx_error", "--timezone", "Europe/Berlin", "--db", str(db)]
    )

    assert result.exit_code == 0, result.output
    # "2016/10/25 14:49:34" on a Berlin clock (CEST, +02:00) is 12:49:34 UTC.
    [(first,)] = rows(
        db,
        "SELECT strftime(timezone('UTC', min(timestamp)), '%Y-%m-%dT%H:%M:%S') FROM nginx_error "
        "WHERE pid = 54053",
    )
    assert first == "2016-10-25T12:49:34"


def test_log_line_prefix_flag_reaches_the_parser(db: Path, tmp_path: Path) -> None:
    # The RDS file's first FATAL line, as a server with '%t:%h:%u@%d:[%p]:' (no port) writes it.
    line = next(x for x in RDS.read_text().splitlines() if ":FATAL:" in x).replace("(50906)", "")
    log = tmp_path / "postgresql.log"
    log.write_text(line + "\n")

    result = runner.invoke(
        app,
        ["import", str(log), "-s", "postgres", "--log-line-prefix", "%t:%h:%u@%d:[%p]:", "--db", str(db)],
    )

    assert result.exit_code == 0, result.output
    assert rows(db, 'SELECT client, "user", database, pid FROM postgres') == [
        ("192.168.1.201", "gilles", "pgbench", 12795)
    ]


def test_config_file_gives_the_settings_and_flags_win(db: Path, tmp_path: Path) -> None:
    config = tmp_path / "dendro.toml"
    config.write_text(
        '[[sources]]\ntype = "nginx_error"\nsettings = { timezone = "America/New_York" }\n\n'
        '[sink]\nkind = "http"\nendpoint = "http://127.0.0.1:8686"\n'
    )

    from_config = runner.invoke(
        app, ["import", str(NGINX_ERROR), "-s", "nginx_error", "--config", str(config), "--db", str(db)]
    )
    assert from_config.exit_code == 0, from_config.output
    [(hour,)] = rows(db, "SELECT hour(timezone('UTC', min(timestamp))) FROM nginx_error WHERE pid = 54053")
    assert hour == 18  # 14:49 EDT (-04:00)

    other = db.with_name("other.duckdb")
    flag_wins = runner.invoke(
        app,
        [
            "import",
            str(NGINX_ERROR),
            "-s",
            "nginx_error",
            "--config",
            str(config),
            "--timezone",
            "UTC",
            "--db",
            str(other),
        ],
    )
    assert flag_wins.exit_code == 0, flag_wins.output
    [(hour,)] = rows(other, "SELECT hour(timezone('UTC', min(timestamp))) FROM nginx_error WHERE pid = 54053")
    assert hour == 14


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (
            ["-s", "nginx_access", "--log-line-prefix", "%m "],
            "--log-line-prefix does not apply to nginx_access",
        ),
        (["-s", "nginx_error", "--timezone", "Berlin"], "neither an IANA zone name"),
        (["-s", "postgres", "--log-line-prefix", "[%p] "], "no %t, %m or %n"),
        (["-s", "host_metrics", "--timezone", "UTC"], "--timezone does not apply to host_metrics"),
    ],
)
def test_bad_settings_exit_1_naming_the_flag(db: Path, args: list[str], says: str) -> None:
    result = runner.invoke(app, ["import", str(NGINX_ERROR), *args, "--db", str(db)])

    assert result.exit_code == 1
    assert says in result.output


def test_config_without_the_source_says_so(db: Path, tmp_path: Path) -> None:
    config = tmp_path / "dendro.toml"
    config.write_text(
        '[[sources]]\ntype = "syslog"\n\n[sink]\nkind = "http"\nendpoint = "http://127.0.0.1:8686"\n'
    )

    result = runner.invoke(
        app, ["import", str(NGINX_ERROR), "-s", "nginx_error", "--config", str(config), "--db", str(db)]
    )

    assert result.exit_code == 1
    assert "has no [[sources]] entry of type nginx_error" in result.output
