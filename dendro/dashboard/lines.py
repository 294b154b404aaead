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
GROWTH = 4  # each step reads at least this many times what was read so far, in all
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
        span = next_span(end - upper, len(rows), f.limit + 1)
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


def tail_marks(backend: Backend, tables: Sequence[str]) -> dict[str, int]:
    if not tables:
        return {}
    rows = backend.query(logs.tail_marks(backend.dialect, tables)).rows
    return {str(source): int(k) if k is not None else -1 for source, k in rows}


def tail_step(
    backend: Backend, f: LogFilter, tables: Sequence[str], marks: dict[str, int]
) -> list[dict[str, Any]]:
    """New lines since `marks` (advanced in place), oldest first, with their fields."""
    upper = tail_marks(backend, tables)
    sql = logs.tail(backend.dialect, f, tables, marks, upper)
    if sql is None:
        marks.update(upper)
        return []
    rows = backend.query(sql).rows
    lines = [_line(row) for row in rows]
    if len(rows) < f.limit:
        marks.update(upper)  # everything up to the snapshot was seen, matching or not
    else:
        for line in lines:
            marks[line["source"]] = max(marks.get(line["source"], -1), int(line["_key"]))
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
