"""Which charts the dashboard draws, derived from the catalog: a chart belongs to a panel (`red`,
`latency`, `host`, `log_levels`), and reads every table whose catalog source lists that panel and
that the store has. A source added to the catalog with `panels=("red", "latency")` shows up in the
RED charts with no change here.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from dendro.catalog import SOURCES
from dendro.catalog.model import Source
from dendro.dashboard import queries
from dendro.dashboard.dialect import Dialect, in_list, literal
from dendro.dashboard.series import ChartData, by_column, by_group, used_share
from dendro.dashboard.timerange import Window

Rows = Iterable[Sequence[Any]]
QueryFn = Callable[[Dialect, queries.Scope, Sequence[str]], str]


@dataclass(frozen=True)
class Chart:
    id: str
    panel: str
    title: str
    help: str
    query: QueryFn
    shape: Callable[[Rows, Window], ChartData]
    # Series follow the page's "by service / by host" choice; host charts are always by host.
    grouped: bool = False
    # Only the RED tables have a `service` column.
    service_filter: bool = False


def _counts(unit: str) -> Callable[[Rows, Window], ChartData]:
    return lambda rows, window: by_group(rows, window, fill=0, unit=unit)


def _gauges(unit: str) -> Callable[[Rows, Window], ChartData]:
    return lambda rows, window: by_group(rows, window, fill=None, unit=unit)


def _latency(rows: Rows, window: Window) -> ChartData:
    return by_column(rows, [name for _, name in queries.PERCENTILES], window, unit="ms")


def _log_lines(d: Dialect, scope: queries.Scope, tables: Sequence[str]) -> str:
    """Lines per bucket written to error and system logs, one series per source type."""
    where = d.where(d.between(scope.window), *([in_list("host", scope.hosts)] if scope.hosts else []))
    bucket = d.bucket(scope.window.bucket)
    parts = [f"SELECT {bucket} AS k, {literal(t)} AS g FROM {d.table(t)}{where}" for t in tables]
    start = d.bucket_start("k", scope.window.bucket)
    rows = " UNION ALL ".join(parts)
    return f"SELECT {start} AS t, g, count(*) AS v FROM ({rows}) AS r GROUP BY k, g ORDER BY t"


# One chart per line: id, panel, title, help, query, shape, grouped, service filter.
CHARTS: tuple[Chart, ...] = (
    Chart("requests", "red", "Request rate", "requests per second", queries.requests, _counts("req/s"),
          True, True),
    Chart("errors", "red", "Errors (5xx)", "5xx responses per bucket", queries.errors, _counts("count"),
          True, True),
    Chart("error_ratio", "red", "Error ratio", "share of responses that were 5xx", queries.error_ratio,
          _gauges("%"), True, True),
    Chart("latency", "latency", "Duration", "p50 / p95 / p99 of request time", queries.latency, _latency,
          service_filter=True),
    Chart("cpu", "host", "CPU busy", "non-idle share of CPU time", queries.cpu, _gauges("%")),
    Chart("memory", "host", "Memory used", "used / total memory", queries.memory, _gauges("%")),
    Chart("load", "host", "Load average", "1-minute load", queries.load, _gauges("")),
    Chart("disk", "host", "Disk used", "per host and mount point", queries.disk, used_share),
    Chart("log_lines", "log_levels", "Log lines", "lines in error and system logs", _log_lines,
          _counts("count")),
)  # fmt: skip
CHARTS_BY_ID: Mapping[str, Chart] = {c.id: c for c in CHARTS}

# Panels the catalog names that have no chart yet, and where to look instead.
NOT_CHARTED: Mapping[str, str] = {
    "slow_queries": "query the duration_ms column on the Query page",
    "metrics": "query the service's *_metrics table on the Query page",
}
SECTIONS = (("red", "Traffic (RED)"), ("latency", "Traffic (RED)"), ("host", "Hosts"), ("log_levels", "Logs"))


def panel_tables(panel: str, present: Collection[str], sources: Mapping[str, Source] = SOURCES) -> list[str]:
    """The tables, in catalog order, whose source lists `panel` and that the store has."""
    return [s.type for s in sources.values() if panel in s.panels and s.type in present]


def red_tables(present: Collection[str]) -> list[str]:
    return panel_tables("red", present)


def available(present: Collection[str]) -> list[Chart]:
    """The charts that have at least one table to read in this store."""
    return [c for c in CHARTS if panel_tables(c.panel, present)]


def section_of(chart: Chart) -> str:
    return dict(SECTIONS)[chart.panel]
