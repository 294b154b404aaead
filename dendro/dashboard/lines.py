"""Log lines as the API returns them: runs logs.py's queries on a Backend and shapes each row into
`{"id", "timestamp", "source", "host", "service", "level", "message", "fields"}`, where `message` is
the line as the server wrote it and `fields` the parsed columns (fetched for the page's rows only)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from dendro.catalog.model import LINE
from dendro.dashboard import logs
from dendro.dashboard.backends import Backend
from dendro.dashboard.logs import Cursor, LogFilter
from dendro.dashboard.timerange import Window

# Columns that are the line's envelope or a store's bookkeeping, not parsed fields.
NOT_FIELDS = frozenset({"k", "type", "host", "timestamp", "time", LINE.name, "measure_name", "event_id"})
CONTEXT_MAX = 50
FIRST_SLICE = 3600  # seconds: the newest slice of the range a page reads first
GROWTH = 2  # each step reads at least this many times what was read so far, in all
EMPTY_GROWTH = 16  # ... and this many times when nothing has matched yet
HEADROOM = 1.25  # on the rate seen so far: one more step costs a query, a longer one only rows


@dataclass
class Page:
    lines: list[dict[str, Any]]
    next: str | None
    sql: str = ""
    notes: list[str] = field(default_factory=list)


def _line(row: Sequence[Any]) -> dict[str, Any]:
    ts, source, host, service, level, text, key = row
    us = logs.micros(ts)
    return {
        "id": Cursor(us, str(source), key).encode(),
        "timestamp": logs.iso(us),
        "source": source,
        "host": host,
        "service": service,
        "level": level,
        "message": text,
        "fields": {},
        "_us": us,
        "_key": key,
    }


def _with_fields(backend: Backend, lines: list[dict[str, Any]]) -> None:
    """Fill each line's `fields` with its full row: one query per table on the page."""
    by_table: dict[str, list[dict[str, Any]]] = {}
    for line in lines:
        by_table.setdefault(line["source"], []).append(line)
    for table, group in by_table.items():
        times = [line["_us"] for line in group]
        sql = logs.rows_of(backend.dialect, table, [line["_key"] for line in group], min(times), max(times))
        result = backend.query(sql)
        rows = {row[0]: dict(zip(result.columns, row, strict=True)) for row in result.rows}
        for line in group:
            row = rows.get(line["_key"], {})
            line["fields"] = {k: v for k, v in row.items() if k not in NOT_FIELDS and v is not None}


def _public(lines: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{k: v for k, v in line.items() if not k.startswith("_")} for line in lines]


def next_span(read: int, found: int, wanted: int) -> int:
    """Seconds to read next, older than the `read` seconds read so far, which gave `found` of the
    `wanted` lines: as far as the rate seen so far says the rest of the page lies, with headroom, and
    at least GROWTH (EMPTY_GROWTH with no line yet) times what was read in all. A rare match thus
    reads the range in two or three queries (each has a fixed cost, and DuckDB reads a table's newest
    row groups first within one), a frequent one only its newest minutes."""
    factor = float(EMPTY_GROWTH) if found == 0 else max(GROWTH, HEADROOM * wanted / found)
    return max(1, int(read * (factor - 1)))


