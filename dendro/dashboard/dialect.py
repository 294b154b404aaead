"""How each store spells the few things the chart queries need: a table, the time column, a time
window, a time bucket and percentiles. Everything else in queries.py is SQL both dialects share
(subqueries, CASE, count, avg, nullif, ||), so one function writes each chart's query for both.

Chart queries group by a bucket key `k` (`bucket`) and turn it into the bucket's start in epoch
seconds, what the charts draw, only in the outer select (`bucket_start`): in DuckDB the key is a
small INTEGER, which its hash aggregate groups several times faster than a timestamp or a BIGINT.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from dendro.dashboard.timerange import Window

BINS_PER_E = 50  # DuckDb.percentiles' histogram resolution


def literal(value: str) -> str:
    """A string literal, quote doubled: the same rule in DuckDB and Timestream (no backslash escapes)."""
    return "'" + value.replace("'", "''") + "'"


def identifier(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def in_list(column: str, values: Sequence[str]) -> str:
    return f"{identifier(column)} IN ({', '.join(literal(v) for v in values)})"


def contains(column: str, text: str) -> str:
    """Case-sensitive substring match: `strpos` in both DuckDB and Trino, and no wildcard in the text
    means anything but itself."""
    return f"strpos({column}, {literal(text)}) > 0"


def has_case(text: str) -> bool:
    """Whether `text` has a letter with another case: without one ("503", "/api/7"), a case-blind
    match is the case-sensitive one, and strpos is the fastest scan for it."""
    return text.lower() != text or text.upper() != text


def _contains_any_case(column: str, text: str) -> str:
    """Substring match ignoring case, as Grafana's and Kibana's search boxes: Trino's spelling (no
    ILIKE there), and DuckDB's when the text holds a LIKE wildcard."""
    if not has_case(text):
        return contains(column, text)
    return f"strpos(lower({column}), lower({literal(text)})) > 0"


def _iso_micros(micros: int) -> str:
    seconds, rest = divmod(int(micros), 1_000_000)
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%d %H:%M:%S") + f".{rest:06d}"


