"""The pipeline's metrics as CloudWatch Embedded Metric Format log lines (aws-notes §7).

A Lambda's stdout goes to CloudWatch Logs, which turns each EMF line into metric data points: no
PutMetricData call, no extra permission. Pure: building the lines does no I/O.

CloudWatch bills every (name, dimension values) pair as one custom metric, so the set is few and wide
(the contract with the alarms is /work/notes/metrics.md, mirrored in docs/architecture.md):
    {"_aws": {...}, "RecordsWritten": 118, "RecordsRejected": 2, "written": {"nginx_access": 118}, ...}
    {"_aws": {...}, "service": "nginx", "Requests": 90, "Http5xx": 3, "LatencyMs": [12.0, 40.5, ...]}
    {"_aws": {...}, "host": "web-1", "Heartbeat": 118}
    {"_aws": {...}, "rule": "disk_full", "RuleMatched": 40, "RuleHits": 1, "hosts": ["db-1"], "worst": 0.93}
Per-source counts ride along as plain properties (readable with Logs Insights, not billed). An alert
rule costs two metrics whatever the number of hosts: the Lambda evaluates its condition per row.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import orjson

# Metric names; the stack's alarms import these, so both sides agree.
RECORDS_WRITTEN = "RecordsWritten"
RECORDS_REJECTED = "RecordsRejected"
REQUESTS = "Requests"
HTTP_5XX = "Http5xx"
LATENCY = "LatencyMs"
HEARTBEAT = "Heartbeat"
RULE_MATCHED = "RuleMatched"
RULE_HITS = "RuleHits"

UNITS = {LATENCY: "Milliseconds"}  # every other metric is a Count

UNKNOWN_TYPE = "unknown"  # rejects that never had a valid `type`
RULES_ENV = "DENDRO_METRIC_RULES"  # the rules the stack asks the Lambda to count, as JSON
MAX_VALUES = 100  # EMF's cap on the values of one metric in one line
MAX_RULE_HOSTS = 10  # hosts named in a rule line, as evidence for the notification
_RULE_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")
_RULE_KEYS = {"id", "source", "where", "field", "above", "below", "in"}


@dataclass(frozen=True)
class MetricRule:
    """One alert rule the Lambda counts: rows of `source` passing `where` are matched; of those, the
    rows meeting the condition on `field` are hits. No condition: every matched row is a hit."""

    id: str
    source: str | None = None
    where: tuple[tuple[str, Any], ...] = ()
    field: str | None = None
    above: float | None = None
    below: float | None = None
    within: frozenset[Any] | None = None

    @classmethod
    def from_json(cls, raw: Mapping[str, Any]) -> MetricRule:
        name = raw.get("id")
        if not isinstance(name, str) or not _RULE_ID.fullmatch(name):
            raise ValueError(f"metric rule id {name!r} must be 1-64 letters, digits, '_' or '-'")
        unknown = set(raw) - _RULE_KEYS
        if unknown:
            raise ValueError(
                f"metric rule {name!r}: unknown key(s) {sorted(unknown)}; use {sorted(_RULE_KEYS)}"
            )
        conditions = [key for key in ("above", "below", "in") if key in raw]
        if len(conditions) > 1:
            raise ValueError(f"metric rule {name!r}: at most one of above/below/in, got {conditions}")
        if conditions and not isinstance(raw.get("field"), str):
            raise ValueError(f"metric rule {name!r}: {conditions[0]!r} needs a 'field' naming a column")
        for key in ("above", "below"):
            if key in raw and not isinstance(raw[key], int | float):
                raise ValueError(f"metric rule {name!r}: {key!r} must be a number, got {raw[key]!r}")
        if "in" in raw and not isinstance(raw["in"], list):
            raise ValueError(f"metric rule {name!r}: 'in' must be a list of values, got {raw['in']!r}")
        where = raw.get("where") or {}
        if not isinstance(where, dict):
            raise ValueError(f"metric rule {name!r}: 'where' must map columns to values, got {where!r}")
        return cls(
            id=name,
            source=raw.get("source"),
            where=tuple(sorted(where.items())),
            field=raw.get("field"),
            above=raw.get("above"),
            below=raw.get("below"),
            within=frozenset(raw["in"]) if "in" in raw else None,
        )

    def hit(self, value: Any) -> bool:
        if self.above is not None:
            return isinstance(value, int | float) and value > self.above
        if self.below is not None:
            return isinstance(value, int | float) and value < self.below
        if self.within is not None:
            return value in self.within
        return True


def parse_rules(text: str | None) -> tuple[MetricRule, ...]:
    """The rules from RULES_ENV; a malformed variable is a deploy bug, so it raises with the rule named."""
    if not text:
        return ()
    raw = orjson.loads(text)
    if not isinstance(raw, list):
        raise ValueError(f"{RULES_ENV} must be a JSON list of rules, got {type(raw).__name__}")
    rules = tuple(MetricRule.from_json(item) for item in raw)
    ids = [rule.id for rule in rules]
    if len(set(ids)) != len(ids):
        raise ValueError(f"{RULES_ENV}: rule ids must be unique, got {ids}")
    return rules


def rules_env(rules: Sequence[Mapping[str, Any]]) -> str:
    """For the stack: the validated value of RULES_ENV (raises ValueError naming the bad rule)."""
    parse_rules(orjson.dumps(list(rules)).decode())
    return orjson.dumps(list(rules)).decode()


@dataclass(frozen=True)
class _Plan:
    """Column positions one source's rows are counted by, worked out once per source."""

    host: int | None
    red: tuple[int, int] | None  # (service, status_class)
    latency: int | None  # request_time, seconds
    rules: tuple[tuple[MetricRule, tuple[tuple[int, Any], ...], int | None], ...]


