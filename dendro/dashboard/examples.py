"""Ready example queries for the Query page, written from the catalog for the store's dialect: they
name only tables the store has and columns their source declares."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from dendro.catalog import SOURCES
from dendro.catalog.model import Role, Source
from dendro.dashboard import panels
from dendro.dashboard.dialect import Dialect, identifier
from dendro.local_pipeline.schema import REJECTS


@dataclass(frozen=True)
class Example:
    title: str
    sql: str


def _ago(d: Dialect, amount: int, unit: str) -> str:
    """A readable "since" in the dialect's own words: `now() - INTERVAL 2 HOUR`, `ago(2h)`, ..."""
    return d.ago(amount, unit)


def _columns(source: Source, wanted: tuple[str, ...]) -> str:
    return ", ".join(identifier(name) for name in wanted if source.field(name) is not None)


def _scan(d: Dialect, source: Source, *conditions: str) -> str:
    return f"FROM {d.table(source.type)}{d.where(*conditions)}"


def examples(d: Dialect, present: Collection[str]) -> list[Example]:
    found: list[Example] = []
    for type_id in panels.red_tables(present):
        source = SOURCES[type_id]
        columns = f"{d.time}, " + _columns(source, ("host", "service", "status", "request", "request_time"))
        found.append(
            Example(
                f"All 5xx of {type_id} in the last 2 hours",
                f"SELECT {columns}\n{_scan(d, source, _ago(d, 2, 'HOUR'), 'status >= 500')}\n"
                f"ORDER BY {d.time} DESC",
            )
        )
    red = panels.red_tables(present)
    if red:
        source = SOURCES[red[0]]
        columns = f"{d.time}, " + _columns(source, ("host", "service", "status", "request", "request_time"))
        found.append(
            Example(
                f"Slowest {source.type} requests in the last hour",
                f"SELECT {columns}\n{_scan(d, source, _ago(d, 1, 'HOUR'), 'request_time IS NOT NULL')}\n"
                "ORDER BY request_time DESC\nLIMIT 50",
            )
        )
        found.append(
            Example(
                f"{source.type} requests per host and status class, last 24 hours",
                f"SELECT host, status_class, count(*) AS requests\n{_scan(d, source, _ago(d, 24, 'HOUR'))}\n"
                "GROUP BY host, status_class\nORDER BY host, status_class",
            )
        )
    for type_id in panels.panel_tables("host", present):
        # The dialect names its own time column: `timestamp` in DuckDB and Iceberg, `time` in Timestream.
        latest = f"arg_max(value, {d.time})" if d.name == "duckdb" else f"max_by(value, {d.time})"
        found.append(
            Example(
                f"Latest value of every {type_id} metric, per host",
                f"SELECT host, metric, {latest} AS value, max({d.time}) AS at\n"
                f"{_scan(d, SOURCES[type_id], _ago(d, 15, 'MINUTE'), 'cpu IS NULL')}\n"
                "GROUP BY host, metric\nORDER BY host, metric",
            )
        )
    for type_id in panels.panel_tables("log_levels", present)[:1]:
        source = SOURCES[type_id]
        dims = tuple(f.name for f in source.fields if f.role is Role.DIMENSION)
        columns = f"{d.time}, host, " + _columns(source, (*dims, "message"))
        found.append(
            Example(
                f"Latest {type_id} lines",
                f"SELECT {columns}\n{_scan(d, source, _ago(d, 24, 'HOUR'))}\n"
                f"ORDER BY {d.time} DESC\nLIMIT 100",
            )
        )
    if d.name == "duckdb":
        found.append(
            Example(
                "Rejected records by reason, last 24 hours",
                "SELECT reason, type, count(*) AS records, max(time) AS last,\n"
                "       arg_max(detail, time) AS example\n"
                f"FROM {REJECTS}\nWHERE time >= now() - INTERVAL 24 HOUR\nGROUP BY reason, type\n"
                "ORDER BY records DESC",
            )
        )
        found.append(Example("Tables of the store", "SHOW TABLES"))
    elif d.name == "athena":
        # Athena's documented form: SHOW TABLES [IN database_name], the name in backticks (Hive DDL).
        found.append(Example("Tables of the database", f"SHOW TABLES IN `{d.database.replace('`', '')}`"))
    else:
        found.append(Example("Tables of the database", f"SHOW TABLES FROM {identifier(d.database)}"))
    return found