@dataclass(frozen=True)
class DuckDb:
    """The local store: one table per catalog type, event time in `timestamp`."""

    name: str = "duckdb"
    time: str = '"timestamp"'
    # Unique per row and growing in insertion (commit) order: the Logs page's keyset tiebreaker and
    # the live tail's watermark. Tables are append-only, so a row keeps its rowid.
    row_key: str = "rowid"
    tail_in_commit_order: bool = True
    # A rowid is the row's position in its table: a range of them bounds a scan (zone maps).
    keys_are_positions: bool = True
    # A query is cheap (no per-query bill or latency) and the newest time in a range comes from
    # zone maps: the Logs page asks where its range's data ends before slicing it.
    cheap_time_bounds: bool = True

    def at(self, micros: int) -> str:
        """An exact instant (epoch µs) as a constant of the column's type, so zone maps prune."""
        return f"TIMESTAMPTZ {literal(_iso_micros(micros) + '+00')}"

    def regex(self, column: str, pattern: str) -> str:
        return (
            f"regexp_matches({column}, {literal(pattern)})"  # RE2: linear time, no catastrophic backtracking
        )

    def contains_any_case(self, column: str, text: str) -> str:
        """Substring match ignoring case. ILIKE '%text%' scans a day of 1.3M lines in about 1.3-1.6x
        the time of case-sensitive strpos, and lower(...) with strpos in about 1.8x; ILIKE with an
        ESCAPE clause (needed when the text holds % or _; DuckDB has no default escape character) in
        about 4x, so such a text takes lower()."""
        if not has_case(text) or "%" in text or "_" in text:
            return _contains_any_case(column, text)
        return f"{column} ILIKE {literal('%' + text + '%')}"

    def table(self, type_id: str) -> str:
        return identifier(type_id)

    def star_except(self, columns: Sequence[str]) -> str:
        """Every column but these (DuckDB's EXCLUDE): a page's full rows leave out the `line` it
        already has, whose vectors then need no decompressing (a third of the time)."""
        return f"* EXCLUDE ({', '.join(identifier(c) for c in columns)})" if columns else "*"

    def where(self, *conditions: str) -> str:
        return " WHERE " + " AND ".join(conditions) if conditions else ""

    def between(self, window: Window) -> str:
        # to_timestamp of a constant folds before the scan, so row groups outside the window are skipped.
        return f"{self.time} >= to_timestamp({window.start}) AND {self.time} < to_timestamp({window.end})"

    def since(self, seconds: int) -> str:
        return f"{self.time} >= now() - INTERVAL {int(seconds)} SECOND"

    def ago(self, amount: int, unit: str) -> str:
        return f"{self.time} >= now() - INTERVAL {amount} {unit}"

    def percentile(self, value: str, quantile: float) -> str:
        return f"quantile_cont({value}, {quantile})"

    def bucket(self, seconds: int) -> str:
        return f"(epoch_us({self.time}) // {seconds * 1_000_000})::INTEGER"

    def bucket_start(self, key: str, seconds: int) -> str:
        return f"{key} * {seconds}"

    def epoch_ms(self, expression: str) -> str:
        return f"epoch_ms({expression})"

    def percentiles(
        self, value: str, quantiles: Sequence[float], names: Sequence[str], source: str, seconds: int
    ) -> str:
        """Percentiles of `value` (> 0) per bucket key `k` of `source`, from a log histogram.

        Sorting every value of each bucket (quantile_cont) is the slowest chart query on 10M rows and
        2 cores; counting values per (bucket, bin) is a hash aggregate on two small integers, and it
        is faster the fewer bins there are. With BINS_PER_E = 50 a bin spans 2 % around its centre, so
        a percentile is within 1 % of the exact value: the precision of a Prometheus or HDR histogram,
        finer than a 240-pixel chart shows."""
        picks = ", ".join(
            f"exp(min(b) FILTER (WHERE f >= {q}) / {BINS_PER_E}) AS {name}"
            for q, name in zip(quantiles, names, strict=True)
        )
        return (
            f"WITH h AS (SELECT k, round(ln(greatest({value}, 1e-6)) * {BINS_PER_E})::INTEGER AS b, "
            f"count(*) AS n FROM ({source}) AS r GROUP BY k, b), "
            "c AS (SELECT k, b, sum(n) OVER (PARTITION BY k ORDER BY b) / sum(n) OVER (PARTITION BY k) AS f "
            "FROM h) "
            f"SELECT {self.bucket_start('k', seconds)} AS t, {picks} FROM c GROUP BY k ORDER BY t"
        )


@dataclass(frozen=True)
class _TrinoFamily:
    """What Timestream and Athena (both Presto/Trino SQL) spell alike: database-qualified tables and
    approximate percentiles."""

    database: str

    def table(self, type_id: str) -> str:
        return f"{identifier(self.database)}.{identifier(type_id)}"

    def regex(self, column: str, pattern: str) -> str:
        return f"regexp_like({column}, {literal(pattern)})"

    def star_except(self, columns: Sequence[str]) -> str:
        return "*"  # Trino has no EXCLUDE; the caller drops the columns

    def contains_any_case(self, column: str, text: str) -> str:
        return _contains_any_case(column, text)

    def bucket_start(self, key: str, seconds: int) -> str:
        raise NotImplementedError

    def percentile(self, value: str, quantile: float) -> str:
        return f"approx_percentile({value}, {quantile})"

    def percentiles(
        self, value: str, quantiles: Sequence[float], names: Sequence[str], source: str, seconds: int
    ) -> str:
        columns = ", ".join(
            f"approx_percentile({value}, {q}) AS {name}" for q, name in zip(quantiles, names, strict=True)
        )
        start = self.bucket_start("k", seconds)
        return f"SELECT {start} AS t, {columns} FROM ({source}) AS r GROUP BY k ORDER BY t"