def _plan(type_id: str, names: Sequence[str], red: bool, rules: Sequence[MetricRule]) -> _Plan:
    index = {name: i for i, name in enumerate(names)}
    planned = []
    for rule in rules:
        if rule.source not in (None, type_id):
            continue
        if any(column not in index for column, _ in rule.where):
            continue  # a filter on a column this source lacks matches none of its rows
        if rule.field is not None and rule.field not in index:
            continue
        where = tuple((index[column], value) for column, value in rule.where)
        planned.append((rule, where, index.get(rule.field) if rule.field else None))
    red_ok = red and "service" in index and "status_class" in index
    return _Plan(
        host=index.get("host"),
        red=(index["service"], index["status_class"]) if red_ok else None,
        latency=index.get("request_time") if red_ok else None,
        rules=tuple(planned),
    )


@dataclass
class PipelineCounts:
    """What one invocation saw, aggregated so that it costs a handful of log lines, not one per row."""

    rules: tuple[MetricRule, ...] = ()
    written: Counter[str] = field(default_factory=Counter)
    rejected: Counter[str] = field(default_factory=Counter)
    requests: Counter[str] = field(default_factory=Counter)
    errors_5xx: Counter[str] = field(default_factory=Counter)
    latency_ms: dict[str, list[float]] = field(default_factory=dict)
    heartbeat: Counter[str] = field(default_factory=Counter)
    rule_matched: Counter[str] = field(default_factory=Counter)
    rule_hits: Counter[str] = field(default_factory=Counter)
    rule_hosts: dict[str, set[str]] = field(default_factory=dict)
    rule_worst: dict[str, float] = field(default_factory=dict)
    _plans: dict[str, _Plan] = field(default_factory=dict, repr=False)

    def count_rows(
        self, type_id: str, names: Sequence[str], rows: Iterable[Sequence[Any]], *, red: bool
    ) -> None:
        """Heartbeat, RED and rule counts for written rows of one source (columns in `names` order);
        `red`: the source's rows are requests of a service (its catalog entry has the error_rate alert)."""
        plan = self._plans.get(type_id)  # a source's columns are fixed, so its plan is too
        if plan is None:
            plan = self._plans[type_id] = _plan(type_id, names, red, self.rules)
        for row in rows:
            host = row[plan.host] if plan.host is not None else None
            if host is not None:
                self.heartbeat[host] += 1
            if plan.red is not None:
                service = row[plan.red[0]]
                self.requests[service] += 1
                if row[plan.red[1]] == "5xx":
                    self.errors_5xx[service] += 1
                if plan.latency is not None and isinstance(row[plan.latency], int | float):
                    self.latency_ms.setdefault(service, []).append(row[plan.latency] * 1000.0)
            for rule, where, at in plan.rules:
                if any(row[i] != value for i, value in where):
                    continue
                self.rule_matched[rule.id] += 1
                value = row[at] if at is not None else None
                if rule.hit(value):
                    self.rule_hits[rule.id] += 1
                    if host is not None:
                        self.rule_hosts.setdefault(rule.id, set()).add(host)
                    if isinstance(value, int | float) and (rule.above is not None or rule.below is not None):
                        worst = self.rule_worst.get(rule.id)
                        pick = max if rule.above is not None else min
                        self.rule_worst[rule.id] = value if worst is None else pick(worst, value)

    def merge(self, other: PipelineCounts) -> None:
        for name in (
            "written",
            "rejected",
            "requests",
            "errors_5xx",
            "heartbeat",
            "rule_matched",
            "rule_hits",
        ):
            getattr(self, name).update(getattr(other, name))
        for service, values in other.latency_ms.items():
            self.latency_ms.setdefault(service, []).extend(values)
        for rule_id, hosts in other.rule_hosts.items():
            self.rule_hosts.setdefault(rule_id, set()).update(hosts)
        for rule_id, value in other.rule_worst.items():
            rule = next(r for r in self.rules if r.id == rule_id)
            mine = self.rule_worst.get(rule_id)
            pick = max if rule.above is not None else min
            self.rule_worst[rule_id] = value if mine is None else pick(mine, value)


