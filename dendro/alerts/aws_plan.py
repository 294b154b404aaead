"""What each dendro.toml rule becomes on AWS: a CloudWatch alarm on the ingest Lambda's EMF metrics
(the contract is /work/notes/metrics.md, the names are dendro.ingest_lambda.emf's constants), and,
for rules that filter rows, a counter the Lambda keeps for them (2 custom metrics per rule, never one
per host). Pure: the stack renders the plan, `dendro cost` counts it, tests read it.

    error_ratio   per service: Http5xx / Requests (dimension service), no new metric;
                  with a source or host filter: a counter (status_class in 5xx), RuleHits / RuleMatched
    latency       per service: LatencyMs pNN (dimension service); with a filter: a counter of requests
                  slower than the threshold, whose share must stay under 100 - NN %
    silent_host   one Metrics Insights alarm over Heartbeat GROUP BY host: every host is a contributor
    metric        disk, load1/5/15 or a raw host_metrics name: a counter of samples past the threshold;
                  cpu and memory need two rows per sample and stay local (refused unless local_only)
    log_rate      a counter of error-level lines (level or severity column), summed
    sql           refused unless local_only: no query runs on the Iceberg tables on a schedule
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from dendro.alerts.message import describe_rule
from dendro.alerts.rules import (
    AlertSettings,
    ErrorRatioRule,
    LatencyRule,
    LogRateRule,
    MetricRule,
    Rule,
    SilentHostRule,
)
from dendro.catalog.metrics import SCRAPE_INTERVAL_SECS
from dendro.ingest_lambda.emf import HEARTBEAT, HTTP_5XX, LATENCY, REQUESTS, RULE_HITS, RULE_MATCHED

# Metrics Insights alarms see the last 3 hours only.
INSIGHTS_LOOKBACK = 3 * 3600
# Named metrics that are one row's value; cpu and memory are computed from several rows.
ROW_METRICS = {
    "disk": ("filesystem_used_ratio", 0.01),
    "load1": ("load1", 1),
    "load5": ("load5", 1),
    "load15": ("load15", 1),
}
LOCAL_ONLY_METRICS = ("cpu", "memory")


class AwsPlanError(ValueError):
    """Rules that cannot become alarms; `problems` names each rule and what to do."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("some alert rules cannot run on AWS:\n" + "\n".join(f"  {p}" for p in problems))
        self.problems = problems


@dataclass(frozen=True)
class MetricRef:
    """One metric of an alarm: `id` is its name in the expression."""

    id: str
    name: str
    dimensions: tuple[tuple[str, str], ...]
    statistic: str


@dataclass(frozen=True)
class PlannedAlarm:
    construct_id: str
    rule: str
    description: str
    comparison: str  # CloudFormation's ComparisonOperator
    threshold: float
    period: int
    evaluation_periods: int
    treat_missing: str = "notBreaching"
    expression: str | None = None  # metric math over `metrics`, or a Metrics Insights SELECT
    metrics: tuple[MetricRef, ...] = ()

    @property
    def billed_metrics(self) -> int:
        """CloudWatch bills an alarm per metric it reads ($0.10 each a month); a Metrics Insights alarm
        per series it analyses, which for silent_host is the number of hosts (counted as 1 here)."""
        return max(1, len(self.metrics))


@dataclass(frozen=True)
class AwsPlan:
    alarms: tuple[PlannedAlarm, ...] = ()
    # For the Lambda's RULES_ENV: what it counts for the rules that filter rows.
    counters: tuple[dict[str, Any], ...] = field(default_factory=tuple)

    @property
    def custom_metrics(self) -> int:
        """Custom metrics these rules add (RuleMatched and RuleHits per counter)."""
        return 2 * len(self.counters)


def _pascal(text: str) -> str:
    return "".join(p[:1].upper() + p[1:] for p in re.split(r"[^A-Za-z0-9]+", text) if p)


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_-]+", "-", text).strip("-")[:56] or "rule"


def _period(seconds: float) -> int:
    """A CloudWatch period for a window: whole minutes, at least one."""
    return max(60, round(seconds / 60) * 60)


def _periods(rule: Rule, period: int) -> int:
    """The window itself, then as many more as `for` needs."""
    return 1 + math.ceil(rule.for_ / period)


