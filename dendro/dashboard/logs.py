"""The Logs page's queries: one view across every log table, newest first, as plain functions from
(dialect, filter, tables) to SQL.

Every log table is projected onto the same few columns (`ts, source, host, service, level, line, k`)
and the projections are one UNION ALL. `level` is the source's level field (`level` or `severity`)
or, for access logs, the status class; `line` is the line as the server wrote it (the catalog's
`line` column), or for rows stored before it existed, the parsed text. `k` is the row's key within
its table (the dialect's `row_key`): with the event time and the table it orders lines totally, so
pages are cut by keyset ("older than this line"), never by OFFSET, and a line inserted meanwhile
neither repeats nor hides another.

Each page is two queries: the keys and lines of the page (cheap columns only: the sort carries no
wide payload), then the full rows of just those keys (`fields` on expand).
"""

from __future__ import annotations

import base64
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson

from dendro.catalog import SOURCES
from dendro.catalog.model import LINE, Source
from dendro.dashboard.dialect import Dialect, identifier, in_list, literal
from dendro.dashboard.timerange import Window

LEVEL_FIELDS = ("level", "severity")  # a log source's level column, first found
STATUS_CLASS = "status_class"
TEXT_FIELDS = ("message", "path", "user_agent")  # searched in rows that have no stored line
FALLBACK_LINE = ("message", "request")  # shown for rows stored before `line` existed
MAX_LIMIT = 500
DEFAULT_LIMIT = 100
MAX_TEXT = 500  # characters of a search text or pattern


class LogFilterError(ValueError):
    pass


@dataclass(frozen=True)
class LogFilter:
    """What the Logs page shows. Empty tuples mean "any"."""

    window: Window
    sources: tuple[str, ...] = ()
    hosts: tuple[str, ...] = ()
    services: tuple[str, ...] = ()
    levels: tuple[str, ...] = ()
    status_classes: tuple[str, ...] = ()
    text: str = ""
    regex: bool = False
    limit: int = DEFAULT_LIMIT

    def __post_init__(self) -> None:
        if not 1 <= self.limit <= MAX_LIMIT:
            raise LogFilterError(f"limit {self.limit} is outside 1..{MAX_LIMIT}; page with `cursor` instead")
        if len(self.text) > MAX_TEXT:
            raise LogFilterError(f"the search text is {len(self.text)} characters; at most {MAX_TEXT}")
        unknown = [s for s in self.sources if s not in SOURCES or not SOURCES[s].is_log]
        if unknown:
            known = ", ".join(log_sources())
            raise LogFilterError(f"source {unknown[0]!r} is not a log source; choose one of: {known}")


@dataclass(frozen=True)
class Cursor:
    """A line's position in the newest-first order: event time (epoch µs), table, row key."""

    micros: int
    source: str
    key: int | str

    def encode(self) -> str:
        raw = orjson.dumps([self.micros, self.source, self.key])
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    @classmethod
    def decode(cls, text: str) -> Cursor:
        try:
            micros, source, key = orjson.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))
            if not isinstance(micros, int) or source not in SOURCES or not isinstance(key, int | str):
                raise ValueError
        except (ValueError, TypeError, orjson.JSONDecodeError):
            raise LogFilterError(
                f"cursor {text[:40]!r} is not one this API gave; start again without it"
            ) from None
        return cls(micros, source, key)


def log_sources(sources: Mapping[str, Source] = SOURCES) -> list[str]:
    return [t for t, s in sources.items() if s.is_log]


def log_tables(present: Sequence[str]) -> list[str]:
    """The log tables this store has, in catalog order."""
    have = set(present)
    return [t for t in log_sources() if t in have]


def level_field(source: Source) -> str | None:
    return next((name for name in LEVEL_FIELDS if source.field(name)), None)


def _has(source: Source, name: str) -> bool:
    return source.field(name) is not None


def _line(source: Source) -> str:
    parts = [identifier(LINE.name)] if _has(source, LINE.name) else []
    parts += [identifier(n) for n in FALLBACK_LINE if _has(source, n)]
    if not parts:
        return "CAST(NULL AS VARCHAR)"
    return parts[0] if len(parts) == 1 else f"coalesce({', '.join(parts)})"


def _level(source: Source) -> str:
    name = level_field(source) or (STATUS_CLASS if _has(source, STATUS_CLASS) else None)
    return identifier(name) if name else "CAST(NULL AS VARCHAR)"


def _text(d: Dialect, source: Source, text: str, regex: bool) -> str:
    def match(column: str) -> str:
        return d.regex(identifier(column), text) if regex else d.contains_any_case(identifier(column), text)

    others = [match(n) for n in TEXT_FIELDS if _has(source, n)]
    if not _has(source, LINE.name):
        return "(" + " OR ".join(others) + ")" if others else "FALSE"
    if not others:
        return match(LINE.name)
    return f"({match(LINE.name)} OR ({identifier(LINE.name)} IS NULL AND ({' OR '.join(others)})))"


