"""The predefined chart queries: plain functions from (dialect, scope, tables) to SQL.

Every chart query answers rows of `t` (bucket start, epoch seconds), then either `g` (the series: a
service, a host) and `v`, or one column per fixed series (latency's p50/p95/p99). series.py turns
those rows into the columns a chart draws. Inside, rows are grouped by the bucket key `k`
(dialect.py says why).

RED queries read every table whose catalog source has the `red` panel, as one UNION ALL, through the
fields every access log shares (ACCESS_FIELDS: service, host, status, request_time). Host queries read
the `host` panel's tables: Vector's host_metrics in long form, one row per metric sample.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from dendro.dashboard.dialect import Dialect, in_list, literal
from dendro.dashboard.timerange import Window

GROUPS = ("service", "host")
ERROR_STATUS = 500  # 5xx: the server's fault, what RED counts as errors
PERCENTILES = ((0.5, "p50"), (0.95, "p95"), (0.99, "p99"))
# Vector host_metrics names (its `host` namespace; metrics.vrl drops the namespace).
CPU_METRIC = "cpu_seconds_total"
CPU_IDLE_MODES = ("idle", "iowait")  # time a CPU spent waiting, not working
MEMORY_USED, MEMORY_TOTAL = "memory_used_bytes", "memory_total_bytes"
LOAD_METRIC = "load1"
DISK_USED, DISK_TOTAL = "filesystem_used_bytes", "filesystem_total_bytes"


@dataclass(frozen=True)
class Scope:
    """What a chart covers: a time window, optional host and service filters, and the series key."""

    window: Window
    hosts: tuple[str, ...] = ()
    services: tuple[str, ...] = ()
    group: str = "service"

    def __post_init__(self) -> None:
        if self.group not in GROUPS:
            raise ValueError(f"group {self.group!r} is not one of {', '.join(GROUPS)}")


def _filters(scope: Scope, *, services: bool) -> list[str]:
    clauses = [in_list("host", scope.hosts)] if scope.hosts else []
    if services and scope.services:
        clauses.append(in_list("service", scope.services))
    return clauses


def access_rows(d: Dialect, scope: Scope, tables: Sequence[str], columns: str, *conditions: str) -> str:
    """`columns` of every access-log row in the scope, all RED tables as one relation."""
    where = d.where(d.between(scope.window), *conditions, *_filters(scope, services=True))
    return " UNION ALL ".join(f"SELECT {columns} FROM {d.table(t)}{where}" for t in tables)


def metric_rows(d: Dialect, scope: Scope, table: str, metrics: Sequence[str], columns: str) -> str:
    wanted = f"metric IN ({', '.join(literal(m) for m in metrics)})"
    where = d.where(d.between(scope.window), wanted, *_filters(scope, services=False))
    return f"SELECT {columns} FROM {d.table(table)}{where}"


def _bucketed(d: Dialect, scope: Scope) -> str:
    return f"{d.bucket(scope.window.bucket)} AS k"


def _t(d: Dialect, scope: Scope) -> str:
    return f"{d.bucket_start('k', scope.window.bucket)} AS t"


def requests(d: Dialect, scope: Scope, tables: Sequence[str]) -> str:
    """Requests per second per group."""
    rows = access_rows(d, scope, tables, f"{_bucketed(d, scope)}, {scope.group} AS g")
    return (
        f"SELECT {_t(d, scope)}, g, count(*) / {float(scope.window.bucket)} AS v FROM ({rows}) AS r "
        "GROUP BY k, g ORDER BY t"
    )


def errors(d: Dialect, scope: Scope, tables: Sequence[str]) -> str:
    """5xx responses per bucket per group."""
    columns = f"{_bucketed(d, scope)}, {scope.group} AS g"
    rows = access_rows(d, scope, tables, columns, f"status >= {ERROR_STATUS}")
    return f"SELECT {_t(d, scope)}, g, count(*) AS v FROM ({rows}) AS r GROUP BY k, g ORDER BY t"


def error_ratio(d: Dialect, scope: Scope, tables: Sequence[str]) -> str:
    """Share of requests answered 5xx, in percent, per group."""
    rows = access_rows(d, scope, tables, f"{_bucketed(d, scope)}, {scope.group} AS g, status")
    return (
        f"SELECT {_t(d, scope)}, g, 100.0 * sum(CASE WHEN status >= {ERROR_STATUS} THEN 1 ELSE 0 END) "
        f"/ count(*) AS v FROM ({rows}) AS r GROUP BY k, g ORDER BY t"
    )


def latency(d: Dialect, scope: Scope, tables: Sequence[str]) -> str:
    """Request duration p50/p95/p99 in milliseconds over everything in the scope."""
    columns = f"{_bucketed(d, scope)}, request_time * 1000 AS ms"
    rows = access_rows(d, scope, tables, columns, "request_time IS NOT NULL")
    quantiles = [q for q, _ in PERCENTILES]
    names = [name for _, name in PERCENTILES]
    return d.percentiles("ms", quantiles, names, rows, scope.window.bucket)


def cpu(d: Dialect, scope: Scope, tables: Sequence[str]) -> str:
    """CPU busy percent per host, from Vector's per-CPU, per-mode seconds counters.

    Each counter's increase within a bucket is max - min (counters only grow between restarts), and
    busy = increase outside idle modes / increase in all modes."""
    columns = f"{_bucketed(d, scope)}, host AS g, cpu, mode, value"
    rows = metric_rows(d, scope, tables[0], [CPU_METRIC], columns)
    idle = ", ".join(literal(m) for m in CPU_IDLE_MODES)
    return (
        f"SELECT {_t(d, scope)}, g, 100.0 * sum(CASE WHEN mode NOT IN ({idle}) THEN delta ELSE 0 END) "
        "/ nullif(sum(delta), 0) AS v "
        f"FROM (SELECT k, g, cpu, mode, max(value) - min(value) AS delta FROM ({rows}) AS r "
        "GROUP BY k, g, cpu, mode) AS c GROUP BY k, g ORDER BY t"
    )


def memory(d: Dialect, scope: Scope, tables: Sequence[str]) -> str:
    """Memory used, percent of total, per host."""
    columns = f"{_bucketed(d, scope)}, host AS g, metric, value"
    rows = metric_rows(d, scope, tables[0], [MEMORY_USED, MEMORY_TOTAL], columns)
    return (
        f"SELECT {_t(d, scope)}, g, 100.0 * avg(CASE WHEN metric = {literal(MEMORY_USED)} THEN value END) "
        f"/ nullif(avg(CASE WHEN metric = {literal(MEMORY_TOTAL)} THEN value END), 0) AS v "
        f"FROM ({rows}) AS r GROUP BY k, g ORDER BY t"
    )


def load(d: Dialect, scope: Scope, tables: Sequence[str]) -> str:
    """One-minute load average per host."""
    rows = metric_rows(d, scope, tables[0], [LOAD_METRIC], f"{_bucketed(d, scope)}, host AS g, value")
    return f"SELECT {_t(d, scope)}, g, avg(value) AS v FROM ({rows}) AS r GROUP BY k, g ORDER BY t"


def disk(d: Dialect, scope: Scope, tables: Sequence[str]) -> str:
    """Filesystem used bytes and total bytes per host and mount point; series.py charts the percent
    when totals are there and the bytes otherwise (a scrape may leave the total out)."""
    columns = f"{_bucketed(d, scope)}, host || ':' || coalesce(mountpoint, device, '') AS g, metric, value"
    rows = metric_rows(d, scope, tables[0], [DISK_USED, DISK_TOTAL], columns)
    return (
        f"SELECT {_t(d, scope)}, g, avg(CASE WHEN metric = {literal(DISK_USED)} THEN value END) AS v, "
        f"avg(CASE WHEN metric = {literal(DISK_TOTAL)} THEN value END) AS total "
        f"FROM ({rows}) AS r GROUP BY k, g ORDER BY t"
    )


# --- the home page ---


def activity(d: Dialect, tables: Sequence[str], recent_seconds: int, lookback_seconds: int | None) -> str:
    """Per table and host: the newest event time (epoch ms), and the events of the last
    `recent_seconds`. `lookback_seconds` bounds the scan (Timestream bills by bytes scanned)."""
    where = d.where(d.since(lookback_seconds)) if lookback_seconds else d.where()
    parts = [
        f"SELECT {literal(t)} AS source, host, {d.epoch_ms(f'max({d.time})')} AS last_ms, "
        f"sum(CASE WHEN {d.since(recent_seconds)} THEN 1 ELSE 0 END) AS recent "
        f"FROM {d.table(t)}{where} GROUP BY host"
        for t in tables
    ]
    return " UNION ALL ".join(parts) + " ORDER BY source, host"


def services_now(d: Dialect, tables: Sequence[str], seconds: int, by: str = "service") -> str:
    """Per service (or host) over the last `seconds`: requests, 5xx and p95 duration (ms) - the
    outage summary, and with by="host", which host is returning the 5xx."""
    if by not in GROUPS:
        raise ValueError(f"by {by!r} is not one of {', '.join(GROUPS)}")
    where = d.where(d.since(seconds))
    columns = f"{by} AS g, status, request_time"
    rows = " UNION ALL ".join(f"SELECT {columns} FROM {d.table(t)}{where}" for t in tables)
    return (
        f"SELECT g, count(*) AS requests, sum(CASE WHEN status >= {ERROR_STATUS} THEN 1 ELSE 0 END) "
        f"AS errors, {d.percentile('request_time', 0.95)} * 1000 AS p95_ms FROM ({rows}) AS r "
        "GROUP BY g ORDER BY g"
    )


def distinct_values(d: Dialect, tables: Sequence[str], column: str, lookback_seconds: int) -> str:
    """The hosts (or services) seen recently, for the filters."""
    where = d.where(d.since(lookback_seconds))
    parts = [f"SELECT DISTINCT {column} AS value FROM {d.table(t)}{where}" for t in tables]
    union = " UNION ALL ".join(parts)
    return f"SELECT DISTINCT value FROM ({union}) AS v WHERE value IS NOT NULL ORDER BY value"


def latest(d: Dialect, tables: Sequence[str]) -> str:
    """The newest event time (epoch ms) over `tables`."""
    parts = " UNION ALL ".join(f"SELECT max({d.time}) AS m FROM {d.table(t)}" for t in tables)
    return f"SELECT {d.epoch_ms('max(m)')} AS latest_ms FROM ({parts}) AS l"
