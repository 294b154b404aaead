"""Tokens of `dendro local up` and `dendro dashboard` (issue 10 item 12): weak ones refused off loopback
with the rule stated, read from a file or the environment, a warning when given as a flag (visible in
ps), and the dashboard of `local up` opened by the read token, never by the agents' ingest token."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from dendro.cli.main import app

runner = CliRunner()
STRONG = "Zq3-vT8_pL0xW2nR7yK5"
RULE = "at least 16 characters long with at least 8 different ones"


def test_a_weak_token_is_refused_off_loopback_with_the_rule(tmp_path: Path) -> None:
    db = tmp_path / "store.duckdb"
    result = runner.invoke(
        app, ["local", "up", "--host", "0.0.0.0", "--token", "a", "--dashboard-port", "-1", "--db", str(db)]
    )
    assert result.exit_code == 1
    assert RULE in result.stderr and "secrets.token_urlsafe" in result.stderr
    assert not db.exists()  # refused before anything was opened


def test_a_token_given_as_a_flag_warns_that_ps_shows_it(tmp_path: Path) -> None:
    args = [
        "local",
        "up",
        "--host",
        "0.0.0.0",
        "--token",
        "a",
        "--dashboard-port",
        "-1",
        "--db",
        str(tmp_path / "s.duckdb"),
    ]
    flagged = runner.invoke(app, args)
    assert "visible to every user of this machine" in flagged.stderr
    from_env = runner.invoke(app, [a for a in args if a not in ("--token", "a")], env={"DENDRO_TOKEN": "a"})
    assert from_env.exit_code == 1 and RULE in from_env.stderr
    assert "visible to every user" not in from_env.stderr  # the environment is not in ps


def test_the_token_can_come_from_a_file(tmp_path: Path) -> None:
    weak = tmp_path / "token"
    weak.write_text("short\n")
    db = str(tmp_path / "s.duckdb")
    result = runner.invoke(
        app,
        ["local", "up", "--host", "0.0.0.0", "--token-file", str(weak), "--dashboard-port", "-1", "--db", db],
    )
    assert result.exit_code == 1 and RULE in result.stderr  # read from the file, and checked
    empty = tmp_path / "empty"
    empty.write_text("\n")
    result = runner.invoke(app, ["local", "up", "--token-file", str(empty), "--db", db])
    assert result.exit_code == 1 and "is empty" in result.stderr


def test_the_dashboard_off_loopback_needs_a_read_token_other_than_the_ingest_token(tmp_path: Path) -> None:
    db = str(tmp_path / "s.duckdb")
    result = runner.invoke(
        app,
        ["local", "up", "--host", "0.0.0.0", "--dashboard-port", "0", "--db", db],
        env={"DENDRO_TOKEN": STRONG},
    )
    assert result.exit_code == 1 and "needs a read token" in result.stderr
    same = runner.invoke(
        app,
        ["local", "up", "--host", "0.0.0.0", "--dashboard-port", "-1", "--db", db],
        env={"DENDRO_TOKEN": STRONG, "DENDRO_READ_TOKEN": STRONG},
    )
    assert same.exit_code == 1 and "must differ from the ingest token" in same.stderr


def test_dendro_dashboard_refuses_a_weak_token_off_loopback(tmp_path: Path) -> None:
    result = runner.invoke(
        app,
        ["dashboard", "--host", "0.0.0.0", "--db", str(tmp_path / "s.duckdb")],
        env={"DENDRO_DASHBOARD_TOKEN": "abc"},
    )
    assert result.exit_code == 1 and RULE in result.stderr