@dataclass(frozen=True)
class Timestream(_TrinoFamily):
    """Timestream for LiveAnalytics: one table per catalog type in `database`, event time in `time`,
    each row a multi-measure record named `event` (ingest_lambda/timestream.py).

    Timestream adds a measure column only when a record first carries it (an access log without
    `$request_time` never does), and a query naming an absent column fails. `missing` lists, per
    table, the catalog columns it lacks with their SQL type: such a table is read through a subquery
    that supplies them as typed NULLs, so every chart query works with whatever columns exist."""

    name: str = "timestream"
    time: str = "time"
    measure_name: str = "event"
    missing: tuple[tuple[str, tuple[tuple[str, str], ...]], ...] = ()

    def table(self, type_id: str) -> str:
        absent = dict(self.missing).get(type_id)
        plain = super().table(type_id)
        if not absent:
            return plain
        nulls = ", ".join(f"CAST(NULL AS {kind}) AS {identifier(column)}" for column, kind in absent)
        return f"(SELECT *, {nulls} FROM {plain})"

    # The ingest Lambda's per-row hash dimension (ingest_lambda/timestream.py): unique, not ordered.
    row_key: str = "event_id"
    tail_in_commit_order: bool = False
    keys_are_positions: bool = False
    cheap_time_bounds: bool = False

    def at(self, micros: int) -> str:
        return f"from_nanoseconds({int(micros) * 1000})"

    def where(self, *conditions: str) -> str:
        # Every table holds only Dendro's `event` records, but naming the measure is how Timestream
        # is told to read the multi-measure columns of those records.
        return " WHERE " + " AND ".join((f"measure_name = {literal(self.measure_name)}", *conditions))

    def between(self, window: Window) -> str:
        start, end = window.start * 1000, window.end * 1000
        return f"time >= from_milliseconds({start}) AND time < from_milliseconds({end})"

    def since(self, seconds: int) -> str:
        return f"time >= ago({int(seconds)}s)"

    def ago(self, amount: int, unit: str) -> str:
        return f"time >= ago({amount}{unit[0].lower()})"

    def bucket(self, seconds: int) -> str:
        return f"bin(time, {seconds}s)"

    def bucket_start(self, key: str, seconds: int) -> str:
        return f"to_milliseconds({key}) / 1000"

    def epoch_ms(self, expression: str) -> str:
        return f"to_milliseconds({expression})"


def _timestamp(seconds: int) -> str:
    # A literal on the column's own type (timestamp without zone, UTC) lets Athena prune the day
    # partitions; a function of the column would read them all.
    return "TIMESTAMP " + literal(datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%d %H:%M:%S"))


@dataclass(frozen=True)
class Athena(_TrinoFamily):
    """Athena engine v3 (Trino) over the iceberg store: one table per catalog type in `database`."""

    name: str = "athena"
    time: str = '"timestamp"'
    # Iceberg rows have no id: the line itself breaks ties between lines of the same microsecond, so
    # two identical lines logged in the same microsecond on one table show as one at a page edge.
    row_key: str = "coalesce(\"line\", '')"
    tail_in_commit_order: bool = False
    keys_are_positions: bool = False
    cheap_time_bounds: bool = False

    def at(self, micros: int) -> str:
        return f"TIMESTAMP {literal(_iso_micros(micros))}"

    def where(self, *conditions: str) -> str:
        return " WHERE " + " AND ".join(conditions) if conditions else ""

    def between(self, window: Window) -> str:
        return f"{self.time} >= {_timestamp(window.start)} AND {self.time} < {_timestamp(window.end)}"

    def since(self, seconds: int) -> str:
        return self.ago(int(seconds), "SECOND")

    def ago(self, amount: int, unit: str) -> str:
        # Trino wants the interval quoted; the column is a zone-less UTC timestamp.
        return f"{self.time} >= CAST(current_timestamp - INTERVAL '{amount}' {unit} AS timestamp)"

    def bucket(self, seconds: int) -> str:
        """The bucket's number `k` (epoch seconds // width). to_unixtime reads a zone-less timestamp as
        UTC, Athena's session zone."""
        return f"CAST(floor(to_unixtime({self.time}) / {seconds}) AS bigint)"

    def bucket_start(self, key: str, seconds: int) -> str:
        return f"{key} * {seconds}"

    def epoch_ms(self, expression: str) -> str:
        return f"CAST(to_unixtime({expression}) * 1000 AS bigint)"


Dialect = DuckDb | Timestream | Athena
