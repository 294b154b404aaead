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
        ["200", "2", "2019-01-22T00:26:16+00:00"],
        ["503", "1", "2019-01-22T00:26:16+00:00"],
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
        ("SET enable_external_access = true", "SET statements are refused"),
    ],
)
def test_writes_and_settings_are_refused_in_one_line(db: Path, sql: str, message: str) -> None:
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


def _caret_under(stderr: str, word: str) -> bool:
    """DuckDB's excerpt: `LINE 1: <sql>`, then a line of ^ under the offending word."""
    lines = stderr.splitlines()
    at = next(i for i, line in enumerate(lines) if line.startswith("LINE 1: "))
    column = lines[at].index(word)
    return lines[at + 1][column : column + len(word)] == "^" * len(word)


@pytest.mark.parametrize(
    ("sql", "hint", "word"),
    [
        ("SELECT * FROM nginx_acces", 'Did you mean "nginx_access"?', "nginx_acces"),
        ("SELECT stauts FROM nginx_access", 'Candidate bindings: "status"', "stauts"),
        ("SELEC 1", 'syntax error at or near "SELEC"', "SELEC"),
        ("SELECT * FROM read_csv('/etc/passwd')", "Permission Error", "read_csv('/etc/passwd')"),
    ],
)
def test_bad_sql_shows_duckdbs_hint_and_caret(db: Path, sql: str, hint: str, word: str) -> None:
    result = runner.invoke(app, [sql, "--db", str(db)])

    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.startswith("Error: ")
    assert hint in result.stderr
    assert _caret_under(result.stderr, word), result.stderr


def test_several_statements_are_refused_not_half_run(db: Path) -> None:
    result = runner.invoke(app, ["SELECT 1; SELECT 2", "--db", str(db)])

    assert result.exit_code == 1
    assert result.stdout == ""  # before: only the second result, silently
    assert "2 statements given; run them one at a time" in result.stderr


def test_a_semicolon_in_a_string_or_comment_is_not_a_second_statement(db: Path) -> None:
    # DuckDB's parser splits statements, not a search for `;`.
    result = runner.invoke(app, ["SELECT 'a;b' AS s -- c;d", "--db", str(db), "-f", "json"])

    assert result.exit_code == 0, result.stderr
    assert orjson.loads(result.stdout) == [{"s": "a;b"}]


WIDE = "SELECT * FROM nginx_access ORDER BY status"


def test_rows_wider_than_the_terminal_become_one_block_per_record(db: Path) -> None:
    result = runner.invoke(app, [WIDE, "--db", str(db)], env={"COLUMNS": "80"})

    assert result.exit_code == 0, result.stderr
    assert "one block per record" in result.stderr
    assert result.stdout.count("-[ RECORD ") == 3
    user_agent = next(line for line in result.stdout.splitlines() if line.startswith("user_agent "))
    assert user_agent.split(" | ", 1)[1] == load_event("nginx_access_event")["user_agent"]  # never cut
    assert "…" not in result.stdout
    assert result.stdout.rstrip().endswith("3 rows")


def test_rows_that_fit_stay_a_table(db: Path) -> None:
    narrow = runner.invoke(app, [SQL, "--db", str(db)], env={"COLUMNS": "80"})
    wide_terminal = runner.invoke(app, [WIDE, "--db", str(db)], env={"COLUMNS": "1000"})

    for result in (narrow, wide_terminal):
        assert result.exit_code == 0, result.stderr
        assert "RECORD" not in result.stdout and result.stderr == ""
        assert "┃" in result.stdout and "…" not in result.stdout


def test_records_on_request(db: Path) -> None:
    result = runner.invoke(app, [SQL, "--db", str(db), "--format", "records"], env={"COLUMNS": "1000"})

    assert result.exit_code == 0
    blocks = result.stdout.split("-[ RECORD ")[1:]
    assert [line.split(" | ") for line in blocks[1].splitlines()[1:4]] == [
        ["status", "503"],
        ["n     ", "1"],
        ["first ", "2019-01-22 00:26:16+00:00"],
    ]


def test_csv_cells_that_a_spreadsheet_would_run_are_neutralised(db: Path) -> None:
    """A User-Agent is written by any client: `=HYPERLINK(...)` must reach a spreadsheet as text."""
    sql = "SELECT '=HYPERLINK(\"http://evil.example\")' AS ua, '@SUM(A1)' AS b, -5 AS n, '\r=1' AS c"
    result = runner.invoke(app, [sql, "--db", str(db), "-f", "csv"])

    assert result.exit_code == 0
    rows = list(csv.reader(io.StringIO(result.stdout, newline="")))
    assert rows == [
        ["ua", "b", "n", "c"],
        ['\'=HYPERLINK("http://evil.example")', "'@SUM(A1)", "-5", "'\r=1"],
    ]