class _Planner:
    def __init__(self, namespace: str, services: Sequence[str], cadence: int) -> None:
        self.namespace = namespace
        self.services = tuple(services)
        self.cadence = cadence
        self.alarms: list[PlannedAlarm] = []
        self.counters: list[dict[str, Any]] = []
        self.problems: list[str] = []
        self._ids: set[str] = set()

    def counter(self, rule: Rule, spec: dict[str, Any], suffix: str = "") -> str:
        base = _slug(rule.name + suffix)
        cid, n = base, 2
        while cid in self._ids:
            cid, n = f"{base}-{n}", n + 1
        self._ids.add(cid)
        if "where" in spec:
            spec = {**spec, "where": {k: v for k, v in spec["where"].items() if v is not None}}
        self.counters.append({"id": cid, **{k: v for k, v in spec.items() if v not in (None, {})}})
        return cid

    def metric(self, ref_id: str, name: str, statistic: str = "Sum", **dims: str) -> MetricRef:
        return MetricRef(ref_id, name, tuple(sorted(dims.items())), statistic)

    def add(self, rule: Rule, suffix: str = "", **kwargs: Any) -> None:
        description = f"{rule.name}: {describe_rule(rule)}{suffix and f' ({suffix})'}"
        construct = "Rule" + _pascal(rule.name) + _pascal(suffix)
        self.alarms.append(
            PlannedAlarm(construct_id=construct, rule=rule.name, description=description, **kwargs)
        )

    # --- per kind ---

    def error_ratio(self, rule: ErrorRatioRule) -> None:
        period = _period(rule.window)
        common = {"comparison": "GreaterThanThreshold", "threshold": rule.above, "period": period,
                  "evaluation_periods": _periods(rule, period)}  # fmt: skip
        if rule.source is None and rule.host is None:
            for service in (rule.service,) if rule.service else self.services:
                metrics = (
                    self.metric("requests", REQUESTS, service=service),
                    self.metric("errors", HTTP_5XX, service=service),
                )
                expression = f"IF(requests >= {rule.min_requests}, FILL(errors, 0) / requests, 0)"
                self.add(
                    rule, "" if rule.service else service, expression=expression, metrics=metrics, **common
                )
            return
        where = {"service": rule.service, "host": rule.host}
        cid = self.counter(
            rule, {"source": rule.source, "where": where, "field": "status_class", "in": ["5xx"]}
        )
        self._share(rule, cid, rule.min_requests, common)

    def _share(self, rule: Rule, cid: str, floor: int, common: dict[str, Any]) -> None:
        metrics = (self.metric("matched", RULE_MATCHED, rule=cid), self.metric("hits", RULE_HITS, rule=cid))
        expression = f"IF(matched >= {floor}, FILL(hits, 0) / matched, 0)"
        self.add(rule, expression=expression, metrics=metrics, **common)

    def latency(self, rule: LatencyRule) -> None:
        period = _period(rule.window)
        periods = _periods(rule, period)
        if rule.source is None and rule.host is None:
            stat = f"p{rule.percentile:g}"
            for service in (rule.service,) if rule.service else self.services:
                metrics = (
                    self.metric("latency", LATENCY, stat, service=service),
                    self.metric("requests", REQUESTS, service=service),
                )
                self.add(
                    rule,
                    "" if rule.service else service,
                    expression=f"IF(requests >= {rule.min_requests}, latency, 0)",
                    metrics=metrics,
                    comparison="GreaterThanThreshold",
                    threshold=round(rule.above * 1000, 3),
                    period=period,
                    evaluation_periods=periods,
                )
            return
        # pNN above X  <=>  more than (100 - NN) % of the requests are slower than X.
        where = {"service": rule.service, "host": rule.host}
        cid = self.counter(
            rule, {"source": rule.source, "where": where, "field": "request_time", "above": rule.above}
        )
        share = round(1 - rule.percentile / 100, 6)
        common = {
            "comparison": "GreaterThanThreshold",
            "threshold": share,
            "period": period,
            "evaluation_periods": periods,
        }
        self._share(rule, cid, rule.min_requests, common)

    def silent_host(self, rule: SilentHostRule) -> None:
        if rule.after > INSIGHTS_LOOKBACK:
            self.problems.append(
                f"{rule.name}: after = {rule.after / 3600:g}h is past the 3 hours CloudWatch Metrics "
                "Insights alarms look back; use 3h or less, or set local_only = true"
            )
            return
        if rule.host is not None and not re.fullmatch(r"[\w.:-]+", rule.host):
            self.problems.append(
                f"{rule.name}: host {rule.host!r} cannot be quoted in a Metrics Insights query"
            )
            return
        # Heartbeats arrive once per ingest invocation, i.e. once per Firehose buffer interval: a
        # period shorter than that would find some minutes empty although every host is sending.
        period = _period(max(60, self.cadence))
        if rule.after < 2 * period:
            self.problems.append(
                f"{rule.name}: after = {rule.after:g}s is too short for heartbeats that arrive every "
                f"{self.cadence} s (the Firehose buffer); use {2 * period // 60}m or more"
            )
            return
        where = f" WHERE host = '{rule.host}'" if rule.host else ""
        query = f'SELECT SUM({HEARTBEAT}) FROM SCHEMA("{self.namespace}", host){where} GROUP BY host'
        # A silent host has no data points at all: missing data is the alarm.
        self.add(rule, expression=query, comparison="LessThanThreshold", threshold=1, period=period,
                 evaluation_periods=math.ceil(rule.after / period), treat_missing="breaching")  # fmt: skip

    def metric_rule(self, rule: MetricRule) -> None:
        if rule.metric in LOCAL_ONLY_METRICS:
            self.problems.append(
                f"{rule.name}: metric = {rule.metric!r} is computed from several host_metrics rows, which "
                "the ingest Lambda does not combine; use load1 (or disk) on AWS, or set local_only = true"
            )
            return
        name, scale = ROW_METRICS.get(rule.metric, (rule.metric, 1))
        condition = (
            {"above": rule.above * scale} if rule.above is not None else {"below": (rule.below or 0) * scale}
        )
        where = {"metric": name, "host": rule.host}
        cid = self.counter(rule, {"source": "host_metrics", "where": where, "field": "value", **condition})
        period = _period(rule.window)
        # Half of one host's samples in the window past the threshold: the local rule's average, roughly.
        hits = max(1, int(period / SCRAPE_INTERVAL_SECS / 2))
        self.add(rule, expression=None, metrics=(self.metric("hits", RULE_HITS, rule=cid),),
                 comparison="GreaterThanOrEqualToThreshold", threshold=hits, period=period,
                 evaluation_periods=_periods(rule, period))  # fmt: skip

    def log_rate(self, rule: LogRateRule) -> None:
        levels = sorted({v for level in rule.levels for v in (level, level.upper(), level.capitalize())})
        columns = ("level", "severity") if rule.source is None else (_level_column(rule.source),)
        where = {"service": rule.service, "host": rule.host}
        metrics = []
        for i, column in enumerate(columns):
            spec = {"source": rule.source, "where": where, "field": column, "in": levels}
            cid = self.counter(rule, spec, "" if len(columns) == 1 else f"-{column}")
            metrics.append(self.metric(f"h{i}", RULE_HITS, rule=cid))
        period = _period(rule.window)
        self.add(rule, expression=" + ".join(f"FILL({m.id}, 0)" for m in metrics), metrics=tuple(metrics),
                 comparison="GreaterThanThreshold", threshold=rule.above, period=period,
                 evaluation_periods=_periods(rule, period))  # fmt: skip


