"""The local backend in the three situations DuckDB's locking allows: a file nobody holds, a file a
running collector holds (read through it), and inside the collector's process (its connection)."""

from __future__ import annotations

import shutil
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest

from dendro.dashboard.backends import QueryError
from dendro.dashboard.backends.local import LocalBackend, SharedConnection, StoreFile, execute_read_only
from dendro.dashboard.server import beside_collector
from dendro.local_pipeline.client import CollectorClient, ndjson
from dendro.local_pipeline.collector import Collector, CollectorConfig
from dendro.local_pipeline.store import StoreLockedError, connect
from tests.dashboard.conftest import Client
from tests.support.collectors import running_collector

SLOW = "SELECT count(*) FROM range(100000) a, range(100000) b WHERE (a.range * b.range) % 7 = 3"


@pytest.fixture
def store_copy(demo_db: Path, tmp_path: Path) -> Path:
    return Path(shutil.copy(demo_db, tmp_path / "dendro.duckdb"))


@pytest.fixture
def collector(store_copy: Path) -> Iterator[Collector]:
    with running_collector(CollectorConfig(db=store_copy, port=0)) as running:
        yield running


def test_a_runaway_query_is_interrupted(demo_db: Path) -> None:
    con = connect(demo_db, read_only=True)
    try:
        with pytest.raises(QueryError, match="ran longer than 0 s and was stopped"):
            execute_read_only(con, SLOW, timeout=0.2)
        assert execute_read_only(con, "SELECT 1").rows == [(1,)]  # the connection is still usable
    finally:
        con.close()


def test_an_idle_dashboard_lets_go_of_the_file(store_copy: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(StoreFile, "LINGER", 0.05)
    backend = LocalBackend.open(store_copy)
    assert backend.query("SELECT count(*) FROM nginx_access").rows[0][0] > 0
    time.sleep(0.3)
    # `dendro local up` can take the file for writing.
    writer = duckdb.connect(str(store_copy))
    writer.close()
    assert backend.query("SELECT count(*) FROM host_metrics").rows[0][0] > 0


def test_a_missing_store_says_how_to_make_one(tmp_path: Path) -> None:
    backend = LocalBackend.open(tmp_path / "nothing.duckdb")
    with pytest.raises(QueryError, match="dendro local up --demo"):
        backend.query("SELECT 1")
    assert backend.tables() == []


def test_reads_through_the_collector_that_holds_the_file(collector: Collector, store_copy: Path) -> None:
    backend = LocalBackend.open(store_copy)
    # The collector holds the file (here in this process; the path is the same from another one).
    with pytest.raises(StoreLockedError):
        connect(store_copy, read_only=True)
    result = backend.query("SELECT host, count(*) FROM nginx_access GROUP BY host ORDER BY host")
    assert [row[0] for row in result.rows] == ["web-1", "web-2", "web-3"]
    with pytest.raises(QueryError, match="DELETE statements are refused"):
        backend.query("DELETE FROM nginx_access")
    assert "nginx_access" in backend.tables()


def test_inside_the_collector_process_writes_show_up(collector: Collector) -> None:
    dashboard = beside_collector(collector, port=0)
    try:
        client = Client(dashboard.url)
        count = "SELECT count(*) FROM nginx_access WHERE host = 'web-9'"
        assert client.post_json("/api/query", {"sql": count}).json()["rows"] == [[0]]
        event = {
            "type": "nginx_access", "host": "web-9", "timestamp": datetime.now(UTC).isoformat(),
            "service": "shop", "status_class": "5xx", "status": 503, "client": "10.0.0.1",
            "request": "GET / HTTP/1.1", "request_time": 0.25,
        }  # fmt: skip
        sender = CollectorClient(collector.url)
        status, _ = sender.post(ndjson([event]))
        sender.close()
        assert status == 200
        assert client.post_json("/api/query", {"sql": count}).json()["rows"] == [[1]]
        home = client.get("/api/overview").json()
        assert "web-9" in home["hosts"]
        assert any(s["service"] == "shop" and s["errors"] == 1 for s in home["services"])
        refused = client.post_json("/api/query", {"sql": "DROP TABLE nginx_access"})
        assert refused.status == 400
    finally:
        dashboard.stop()


def test_shared_connection_runs_queries_from_many_threads(demo_db: Path) -> None:
    runner = SharedConnection(connect(demo_db, read_only=True))
    results: list[int] = []

    def work() -> None:
        for _ in range(5):
            results.append(int(runner.run("SELECT count(*) FROM host_metrics", None).rows[0][0]))

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    runner.close()
    assert len(results) == 20 and len(set(results)) == 1
