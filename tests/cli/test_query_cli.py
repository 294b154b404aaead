"""`dendro query` through typer's CliRunner: formats, and the read-only guarantees."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import orjson
import pytest
import typer
from typer.testing import CliRunner

from dendro.cli.query import query
from dendro.ingest_lambda.route import Router
from dendro.local_pipeline.store import Store, Write
from tests.events import load_event
from tests.support.aws import without_credentials

runner = CliRunner()
app = typer.Typer()
app.command()(query)


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "store.duckdb"
    event = load_event("nginx_access_event")
    body = b"\n".join(orjson.dumps({**event, "status": s}) for s in (200, 200, 503)) + b"\nnot json"
    with Store.open(path) as store:
        store.write([Write(Router().ingest(body))])
    return path


SQL = (
    "SELECT status, count(*) AS n, min(timestamp) AS first FROM nginx_access GROUP BY status ORDER BY status"
)


def test_json_is_an_array_of_row_objects(db: Path) -> None:
    result = runner.invoke(app, [SQL, "--db", str(db), "--format", "json"])

    assert result.exit_code == 0, result.output
    assert orjson.loads(result.stdout) == [
        {"status": 200, "n": 2, "first": "2019-01-22T00:26:16+00:00"},
        {"status": 503, "n": 1, "first": "2019-01-22T00:26:16+00:00"},
    ]


def test_csv(db: Path) -> None:
    result = runner.invoke(app, [SQL, "--db", str(db), "-f", "csv"])

    assert result.exit_code == 0
    assert list(csv.reader(io.StringIO(result.stdout))) == [
        ["status", "n", "first"],
        ["200", "2", "2019-01-22 00:26:16+00:00"],
        ["503", "1", "2019-01-22 00:26:16+00:00"],
    ]


def test_table(db: Path) -> None:
    result = runner.invoke(app, ["SELECT reason, raw FROM _rejects", "--db", str(db)])

    assert result.exit_code == 0
    assert "invalid_json" in result.stdout and "not json" in result.stdout
    assert "1 row" in result.stdout


@pytest.mark.parametrize(
    ("sql", "message"),
    [
        ("DELETE FROM nginx_access", "DELETE statements are refused: the store is read-only here"),
        ("SELECT 1; DROP TABLE nginx_access", "DROP statements are refused"),
        ("SELECT * FROM read_csv('/etc/passwd')", "Permission Error"),
        ("SET enable_external_access = true", "SET statements are refused"),
        ("SELECT * FROM no_such_table", "Catalog Error: Table with name no_such_table does not exist"),
        ("SELEC 1", "Parser Error"),
    ],
)
def test_writes_outside_files_and_bad_sql_fail_with_one_line(db: Path, sql: str, message: str) -> None:
    result = runner.invoke(app, [sql, "--db", str(db)])

    assert result.exit_code == 1
    assert message in result.stderr
    assert result.stderr.count("\n") == 1
    assert result.stdout == ""


def test_a_missing_store_says_how_to_make_one(tmp_path: Path) -> None:
    result = runner.invoke(app, ["SELECT 1", "--db", str(tmp_path / "none.duckdb")])

    assert result.exit_code == 1
    assert "no store at" in result.stderr and "dendro local up --demo" in result.stderr
    assert not (tmp_path / "none.duckdb").exists()


@pytest.mark.parametrize("store", ["iceberg", "timestream"])
def test_cloud_store_without_credentials_is_one_line(
    store: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # Given an environment where boto3 finds no credentials anywhere (AWS is never contacted)
    without_credentials(monkeypatch, tmp_path)

    result = runner.invoke(app, ["SELECT 1", "--store", store, "--region", "eu-west-1"])

    assert result.exit_code == 1
    assert "no AWS credentials found" in result.stderr
