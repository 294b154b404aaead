"""The local live tail (lines.tail_marks / tail_step) on a real DuckDB store whose rowids move: a
checkpoint after deletes (retention) merges row groups and renumbers the rows after them, and new
rows are then appended below the tail's old mark. Every new line must still come, once."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from pathlib import Path

import pytest

from dendro.dashboard import lines, logs
from dendro.dashboard.backends.local import LocalBackend
from dendro.dashboard.timerange import Window
from dendro.ingest_lambda.route import Router
from dendro.local_pipeline import store as store_module
from dendro.local_pipeline.client import ndjson
from dendro.local_pipeline.store import Store, Write
from dendro.local_pipeline.writer import Writer
from tests.dashboard.logs_store import LiveStore, access_line, seconds_ago

OLD_ROWS = 500_000  # four row groups, so that a checkpoint has some to merge


def _backend(live: LiveStore) -> LocalBackend:
    return LocalBackend.shared(live.store.cursor(), Path(live.store.path))


def _paths(found: list[dict[str, object]]) -> list[object]:
    return [line["fields"]["path"] for line in found]  # type: ignore[index]


def test_tail_follows_its_place_when_a_checkpoint_renumbers_rows(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Dendro's own checkpoints do not vacuum (store.MAX_VACUUM_TASKS), but DuckDB's default does: the
    # file may have been checkpointed by another tool, such as the duckdb shell.
    monkeypatch.setattr(store_module, "MAX_VACUUM_TASKS", 100)
    live = LiveStore(tmp_path / "vacuumed.duckdb")
    con = live.store.con
    con.execute(
        "INSERT INTO nginx_access (type, host, timestamp, line, status, path) "
        f"SELECT 'nginx_access', 'old', to_timestamp(1700000000 + i), 'old line ' || i, 200, '/old/' || i "
        f"FROM range({OLD_ROWS}) AS t(i)"
    )
    live.write("nginx_access", "web-1", [access_line(seconds_ago(5), "/seen")])
    con.execute("CHECKPOINT")
    backend = _backend(live)
    tables = logs.log_tables(backend.tables())
    f = logs.LogFilter(window=Window.last(3600), limit=200)
    marks = lines.tail_marks(backend, tables)
    mark_before = marks["nginx_access"].key

    # Retention deletes old rows (sparsely: hosts' clocks and late lines interleave), and the next
    # checkpoint renumbers what is left.
    con.execute(
        "DELETE FROM nginx_access WHERE host = 'old' "
        "AND (timestamp < to_timestamp(1700300000) OR rowid % 2 = 0)"
    )
    con.execute("CHECKPOINT")
    live.write("nginx_access", "web-1", [access_line(seconds_ago(1), f"/new/{i}") for i in range(3)])
    newest = con.execute("SELECT max(rowid) FROM nginx_access").fetchone()
    assert newest is not None and newest[0] < mark_before  # the case: new rows sit below the old mark

    assert _paths(lines.tail_step(backend, f, tables, marks)) == ["/new/0", "/new/1", "/new/2"]
    assert lines.tail_step(backend, f, tables, marks) == []  # each once
    live.write("nginx_access", "web-2", [access_line(seconds_ago(0), "/later")])
    assert _paths(lines.tail_step(backend, f, tables, marks)) == ["/later"]
    backend.close()
    live.close()


def test_tail_sees_every_line_of_two_concurrent_writers_once(tmp_path: Path) -> None:
    # The collector's Writer commits groups on two connections at once; the tail steps meanwhile.
    # Rowids are assigned at commit, in commit order (DuckDB 2.0.1), so no step can see a later
    # commit's rows before an earlier one's: every line comes once.
    store = Store.open(tmp_path / "two.duckdb")
    writer = Writer(store, max_pending_bytes=1 << 30, threads=2).start()
    backend = LocalBackend.shared(store.cursor(), Path(store.path))
    tables = logs.log_tables(backend.tables())
    f = logs.LogFilter(window=Window.last(3600), limit=200)
    marks = lines.tail_marks(backend, tables)
    router = Router()
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")

    def send(sender: int) -> None:
        for batch in range(40):
            events = [
                {"type": "nginx_access", "host": f"web-{sender}", "timestamp": now, "service": "nginx",
                 "status": 200, "status_class": "2xx", "client": "10.0.0.1", "path": f"/{sender}/{batch}/{i}",
                 "request": f"GET /{sender}/{batch}/{i} HTTP/1.1",
                 "line": f"GET /{sender}/{batch}/{i}"}
                for i in range(1 + batch * 7 % 50)
            ]  # fmt: skip
            written = router.ingest(ndjson(events))
            assert written.rejected == 0, written.dead_letters()
            writer.submit(Write(written), 1).done.wait(10)

    senders = [threading.Thread(target=send, args=(n,)) for n in range(4)]
    for thread in senders:
        thread.start()
    seen: list[object] = []
    while any(thread.is_alive() for thread in senders):
        seen += _paths(lines.tail_step(backend, f, tables, marks))
    for thread in senders:
        thread.join()
    while step := lines.tail_step(backend, f, tables, marks):  # at most 200 a step: catch up
        seen += _paths(step)
    writer.close()
    backend.close()
    store.close()

    expected = {f"/{s}/{b}/{i}" for s in range(4) for b in range(40) for i in range(1 + b * 7 % 50)}
    assert len(seen) == len(expected) and set(seen) == expected
    assert writer.totals.commits > 1
