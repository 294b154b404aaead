"""The local live tail (lines.tail_marks / tail_step) on a real DuckDB store whose rowids move: a
checkpoint after deletes (retention) merges row groups and renumbers the rows after them, and new
rows are then appended below the tail's old mark. Every new line must still come, once."""

from __future__ import annotations

from pathlib import Path

from dendro.dashboard import lines, logs
from dendro.dashboard.backends.local import LocalBackend
from dendro.dashboard.timerange import Window
from tests.dashboard.logs_store import LiveStore, access_line, seconds_ago

OLD_ROWS = 500_000  # four row groups, so that a checkpoint has some to merge


def _backend(live: LiveStore) -> LocalBackend:
    return LocalBackend.shared(live.store.cursor(), Path(live.store.path))


def _paths(found: list[dict[str, object]]) -> list[object]:
    return [line["fields"]["path"] for line in found]  # type: ignore[index]


def test_tail_follows_its_place_when_a_checkpoint_renumbers_rows(live: LiveStore) -> None:
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
