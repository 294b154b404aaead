"""Each rule kind as DuckDB SQL over the local store: one query that measures every instance (a
service, a host, a host's mount point...) and one that shows the evidence behind a firing instance.

Values are written into the SQL as literals (run_query takes no parameters): timestamps come from
datetime objects, and every user string goes through `literal`, which doubles quotes. The queries run
read-only with a time cap anyway (local_pipeline.query.run_query).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from dendro.alerts.rules import (
    ErrorRatioRule,
    LatencyRule,
    LogRateRule,
    MetricRule,
    Rule,
    SilentHostRule,
    SqlRule,
)
from dendro.catalog import SOURCES
from dendro.local_pipeline.schema import quote

ERROR_STATUS = 500
HOST_METRICS = "host_metrics"
EVIDENCE_ROWS = 200


def literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def at(moment: datetime) -> str:
    return f"TIMESTAMPTZ {literal(moment.isoformat())}"


@dataclass(frozen=True)
class Measure:
    """The SQL that measures a rule: its result has the label columns `labels`, then `value`, then,
    for request rules, `requests` (the volume the value stands on)."""

    sql: str
    labels: tuple[str, ...]


def _where(since: datetime, **equal: str | None) -> str:
    clauses = [f"timestamp >= {at(since)}"]
    clauses += [f"{quote(column)} = {literal(value)}" for column, value in equal.items() if value is not None]
    return " AND ".join(clauses)


def _union(selects: list[str]) -> str:
    return " UNION ALL ".join(selects) if selects else "SELECT NULL WHERE false"


def measure(rule: Rule, now: datetime, tables: Collection[str]) -> Measure:
    """`tables`: the tables the store has (a custom source's table may not exist yet)."""
    if isinstance(rule, ErrorRatioRule | LatencyRule):
        return _red(rule, now, tables)
    if isinstance(rule, SilentHostRule):
        return _silent_host(rule, now, tables)
    if isinstance(rule, MetricRule):
        return _metric(rule, now)
    if isinstance(rule, LogRateRule):
        return _log_rate(rule, now, tables)
    return Measure(rule.sql, ())


def _red(rule: ErrorRatioRule | LatencyRule, now: datetime, tables: Collection[str]) -> Measure:
    since = now - timedelta(seconds=rule.window)
    where = _where(since, service=rule.service, host=rule.host)
    rows = _union(
        [
            f"SELECT service, host, status, request_time FROM {quote(t)} WHERE {where}"
            for t in rule.sources
            if t in tables
        ]
    )
    by = ", ".join(rule.by)
    if isinstance(rule, ErrorRatioRule):
        value = f"count(*) FILTER (WHERE status >= {ERROR_STATUS}) / count(*)"
        volume = "count(*)"
    else:
        value = f"quantile_cont(request_time, {rule.percentile / 100})"
        volume = "count(request_time)"
    sql = f"SELECT {by}, {value} AS value, {volume} AS requests FROM ({rows}) GROUP BY {by} ORDER BY {by}"
    return Measure(sql, rule.by)


def _silent_host(rule: SilentHostRule, now: datetime, tables: Collection[str]) -> Measure:
    since = now - timedelta(seconds=rule.forget)
    where = _where(since, host=rule.host)
    seen = _union(
        [
            f"SELECT host, max(timestamp) AS last FROM {quote(t)} WHERE {where} GROUP BY host"
            for t in sorted(tables)
        ]
    )
    sql = (
        f"SELECT host, epoch({at(now)}) - epoch(max(last)) AS value FROM ({seen}) "
        "WHERE host IS NOT NULL GROUP BY host ORDER BY host"
    )
    return Measure(sql, ("host",))


def _metric(rule: MetricRule, now: datetime) -> Measure:
    since = now - timedelta(seconds=rule.window)
    where = _where(since, host=rule.host)
    table = quote(HOST_METRICS)
    if rule.metric == "disk":
        sql = (
            f"SELECT host, mountpoint, 100 * avg(value) AS value FROM {table} "
            f"WHERE {where} AND metric = 'filesystem_used_ratio' GROUP BY ALL ORDER BY ALL"
        )
        return Measure(sql, ("host", "mountpoint"))
    if rule.metric == "memory":
        sql = (
            f"SELECT host, 100 * avg(value) FILTER (WHERE metric = 'memory_used_bytes') "
            f"/ avg(value) FILTER (WHERE metric = 'memory_total_bytes') AS value FROM {table} "
            f"WHERE {where} AND metric IN ('memory_used_bytes', 'memory_total_bytes') "
            "GROUP BY host HAVING value IS NOT NULL ORDER BY host"
        )
    elif rule.metric == "cpu":
        # cpu_seconds_total is a running counter per cpu and mode: what each grew by in the window.
        grown = (
            f"SELECT host, cpu, mode, max(value) - min(value) AS d FROM {table} "
            f"WHERE {where} AND metric = 'cpu_seconds_total' GROUP BY ALL"
        )
        sql = (
            "SELECT host, 100 * (1 - sum(d) FILTER (WHERE mode = 'idle') / nullif(sum(d), 0)) AS value "
            f"FROM ({grown}) GROUP BY host HAVING value IS NOT NULL ORDER BY host"
        )
    else:
        sql = (
            f"SELECT host, avg(value) AS value FROM {table} "
            f"WHERE {where} AND metric = {literal(rule.metric)} GROUP BY host ORDER BY host"
        )
    return Measure(sql, ("host",))


def _level_column(type_id: str) -> str:
    source = SOURCES[type_id]
    return "level" if source.field("level") is not None else "severity"


def _log_rate(rule: LogRateRule, now: datetime, tables: Collection[str]) -> Measure:
    since = now - timedelta(seconds=rule.window)
    levels = ", ".join(literal(level) for level in rule.levels)
    selects = []
    for type_id in rule.sources:
        if type_id not in tables or (rule.service is not None and SOURCES[type_id].field("service") is None):
            continue
        where = _where(since, host=rule.host, service=rule.service)
        selects.append(
            f"SELECT host, {literal(type_id)} AS source FROM {quote(type_id)} "
            f"WHERE {where} AND lower({quote(_level_column(type_id))}) IN ({levels})"
        )
    sql = f"SELECT host, source, count(*) AS value FROM ({_union(selects)}) GROUP BY ALL ORDER BY ALL"
    return Measure(sql, ("host", "source"))


def evidence(rule: Rule, labels: Mapping[str, str], now: datetime, tables: Collection[str]) -> str:
    """The rows behind one instance, newest first: what the notification links to."""
    if isinstance(rule, SqlRule):
        return rule.sql
    if isinstance(rule, ErrorRatioRule | LatencyRule):
        since = now - timedelta(seconds=rule.window)
        where = _where(since, service=labels.get("service", rule.service), host=labels.get("host", rule.host))
        if isinstance(rule, ErrorRatioRule):
            where += f" AND status >= {ERROR_STATUS}"
        else:
            where += " AND request_time IS NOT NULL"
        order = "timestamp DESC" if isinstance(rule, ErrorRatioRule) else "request_time DESC"
        rows = _union(
            [
                f"SELECT timestamp, host, service, status, request_time, request "
                f"FROM {quote(t)} WHERE {where}"
                for t in rule.sources
                if t in tables
            ]
        )
        return f"SELECT * FROM ({rows}) ORDER BY {order} LIMIT {EVIDENCE_ROWS}"
    if isinstance(rule, SilentHostRule):
        host = labels.get("host", "")
        since = now - timedelta(seconds=rule.forget)
        seen = _union(
            [
                f"SELECT {literal(t)} AS source, max(timestamp) AS last_seen FROM {quote(t)} "
                f"WHERE {_where(since, host=host)}"
                for t in sorted(tables)
            ]
        )
        return f"SELECT * FROM ({seen}) WHERE last_seen IS NOT NULL ORDER BY last_seen DESC"
    if isinstance(rule, MetricRule):
        since = now - timedelta(seconds=rule.window)
        names = {
            "disk": "('filesystem_used_ratio')",
            "memory": "('memory_used_bytes', 'memory_total_bytes')",
            "cpu": "('cpu_seconds_total')",
        }.get(rule.metric, f"({literal(rule.metric)})")
        where = _where(since, host=labels.get("host"), mountpoint=labels.get("mountpoint"))
        return (
            f"SELECT timestamp, host, metric, value, mountpoint, cpu, mode FROM {quote(HOST_METRICS)} "
            f"WHERE {where} AND metric IN {names} ORDER BY timestamp DESC LIMIT {EVIDENCE_ROWS}"
        )
    since = now - timedelta(seconds=rule.window)
    source = labels.get("source", rule.source or "")
    if source not in SOURCES:
        return "SELECT 'no source' AS evidence"
    levels = ", ".join(literal(level) for level in rule.levels)
    where = _where(since, host=labels.get("host"))
    return (
        f"SELECT * FROM {quote(source)} WHERE {where} "
        f"AND lower({quote(_level_column(source))}) IN ({levels}) "
        f"ORDER BY timestamp DESC LIMIT {EVIDENCE_ROWS}"
    )
