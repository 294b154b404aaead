"""How lines.page reads a long range: newest slices first, wider ones only while the page is not full.
Checked on a real DuckDB store against the plain query (the whole range in one statement): the same
lines, in the same order, and the same cursor, page after page."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest

from dendro.dashboard import lines, logs
from dendro.dashboard.backends.local import LocalBackend
from dendro.dashboard.logs import Cursor, LogFilter
from dendro.dashboard.timerange import Window
from dendro.local_pipeline.store import Store

DAY = 86400
WORDS = ("lamp", "Chair", "desk")


@pytest.fixture(scope="module")
def backend(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LocalBackend, int]]:
    """Two days of lines in time order, as ingestion writes them: access lines every 9 s on 4 hosts
    (three lines share each second, so ties meet slice edges), 1 in 50 answered 503, a rare path
    word, and error lines every 5 min whose messages name the words."""
    path = tmp_path_factory.mktemp("scan") / "scan.duckdb"
    now = int(time.time())
    access, errors = 2 * DAY // 3, 2 * DAY // 300
    with Store.open(path) as store:
        store.con.execute(
            f"""
            INSERT INTO nginx_access (type, host, timestamp, line, service, status_class, status, path)
            SELECT 'nginx_access', 'web-' || (i % 4), ts,
                   '10.0.0.1 - - [' || strftime(ts, '%d/%b/%Y:%H:%M:%S +0000') || '] "GET ' || path
                     || ' HTTP/1.1" ' || s || ' 12 "-" "curl/8.5.0"',
                   'nginx', s // 100 || 'xx', s, path
            FROM (SELECT i, to_timestamp({now - 2 * DAY} + (i // 3) * 9) AS ts,
                         CASE WHEN i % 997 = 0 THEN '/Rare/' || i ELSE '/p/' || (i % 500) END AS path,
                         CASE WHEN i % 50 = 7 THEN 503 ELSE 200 END AS s
                  FROM range({access}) AS t(i))
            """
        )
        store.con.execute(
            f"""
            INSERT INTO nginx_error (type, host, timestamp, line, service, level, message)
            SELECT 'nginx_error', 'web-' || (i % 4), ts,
                   strftime(ts, '%Y/%m/%d %H:%M:%S') || ' [error] 10#10: *1 ' || message, 'nginx', 'error',
                   message
            FROM (SELECT i, to_timestamp({now - 2 * DAY} + i * 300) AS ts,
                         'open() "/srv/' || {list(WORDS)!r}[1 + i % 3] || '.png" failed' AS message
                  FROM range({errors}) AS t(i))
            """
        )
    found = LocalBackend.open(path)
    yield found, now
    found.close()


def plain(backend: LocalBackend, f: LogFilter, cursor: Cursor | None) -> tuple[list[str], str | None]:
    """The page as one query over the whole range: line ids, and the cursor of the next page."""
    tables = logs.log_tables(backend.tables())
    sql = logs.page(backend.dialect, f, tables, cursor)
    assert sql is not None
    rows = backend.query(sql).rows
    ids = [Cursor(logs.micros(ts), source, k).encode() for ts, source, _, _, _, _, k in rows]
    return ids[: f.limit], ids[f.limit - 1] if len(rows) > f.limit else None


def sliced(backend: LocalBackend, f: LogFilter, cursor: Cursor | None) -> tuple[list[str], str | None]:
    found = lines.page(backend, f, logs.log_tables(backend.tables()), cursor)
    return [line["id"] for line in found.lines], found.next


@pytest.mark.parametrize(
    "filters",
    [
        {},  # every line matches: the first slice fills the page
        {"text": "lamp.png"},  # only in one table, every 15 min
        {"text": "rare/"},  # a few a day, in any case: every slice is read
        {"hosts": ("web-3",), "status_classes": ("5xx",), "text": "/p/"},  # the benchmark's first page
        {"hosts": ("web-1",), "status_classes": ("5xx",)},
        {"text": "no such text"},  # nothing at all
        {"text": r"/p/4\d\d ", "regex": True},
    ],
)
@pytest.mark.parametrize("limit", [1, 37, 100])
@pytest.mark.parametrize("quiet", [60, 3 * 3600])  # seconds at the range's end with no line at all
def test_sliced_pages_are_the_plain_querys_pages(
    backend: tuple[LocalBackend, int], filters: dict[str, Any], limit: int, quiet: int
) -> None:
    store, now = backend
    f = LogFilter(window=Window.between(now - 2 * DAY - 60, now + quiet), limit=limit, **filters)
    cursor: Cursor | None = None
    for _ in range(4):  # the first pages, each from the cursor the one before gave
        expected = plain(store, f, cursor)
        assert sliced(store, f, cursor) == expected, (filters, cursor)
        if expected[1] is None:
            break
        cursor = Cursor.decode(expected[1])


def test_fields_come_with_the_lines_of_a_page_spread_over_two_days(backend: tuple[LocalBackend, int]) -> None:
    store, now = backend
    f = LogFilter(window=Window.between(now - 2 * DAY - 60, now + 60), text="RARE/", limit=100)

    found = lines.page(store, f, logs.log_tables(store.tables()))

    assert len(found.lines) == 2 * DAY // 3 // 997 + 1 and found.next is None
    # Each line's parsed fields are its own row's (fetched by rowid range + rowid list).
    assert all(line["fields"]["path"] in line["message"] for line in found.lines)
    assert [line["fields"]["path"] for line in found.lines] == sorted(
        (line["fields"]["path"] for line in found.lines), key=lambda p: -int(p.rsplit("/", 1)[1])
    )


def test_the_next_slice_follows_the_rate_seen_so_far() -> None:
    # Nothing yet: read 16 times what was read, in all.
    assert lines.next_span(3600, 0, 101) == 15 * 3600
    # Half the page in an hour: the rest is likely in the next hour and a quarter.
    assert lines.next_span(3600, 50, 101) == int(3600 * (1.25 * 101 / 50 - 1))
    # Nearly all of it: still at least twice what was read, in all.
    assert lines.next_span(3600, 95, 101) == 3600
    # 5 lines in 4 hours: about 81 hours more for 101, with a quarter's headroom.
    assert lines.next_span(4 * 3600, 5, 101) == int(4 * 3600 * (1.25 * 101 / 5 - 1))