def page(backend: Backend, f: LogFilter, tables: Sequence[str], cursor: Cursor | None = None) -> Page:
    """A page of lines, newest first. The store reads the newest slice of the range first and older
    slices only while the page is not full (`next_span`): a search whose matches are frequent in one
    table reads minutes of every other table too, not the whole day (a scan costs the `line` text it
    must decompress), and a rare one reads it all, in a few queries instead of one."""
    end = min(f.window.end, cursor.micros // 1_000_000 + 1) if cursor is not None else f.window.end
    if backend.dialect.cheap_time_bounds:
        sql = logs.newest(
            backend.dialect, replace(f, window=Window(f.window.start, end, f.window.bucket)), tables
        )
        if sql is None:
            return Page([], None, "", ["no log table can match these filters"])
        at = backend.query(sql).rows[0][0]
        # No line in the range at all: nothing to slice.
        end = f.window.start if at is None else min(end, logs.micros(at) // 1_000_000 + 1)
    rows: list[Any] = []
    sql = ""
    upper, span = end, FIRST_SLICE
    while upper > f.window.start:
        part = Window(max(f.window.start, upper - span), upper, f.window.bucket)
        # Still wanted: the rest of the page, and one more line to tell whether another page follows.
        wanted = replace(f, window=part, limit=max(1, f.limit - len(rows)))
        found = logs.page(backend.dialect, wanted, tables, cursor)
        if found is None:
            return Page([], None, "", ["no log table can match these filters"])
        sql = found
        rows += backend.query(sql).rows
        if len(rows) > f.limit:
            break
        upper = part.start
        # The rate is counted from the newest line found: a range whose newest hour holds no data
        # (a host that went quiet, a backfill) must not read as a rare match and widen to the day.
        newest = logs.micros(rows[0][0]) // 1_000_000 + 1 if rows else end
        span = next_span(newest - upper, len(rows), f.limit + 1)
    lines = [_line(row) for row in rows[: f.limit]]
    _with_fields(backend, lines)
    more = len(rows) > f.limit
    return Page(_public(lines), lines[-1]["id"] if more and lines else None, sql)


def context(backend: Backend, line_id: str, host: str, n: int) -> dict[str, Any]:
    """The `n` lines before and after a line on its host and source, and the line itself."""
    cursor = Cursor.decode(line_id)
    n = max(1, min(n, CONTEXT_MAX))
    d = backend.dialect
    before = [_line(r) for r in backend.query(logs.context(d, cursor, host, n, older=True)).rows]
    itself = [_line(r) for r in backend.query(logs.line_at(d, cursor, host)).rows]
    after = [_line(r) for r in backend.query(logs.context(d, cursor, host, n, older=False)).rows]
    everything = [*reversed(before), *itself, *after]
    _with_fields(backend, everything)
    public = _public(everything)
    middle = len(before)
    return {
        "before": public[:middle],
        "line": public[middle] if itself else None,
        "after": public[middle + len(itself) :],
    }


def histogram_rows(backend: Backend, f: LogFilter, tables: Sequence[str]) -> list[Sequence[Any]]:
    sql = logs.histogram(backend.dialect, f, tables)
    return [] if sql is None else backend.query(sql).rows


@dataclass
class Mark:
    """Where a live tail stands in one table: the newest row it has read (`key` -1: none yet), and
    that row's event time and digest, by which it is found again if a checkpoint renumbers rows."""

    key: int = -1
    us: int = 0
    digest: int | None = None


def _newest_keys(backend: Backend, tables: Sequence[str]) -> dict[str, int]:
    if not tables:
        return {}
    rows = backend.query(logs.tail_marks(backend.dialect, tables)).rows
    return {str(source): int(k) if k is not None else -1 for source, k in rows}


def _remember(backend: Backend, marks: dict[str, Mark], keys: dict[str, int]) -> None:
    """Move `marks` to `keys`, reading the digest of each row a mark moves to."""
    moved = {t: k for t, k in keys.items() if k >= 0 and (t not in marks or marks[t].key != k)}
    for table, key in keys.items():
        if key < 0:
            marks[table] = Mark()
    if not moved:
        return
    found = {str(row[0]): row for row in backend.query(logs.row_digests(backend.dialect, moved)).rows}
    for table, key in moved.items():
        row = found.get(table)
        # A row gone meanwhile (renumbered between the two queries): the next check cannot follow it.
        marks[table] = Mark(key, int(row[2]), int(row[3])) if row else Mark(key)


def _follow(backend: Backend, marks: dict[str, Mark]) -> None:
    """Find each mark's row again where a checkpoint has renumbered its table. If the row itself
    was deleted meanwhile (retention took it: it would have to be a late line older than the
    retention), the tail goes on from the table's newest row, and lines committed since the last
    step may be missed: rare, and repeating lines instead could not be told from new ones."""
    known = {t: m for t, m in marks.items() if m.digest is not None}
    if not known:
        return
    sql = logs.row_digests(backend.dialect, {t: m.key for t, m in known.items()})
    now = {str(row[0]): int(row[3]) for row in backend.query(sql).rows}
    for table, mark in known.items():
        digest = mark.digest
        if digest is None or now.get(table) == digest:
            continue
        row = backend.query(logs.find_row(backend.dialect, table, mark.us, digest)).rows
        if row and row[0][0] is not None:
            mark.key = int(row[0][0])
        else:
            mark.key = _newest_keys(backend, [table]).get(table, -1)
            mark.digest = None


def tail_marks(backend: Backend, tables: Sequence[str]) -> dict[str, Mark]:
    """Where a live tail starts: the newest row of each table."""
    marks: dict[str, Mark] = {}
    _remember(backend, marks, _newest_keys(backend, tables))
    return marks


def tail_step(
    backend: Backend, f: LogFilter, tables: Sequence[str], marks: dict[str, Mark]
) -> list[dict[str, Any]]:
    """New lines since `marks` (advanced in place), in commit order, with their fields."""
    _follow(backend, marks)
    upper = _newest_keys(backend, tables)
    keys = {t: m.key for t, m in marks.items()}
    sql = logs.tail(backend.dialect, f, tables, keys, upper)
    rows = backend.query(sql).rows if sql is not None else []
    lines = [_line(row) for row in rows]
    if len(rows) < f.limit:
        keys.update(upper)  # everything up to the snapshot was seen, matching or not
    else:
        for line in lines:
            keys[line["source"]] = max(keys.get(line["source"], -1), int(line["_key"]))
    _remember(backend, marks, keys)
    _with_fields(backend, lines)
    return _public(lines)


def newest(backend: Backend, f: LogFilter, tables: Sequence[str]) -> Cursor | None:
    """Where a polled tail starts: the newest line now (the AWS stores' keys are not in commit order)."""
    found = page(backend, LogFilter(window=f.window, sources=f.sources, limit=1), tables)
    return Cursor.decode(found.lines[0]["id"]) if found.lines else None


def poll_step(
    backend: Backend, f: LogFilter, tables: Sequence[str], after: Cursor | None
) -> tuple[list[dict[str, Any]], Cursor | None]:
    """Lines newer (by event time) than `after`, oldest first, and the cursor to poll from next."""
    sql = logs.page(backend.dialect, f, tables, after, older=False)
    if sql is None:
        return [], after
    lines = [_line(row) for row in backend.query(sql).rows[: f.limit]]
    _with_fields(backend, lines)
    return _public(lines), (Cursor.decode(lines[-1]["id"]) if lines else after)
