"""`dendro dashboard`: what the user sees when it starts, and when it refuses to.

The server's `run` is replaced by a recorder, so each test returns at once; the server itself is
tested over HTTP in tests/dashboard/."""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from dendro.cli.dashboard import dashboard
from dendro.dashboard.backends.local import LocalBackend
from dendro.dashboard.backends.timestream import TimestreamBackend
from dendro.dashboard.server import DashboardServer
from dendro.local_pipeline.store import Store
from dendro.stack import preflight
from tests.support.aws import ACCOUNT, StubbedSession


def app() -> typer.Typer:
    """Registered as cli/main.py registers it: `dendro dashboard`."""
    root = typer.Typer(pretty_exceptions_show_locals=False)
    root.command()(dashboard)

    @root.callback()
    def main() -> None:
        """Dendro."""

    return root


@pytest.fixture
def served(monkeypatch: pytest.MonkeyPatch) -> list[DashboardServer]:
    runs: list[DashboardServer] = []

    def run(self: DashboardServer) -> None:
        runs.append(self)
        self.socket.close()
        self.backend.close()

    monkeypatch.setattr(DashboardServer, "run", run)
    for name in (
        "DENDRO_DASHBOARD_TOKEN",
        "DENDRO_DASHBOARD_TOKEN_FILE",
        "DENDRO_READ_TOKEN",
        "DENDRO_TOKEN",
    ):
        monkeypatch.delenv(name, raising=False)
    return runs


def invoke(*args: str, env: dict[str, str] | None = None) -> Any:
    return CliRunner().invoke(app(), ["dashboard", *args], env=env)


def test_serves_the_local_store_on_loopback(served: list[DashboardServer], tmp_path: Path) -> None:
    db = tmp_path / "dendro.duckdb"
    Store.open(db).close()
    result = invoke("--db", str(db), "--port", "0")
    assert result.exit_code == 0, result.output
    server = served[0]
    assert server.host == "127.0.0.1" and server.port > 0
    assert f"Dendro dashboard on http://127.0.0.1:{server.port}/" in result.stdout
    assert f"reading the local store {db}" in result.stdout
    assert isinstance(server.backend, LocalBackend)


def test_a_missing_store_is_not_an_error(served: list[DashboardServer], tmp_path: Path) -> None:
    result = invoke("--db", str(tmp_path / "none.duckdb"), "--port", "0")
    assert result.exit_code == 0
    assert "No store at" in result.stdout and "dendro local up --demo" in result.stdout


def test_other_addresses_need_a_token(served: list[DashboardServer]) -> None:
    result = invoke("--host", "0.0.0.0", "--port", "0")
    assert result.exit_code == 1
    assert "Error: binding the dashboard to 0.0.0.0" in result.stderr
    assert "--read-token-file or DENDRO_READ_TOKEN" in result.stderr
    assert served == []


def test_a_token_is_explained(served: list[DashboardServer], tmp_path: Path) -> None:
    # The read token, under the name `dendro local up` reads it by.
    result = invoke("--db", str(tmp_path / "x.duckdb"), "--port", "0", env={"DENDRO_READ_TOKEN": "t0k"})
    assert result.exit_code == 0
    assert served[0].server.config.app.state.token == "t0k"
    assert "?token=YOUR_TOKEN" in result.stdout
    assert "t0k" not in result.stdout  # the secret itself is never printed
    assert result.stderr == ""


@pytest.mark.parametrize(
    ("args", "env", "note"),
    [
        ([], {"DENDRO_DASHBOARD_TOKEN": "t0k"}, "DENDRO_DASHBOARD_TOKEN is deprecated and will be removed; "
         "use DENDRO_READ_TOKEN"),
        (["--token", "t0k"], {}, "--token is deprecated and will be removed; use --read-token"),
    ],
)  # fmt: skip
def test_the_old_spellings_still_work_with_a_note(
    served: list[DashboardServer], tmp_path: Path, args: list[str], env: dict[str, str], note: str
) -> None:
    result = invoke("--db", str(tmp_path / "x.duckdb"), "--port", "0", *args, env=env)

    assert result.exit_code == 0, result.output
    assert served[0].server.config.app.state.token == "t0k"
    assert note in result.stderr
    assert "deprecated" not in result.stdout


def test_the_read_token_wins_over_the_old_variable(served: list[DashboardServer], tmp_path: Path) -> None:
    env = {"DENDRO_DASHBOARD_TOKEN": "old", "DENDRO_READ_TOKEN": "new"}
    result = invoke("--db", str(tmp_path / "x.duckdb"), "--port", "0", env=env)

    assert result.exit_code == 0 and served[0].server.config.app.state.token == "new"
    assert "DENDRO_DASHBOARD_TOKEN is ignored: the read token is set too" in result.stderr


def test_help_names_only_the_read_token() -> None:
    result = CliRunner().invoke(app(), ["dashboard", "--help"], env={"COLUMNS": "80"})

    assert "--read-token" in result.stdout and "DENDRO_READ_TOKEN" in result.stdout
    assert "--token " not in result.stdout and "DENDRO_DASHBOARD_TOKEN" not in result.stdout


def test_a_port_in_use(served: list[DashboardServer], tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = invoke("--db", str(tmp_path / "x.duckdb"), "--port", str(port))
    assert result.exit_code == 1
    assert f"cannot listen on 127.0.0.1:{port}" in result.stderr and "choose another --port" in result.stderr


def test_timestream_without_credentials(
    served: list[DashboardServer], monkeypatch: pytest.MonkeyPatch
) -> None:
    class NoCredentials(StubbedSession):
        def get_credentials(self) -> None:
            return None

    monkeypatch.setattr(preflight, "session_factory", lambda profile, region: NoCredentials())
    result = invoke("--store", "timestream", "--port", "0")
    assert result.exit_code == 1
    assert "no AWS credentials found" in result.stderr


def test_timestream_from_the_stack(served: list[DashboardServer], monkeypatch: pytest.MonkeyPatch) -> None:
    session = StubbedSession()
    monkeypatch.setattr(preflight, "session_factory", lambda profile, region: session)
    session.stub("sts").add_response(
        "get_caller_identity",
        {"UserId": "AIDAEXAMPLE", "Account": ACCOUNT, "Arn": f"arn:aws:iam::{ACCOUNT}:user/o"},
    )
    outputs = {"Store": "timestream", "DatabaseName": "dendro_db", "TableNames": "nginx_access"}
    session.stub("cloudformation").add_response(
        "describe_stacks",
        {
            "Stacks": [
                {
                    "StackName": "Ops",
                    "CreationTime": "2026-01-01T00:00:00Z",
                    "StackStatus": "UPDATE_COMPLETE",
                    "Outputs": [{"OutputKey": k, "OutputValue": v} for k, v in outputs.items()],
                }
            ]
        },
        {"StackName": "Ops"},
    )
    result = invoke("--store", "timestream", "--stack-name", "Ops", "--region", "eu-west-1", "--port", "0")
    assert result.exit_code == 0, result.output
    assert "reading the Timestream dendro_db (eu-west-1, stack Ops)" in result.stdout
    assert isinstance(served[0].backend, TimestreamBackend)
    session.assert_done()