def _level_column(type_id: str) -> str:
    from dendro.catalog import SOURCES

    return "level" if SOURCES[type_id].field("level") is not None else "severity"


def plan_alarms(
    settings: AlertSettings, *, namespace: str, services: Sequence[str], heartbeat_seconds: int = 60
) -> AwsPlan:
    """`services`: the services the per-service alarms cover when a rule names none (the catalog's
    defaults for the enabled access sources); `heartbeat_seconds`: how often the ingest Lambda runs
    (the Firehose buffer interval). Raises AwsPlanError listing every rule it cannot plan."""
    planner = _Planner(namespace, services, heartbeat_seconds)
    for rule in settings.rules:
        if rule.local_only:
            continue
        if isinstance(rule, ErrorRatioRule):
            planner.error_ratio(rule)
        elif isinstance(rule, LatencyRule):
            planner.latency(rule)
        elif isinstance(rule, SilentHostRule):
            planner.silent_host(rule)
        elif isinstance(rule, MetricRule):
            planner.metric_rule(rule)
        elif isinstance(rule, LogRateRule):
            planner.log_rate(rule)
        else:
            planner.problems.append(
                f"{rule.name}: sql rules run locally only (no query runs on the Iceberg tables on a "
                "schedule); set local_only = true to keep it for `dendro local up`"
            )
    if planner.problems:
        raise AwsPlanError(planner.problems)
    return AwsPlan(tuple(planner.alarms), tuple(planner.counters))