def spread(values: Sequence[float], limit: int = MAX_VALUES) -> list[float]:
    """At most `limit` values that keep the distribution: all of them, or evenly spaced quantiles."""
    if len(values) <= limit:
        return [round(v, 3) for v in values]
    ordered = sorted(values)
    last = len(ordered) - 1
    return [round(ordered[math.floor(i * last / (limit - 1))], 3) for i in range(limit)]


def _directive(namespace: str, timestamp_ms: int, dimensions: list[list[str]], metrics: Sequence[str]) -> Any:
    return {
        "Timestamp": timestamp_ms,
        "CloudWatchMetrics": [
            {
                "Namespace": namespace,
                "Dimensions": dimensions,
                "Metrics": [{"Name": name, "Unit": UNITS.get(name, "Count")} for name in metrics],
            }
        ],
    }


def metric_lines(counts: PipelineCounts, *, namespace: str, timestamp_ms: int) -> list[bytes]:
    lines: list[dict[str, Any]] = []
    if counts.written or counts.rejected:
        lines.append(
            {
                # No dimension: one metric each, whatever the number of sources.
                "_aws": _directive(namespace, timestamp_ms, [[]], (RECORDS_WRITTEN, RECORDS_REJECTED)),
                RECORDS_WRITTEN: sum(counts.written.values()),
                RECORDS_REJECTED: sum(counts.rejected.values()),
                "written": dict(sorted(counts.written.items())),
                "rejected": dict(sorted(counts.rejected.items())),
            }
        )
    for service in sorted(counts.requests):
        latency = spread(counts.latency_ms.get(service, ()))
        metrics = (REQUESTS, HTTP_5XX, LATENCY) if latency else (REQUESTS, HTTP_5XX)
        line = {
            "_aws": _directive(namespace, timestamp_ms, [["service"]], metrics),
            "service": service,
            REQUESTS: counts.requests[service],
            HTTP_5XX: counts.errors_5xx[service],
        }
        if latency:
            line[LATENCY] = latency
        lines.append(line)
    for host in sorted(counts.heartbeat):
        lines.append(
            {
                "_aws": _directive(namespace, timestamp_ms, [["host"]], (HEARTBEAT,)),
                "host": host,
                HEARTBEAT: counts.heartbeat[host],
            }
        )
    for rule_id in sorted(counts.rule_matched):
        line = {
            "_aws": _directive(namespace, timestamp_ms, [["rule"]], (RULE_MATCHED, RULE_HITS)),
            "rule": rule_id,
            RULE_MATCHED: counts.rule_matched[rule_id],
            RULE_HITS: counts.rule_hits[rule_id],
            "hosts": sorted(counts.rule_hosts.get(rule_id, ()))[:MAX_RULE_HOSTS],
        }
        if rule_id in counts.rule_worst:
            line["worst"] = counts.rule_worst[rule_id]
        lines.append(line)
    return [orjson.dumps(line) for line in lines]


def metric_count(*, services: int, hosts: int, rules: int) -> int:
    """Custom metrics billed in a month when every service, host and rule reports (see the table above):
    `dendro cost` prices this."""
    return 2 + 3 * services + hosts + 2 * rules