def _conditions(d: Dialect, source: Source, f: LogFilter) -> list[str] | None:
    """The filter as conditions on one table, or None when the table cannot match at all (a level
    filter on a table without levels, a service filter on a table without services)."""
    clauses = [d.between(f.window)]
    if f.hosts:
        clauses.append(in_list("host", f.hosts))
    if f.services:
        if not _has(source, "service"):
            return None
        clauses.append(in_list("service", f.services))
    if f.levels:
        name = level_field(source)
        if name is None:
            return None
        clauses.append(in_list(name, f.levels))
    if f.status_classes:
        if not _has(source, STATUS_CLASS):
            return None
        clauses.append(in_list(STATUS_CLASS, f.status_classes))
    if f.text:
        clauses.append(_text(d, source, f.text, f.regex))
    return clauses


def _matching(d: Dialect, f: LogFilter, tables: Sequence[str]) -> Iterator[tuple[str, Source, list[str]]]:
    """Each table the filter can match, with its source and the filter as conditions on it."""
    for table in tables:
        if f.sources and table not in f.sources:
            continue
        clauses = _conditions(d, SOURCES[table], f)
        if clauses is not None:
            yield table, SOURCES[table], clauses


def _projection(d: Dialect, source: Source) -> str:
    service = identifier("service") if _has(source, "service") else "CAST(NULL AS VARCHAR)"
    return (
        f"{d.time} AS ts, {literal(source.type)} AS source, host, {service} AS service, "
        f"{_level(source)} AS level, {_line(source)} AS line, {d.row_key} AS k"
    )


def _before(d: Dialect, source: Source, cursor: Cursor, *, older: bool) -> str:
    """Rows of `source` strictly older (or newer) than `cursor` in (ts, source, k) order."""
    at = d.at(cursor.micros)
    op = "<" if older else ">"
    key = literal(cursor.key) if isinstance(cursor.key, str) else str(int(cursor.key))
    if source.type == cursor.source:
        return f"({d.time} {op} {at} OR ({d.time} = {at} AND {d.row_key} {op} {key}))"
    same_instant_first = (source.type < cursor.source) if older else (source.type > cursor.source)
    return f"{d.time} {op}{'=' if same_instant_first else ''} {at}"


def page(
    d: Dialect, f: LogFilter, tables: Sequence[str], cursor: Cursor | None = None, *, older: bool = True
) -> str | None:
    """The page of lines past `cursor`: newest first (older=True), or the lines newer than it, oldest
    first (the AWS stores' polled tail). One more than the limit, to tell whether another page
    follows. None when no table can match."""
    direction = "DESC" if older else "ASC"
    parts = []
    for table, source, clauses in _matching(d, f, tables):
        if cursor is not None:
            clauses.append(_before(d, source, cursor, older=older))
        # Each part is cut to the page too, so the outer sort sees at most limit+1 rows per table.
        rows = f"SELECT {_projection(d, source)} FROM {d.table(table)}{d.where(*clauses)}"
        parts.append(f"({rows} ORDER BY ts {direction}, k {direction} LIMIT {f.limit + 1})")
    if not parts:
        return None
    union = " UNION ALL ".join(parts)
    order = f"ts {direction}, source {direction}, k {direction}"
    return f"SELECT * FROM ({union}) AS l ORDER BY {order} LIMIT {f.limit + 1}"


def newest(d: Dialect, f: LogFilter, tables: Sequence[str]) -> str | None:
    """The newest event time in the filter's window among the tables it can match (whatever the
    other filters): where a page's slices start, so a range whose end holds no data (a host gone
    quiet, a backfill) does not read its first slices for nothing."""
    parts = [
        f"SELECT max({d.time}) AS ts FROM {d.table(table)}{d.where(d.between(f.window))}"
        for table, _, _ in _matching(d, f, tables)
    ]
    return f"SELECT max(ts) FROM ({' UNION ALL '.join(parts)}) AS n" if parts else None


def context(d: Dialect, line: Cursor, host: str, n: int, *, older: bool) -> str:
    """The `n` lines just before (older) or after a line, on its host and in its table."""
    source = SOURCES[line.source]
    direction = "DESC" if older else "ASC"
    where = d.where(_before(d, source, line, older=older), f"host = {literal(host)}")
    return (
        f"SELECT {_projection(d, source)} FROM {d.table(line.source)}{where} "
        f"ORDER BY ts {direction}, k {direction} LIMIT {int(n)}"
    )


def line_at(d: Dialect, line: Cursor, host: str) -> str:
    """The line a cursor points at (the middle of its context)."""
    source = SOURCES[line.source]
    key = literal(line.key) if isinstance(line.key, str) else str(int(line.key))
    where = d.where(f"{d.time} = {d.at(line.micros)}", f"{d.row_key} = {key}", f"host = {literal(host)}")
    return f"SELECT {_projection(d, source)} FROM {d.table(line.source)}{where}"


