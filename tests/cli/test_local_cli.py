"""`dendro local import` and `dendro local up` through typer's CliRunner: exit codes and messages.
(The collector itself runs as a real process in tests/local/test_crash.py.)"""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
from typer.testing import CliRunner

from dendro.cli.local import app
from tests.support.samples import SAMPLES

runner = CliRunner()
ACCESS_LOG = SAMPLES / "nginx_access" / "lnav_zanbil_shop_access.log"


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "store.duckdb"


def test_import_prints_a_summary_and_a_second_import_adds_nothing(db: Path) -> None:
    first = runner.invoke(
        app, ["import", str(ACCESS_LOG), "--source", "nginx_access", "--host", "web-9", "--db", str(db)]
    )
    second = runner.invoke(app, ["import", str(ACCESS_LOG), "-s", "nginx_access", "--db", str(db)])

    assert first.exit_code == 0, first.output
    assert "Imported 1 file(s) as nginx_access" in first.output
    assert "events    1,000" in first.output
    assert second.exit_code == 0
    assert "parsed    0" in second.output
    assert f"skipped   {ACCESS_LOG.stat().st_size:,} bytes of 1 file(s) imported before" in second.output


def test_import_names_rejects_by_reason(db: Path, tmp_path: Path) -> None:
    log = tmp_path / "access.log"
    log.write_text(ACCESS_LOG.read_text().splitlines()[0] + "\nthis is not an access line\n")

    result = runner.invoke(app, ["import", str(log), "--source", "nginx_access", "--db", str(db)])

    assert result.exit_code == 0
    assert "rejected  1 (unparsed 1; see the _rejects table)" in result.output


def test_import_where_every_event_is_rejected_fails_and_says_so(db: Path) -> None:
    # An access log imported as nginx_error: the wrong --source, the usual cause.
    result = runner.invoke(app, ["import", str(ACCESS_LOG), "--source", "nginx_error", "--db", str(db)])

    assert result.exit_code == 1
    assert "parsed    0" in result.stdout  # the summary still shows what happened
    assert "all 1,000 events were rejected, none stored" in result.stderr
    assert "(--source)" in result.stderr and "FROM _rejects" in result.stderr


def test_import_without_host_says_which_host_it_used(db: Path) -> None:
    named = runner.invoke(app, ["import", str(ACCESS_LOG), "-s", "nginx_access", "--db", str(db)])
    given = runner.invoke(
        app, ["import", str(ACCESS_LOG), "-s", "nginx_access", "--host", "web-9", "--db", str(db)]
    )

    assert named.exit_code == 0, named.output
    assert f"Host: {socket.gethostname()} (this machine's name; pass --host NAME" in named.stdout
    assert given.exit_code == 0 and "Host:" not in given.stdout


def test_import_of_an_unknown_source_says_which_exist(db: Path) -> None:
    result = runner.invoke(app, ["import", str(ACCESS_LOG), "--source", "nginx", "--db", str(db)])

    assert result.exit_code == 1
    assert "unknown source 'nginx'; choose one of: nginx_access" in result.output


def test_import_of_a_missing_file(db: Path) -> None:
    result = runner.invoke(app, ["import", "/no/such.log", "--source", "nginx_access", "--db", str(db)])

    assert result.exit_code == 2
    assert "does not exist" in result.output


def test_up_refuses_a_public_address_without_a_token(db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DENDRO_TOKEN", raising=False)

    result = runner.invoke(app, ["up", "--host", "0.0.0.0", "--db", str(db)])

    assert result.exit_code == 1
    assert "Error: binding to 0.0.0.0 would let anyone" in result.output
    assert "--token" in result.output


def test_up_on_a_busy_port_says_so(db: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]

        result = runner.invoke(app, ["up", "--port", str(port), "--db", str(db)])

    assert result.exit_code == 1
    assert f"cannot listen on 127.0.0.1:{port}" in result.output
    assert "choose another --port" in result.output


def test_help_lists_both_commands() -> None:
    result = runner.invoke(app, ["--help"])

    assert result.exit_code == 0
    assert "up" in result.output and "import" in result.output


@pytest.mark.parametrize("value", ["lots", "-1GB", "16MB"])
def test_up_refuses_a_memory_limit_duckdb_could_not_work_in(db: Path, value: str) -> None:
    result = runner.invoke(app, ["up", "--port", "0", "--memory-limit", value, "--db", str(db)])

    assert result.exit_code == 1
    assert f"Error: memory limit '{value}'" in result.output
    assert "256MB" in result.output or "32MB" in result.output
