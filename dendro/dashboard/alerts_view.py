"""The Alerts page's content: each rule with its state and firing instances (each linking to its
evidence on the Query page), and the latest transitions and deliveries. Built from the snapshot of
the evaluator that `dendro local up` runs; every value reaches the page through Jinja's autoescape."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from dendro.alerts.engine import Snapshot
from dendro.alerts.message import clock, describe_rule, query_link, show
from dendro.alerts.queries import evidence
from dendro.catalog import SOURCES

HISTORY_SHOWN = 50


@dataclass(frozen=True)
class InstanceRow:
    labels: str
    status: str
    value: str
    since: str
    evidence: str


@dataclass(frozen=True)
class RuleRow:
    name: str
    kind: str
    description: str
    status: str  # firing | pending | ok | error
    error: str | None
    local_only: bool
    instances: list[InstanceRow] = field(default_factory=list)


@dataclass(frozen=True)
class AlertsView:
    rules: list[RuleRow]
    history: list[dict[str, Any]]
    deliveries: list[dict[str, Any]]
    evaluated_at: str | None

    def to_json(self) -> dict[str, Any]:
        return {
            "rules": [vars(r) | {"instances": [vars(i) for i in r.instances]} for r in self.rules],
            "history": self.history,
            "deliveries": self.deliveries,
            "evaluated_at": self.evaluated_at,
        }


def _labels(labels: tuple[tuple[str, str], ...]) -> str:
    return ", ".join(f"{k}={v}" for k, v in labels) or "all"


def build_view(snapshot: Snapshot) -> AlertsView:
    now = datetime.now(UTC)
    tables = set(SOURCES)
    by_name = {r.name: r for r in snapshot.rules}
    rows = []
    for rule in snapshot.rules:
        active = [a for a in snapshot.state.active.values() if a.rule == rule.name]
        error = snapshot.state.errors.get(rule.name)
        firing = [a for a in active if a.status == "firing"]
        status = "error" if error else "firing" if firing else "pending" if active else "ok"
        instances = [
            InstanceRow(
                labels=_labels(a.labels),
                status=a.status,
                value=show(rule, a.value),
                since=clock(a.since),
                evidence=query_link("/", evidence(rule, dict(a.labels), now, tables)),
            )
            for a in sorted(active, key=lambda a: (a.status != "firing", a.since))
        ]
        rows.append(
            RuleRow(rule.name, rule.kind, describe_rule(rule), status, error, rule.local_only, instances)
        )
    history = []
    for t in reversed(snapshot.state.history[-HISTORY_SHOWN:]):
        rule = by_name.get(t.rule)
        history.append(
            {
                "at": clock(t.at),
                "status": t.status,
                "rule": t.rule,
                "labels": _labels(t.labels),
                "value": show(rule, t.value) if rule is not None else str(t.value),
            }
        )
    deliveries = [vars(d) for d in reversed(snapshot.deliveries[-HISTORY_SHOWN:])]
    evaluated = snapshot.state.evaluated_at
    return AlertsView(rows, history, deliveries, clock(evaluated) if evaluated else None)
