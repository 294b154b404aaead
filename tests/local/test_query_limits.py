"""Every query path has a timeout and a result cap (rows and bytes), over real servers on 127.0.0.1:
a runaway query is stopped within its timeout while `SELECT 1` still answers, and a huge result is
cut with a message instead of filling memory (issue 10, items 8-9)."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import orjson
import pytest
from typer.testing import CliRunner

from dendro.cli.main import app
from dendro.local_pipeline.query import Limits, QueryError, query_store
from dendro.local_pipeline.store import Store
from tests.local.conftest import StartCollector
from tests.local.test_hostile import send

RUNAWAY = "SELECT count(*) FROM range(1000000000000) a"  # hours of work
WIDE = "SELECT repeat('x', 100000) AS s FROM range(20000)"  # 2 GB of result


def ask(collector: Any, sql: str) -> tuple[int, Any]:
    status, _, answer = send(
        collector, sql.encode(), {"Authorization": f"Bearer {collector.read_token}"}, path="/query"
    )
    return status, answer


def test_a_runaway_query_on_the_collector_is_stopped_while_select_1_answers(
    start_collector: StartCollector,
) -> None:
    collector = start_collector(query_limits=Limits(timeout=2.0, max_rows=1000, max_bytes=1 << 20))
    outcome: dict[str, Any] = {}

    def runaway() -> None:
        started = time.monotonic()
        outcome["answer"] = ask(collector, RUNAWAY)
        outcome["seconds"] = time.monotonic() - started

    thread = threading.Thread(target=runaway)
    thread.start()
    time.sleep(0.3)  # the runaway is running
    assert ask(collector, "SELECT 1 AS one") == (
        200,
        {"columns": ["one"], "rows": [[1]], "truncated": False, "note": None},
    )
    assert thread.is_alive()  # SELECT 1 did not wait behind it
    thread.join(timeout=30)
    status, answer = outcome["answer"]
    assert status == 400 and "ran longer than 2 s and was stopped" in answer["error"]
    assert outcome["seconds"] < 10  # within its timeout (plus a loaded machine's slack), not hours
    assert ask(collector, "SELECT 2 AS two")[0] == 200  # and the collector still answers


def test_collector_results_are_capped_in_bytes_and_rows(start_collector: StartCollector) -> None:
    collector = start_collector(query_limits=Limits(timeout=30.0, max_rows=1000, max_bytes=1 << 20))

    status, answer = ask(collector, WIDE)
    assert status == 200 and answer["truncated"] is True
    assert len(orjson.dumps(answer)) <= (1 << 20) + 1000
    assert "cut at 1 MB" in answer["note"]

    status, answer = ask(collector, "SELECT range FROM range(5000)")
    assert (status, len(answer["rows"]), answer["truncated"]) == (200, 1000, True)
    assert "only the first 1,000 rows" in answer["note"]


def test_dendro_query_has_a_timeout_and_says_so(tmp_path: Path) -> None:
    db = tmp_path / "store.duckdb"
    Store.open(db).close()
    result = CliRunner().invoke(app, ["query", RUNAWAY, "--db", str(db), "--timeout", "1"])
    assert result.exit_code == 1
    assert "ran longer than 1 s and was stopped" in result.stderr


def test_dendro_query_caps_its_result(tmp_path: Path) -> None:
    db = tmp_path / "store.duckdb"
    Store.open(db).close()
    result = query_store(db, WIDE, Limits(timeout=30, max_rows=None, max_bytes=4 << 20))
    assert result.truncated and 0 < len(result.rows) < 50 and "cut at 4 MB" in (result.note or "")
    with pytest.raises(QueryError, match="ran longer than"):
        query_store(db, RUNAWAY, Limits(timeout=0.5))