def rows_of(d: Dialect, table: str, keys: Sequence[int | str], first: int, last: int) -> str:
    """Full rows of one table by row key, but for the line the page has. Bounds let the store skip
    the rest: on the local store the keys' own range (rowids are positions: DuckDB skips row groups
    outside it and, within it, reads only the vectors holding a wanted key: 12 ms for a page spread
    over a day of 10M rows, where time bounds read every column of every row between the page's
    first and last line, 85 ms); elsewhere the time bounds (epoch µs)."""
    wanted = ", ".join(literal(k) if isinstance(k, str) else str(int(k)) for k in keys)
    if d.keys_are_positions and keys and all(isinstance(k, int) for k in keys):
        numbers = [int(k) for k in keys]
        bounds = [f"{d.row_key} BETWEEN {min(numbers)} AND {max(numbers)}"]
    else:
        bounds = [f"{d.time} >= {d.at(first)}", f"{d.time} <= {d.at(last)}"]
    where = d.where(*bounds, f"{d.row_key} IN ({wanted})")
    columns = d.star_except([LINE.name] if _has(SOURCES[table], LINE.name) else [])
    return f"SELECT {d.row_key} AS k, {columns} FROM {d.table(table)}{where}"


def histogram(d: Dialect, f: LogFilter, tables: Sequence[str]) -> str | None:
    """Lines per bucket and level (or status class): rows of (t, g, v) as series.by_group takes."""
    parts = []
    for table, source, clauses in _matching(d, f, tables):
        level = f"coalesce({_level(source)}, 'none')"
        parts.append(
            f"SELECT {d.bucket(f.window.bucket)} AS k, {level} AS g FROM {d.table(table)}{d.where(*clauses)}"
        )
    if not parts:
        return None
    start = d.bucket_start("k", f.window.bucket)
    rows = " UNION ALL ".join(parts)
    return f"SELECT {start} AS t, g, count(*) AS v FROM ({rows}) AS r GROUP BY k, g ORDER BY t"


def tail_marks(d: Dialect, tables: Sequence[str]) -> str:
    """Per table, the newest row key: where a live tail on an insertion-ordered key starts."""
    return " UNION ALL ".join(
        f"SELECT {literal(t)} AS source, max({d.row_key}) AS k FROM {d.table(t)}" for t in tables
    )


# The local store's rowid is a position, not an id: a checkpoint after deletes (retention) may merge
# row groups and renumber the rows after them, and then append new rows below a tail's old mark. A
# tail therefore remembers its mark row by event time and a digest of all its columns (DuckDB's
# hash of the row), and finds it again when the rowid no longer holds it.
_ROW = "dendro_row"


def row_digests(d: Dialect, keys: Mapping[str, int]) -> str:
    """Per table, the event time (epoch µs) and digest of the row at a key (local store only)."""
    return " UNION ALL ".join(
        f"SELECT {literal(t)} AS source, {d.row_key} AS k, epoch_us({d.time}) AS us, hash({_ROW}) AS h "
        f"FROM {d.table(t)} AS {_ROW} WHERE {d.row_key} = {int(k)}"
        for t, k in keys.items()
    )


def find_row(d: Dialect, table: str, us: int, digest: int) -> str:
    """The key of the newest row with this event time and digest (NULL when none is left)."""
    return (
        f"SELECT max({d.row_key}) AS k FROM {d.table(table)} AS {_ROW} "
        f"WHERE {d.time} = {d.at(us)} AND hash({_ROW}) = {int(digest)}::UBIGINT"
    )


def tail(
    d: Dialect, f: LogFilter, tables: Sequence[str], marks: Mapping[str, int], upper: Mapping[str, int]
) -> str | None:
    """Lines committed after `marks` and up to `upper` (row keys in insertion order: the local store's
    rowid), oldest first. Late lines with old event times show too: the tail follows commits, not
    event time. `upper` is a snapshot taken first, so a row committed meanwhile waits for the next
    step instead of being sent twice."""
    parts = []
    for table, source, clauses in _matching(d, f, tables):
        clauses = clauses[1:]  # not the time window: a tail shows what arrives, whatever its time
        clauses.append(f"{d.row_key} > {int(marks.get(table, -1))}")
        clauses.append(f"{d.row_key} <= {int(upper.get(table, -1))}")
        rows = f"SELECT {_projection(d, source)} FROM {d.table(table)}{d.where(*clauses)}"
        parts.append(f"({rows} ORDER BY k LIMIT {f.limit})")
    if not parts:
        return None
    return f"SELECT * FROM ({' UNION ALL '.join(parts)}) AS l ORDER BY k LIMIT {f.limit}"


def micros(value: Any) -> int:
    """An event time as the stores return it (datetime, or ISO text from the AWS APIs) -> epoch µs."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value.replace("Z", "+00:00").replace(" ", "T"))
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    delta = value - datetime(1970, 1, 1, tzinfo=UTC)
    return (delta.days * 86400 + delta.seconds) * 1_000_000 + delta.microseconds


def iso(us: int) -> str:
    seconds, rest = divmod(us, 1_000_000)
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%S") + f".{rest:06d}Z"
