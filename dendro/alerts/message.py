"""What a notification says: the rule, the instance's labels, the value against the threshold, since
when, and a link to the evidence on the dashboard. One payload, two renderings: Slack-compatible JSON
(`text` plus the same facts as structured fields under `dendro`) and an email.
"""

from __future__ import annotations

import urllib.parse
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from typing import Any

from dendro.alerts.durations import format_duration
from dendro.alerts.rules import (
    NAMED_METRICS,
    ErrorRatioRule,
    LatencyRule,
    LogRateRule,
    MetricRule,
    Rule,
    SilentHostRule,
)
from dendro.alerts.state import Transition


def threshold_of(rule: Rule) -> tuple[str, float | None]:
    """(comparison, threshold) as the rule states it."""
    if isinstance(rule, SilentHostRule):
        return ">", rule.after
    if isinstance(rule, MetricRule):
        return (">", rule.above) if rule.above is not None else ("<", rule.below)
    if isinstance(rule, ErrorRatioRule | LatencyRule | LogRateRule):
        return ">", float(rule.above)
    return "", None


def show(rule: Rule, value: float | None) -> str:
    """A value in the rule's own unit: 12.5%, 840ms, 7m, 93.1%, 42 lines."""
    if value is None:
        return "no data"
    if isinstance(rule, ErrorRatioRule):
        return f"{value * 100:.1f}%"
    if isinstance(rule, LatencyRule):
        return f"{value * 1000:.0f}ms"
    if isinstance(rule, SilentHostRule):
        return format_duration(value)
    if isinstance(rule, MetricRule):
        return f"{value:.1f}%" if rule.metric in ("cpu", "memory", "disk") else f"{value:g}"
    if isinstance(rule, LogRateRule):
        return f"{value:g} lines"
    return f"{value:g}"


def describe_rule(rule: Rule) -> str:
    """One line, e.g. 'error_ratio: 5xx share > 5.0% over 5m, for 2m'."""
    op, threshold = threshold_of(rule)
    hold = f", for {format_duration(rule.for_)}" if rule.for_ else ""
    if isinstance(rule, ErrorRatioRule):
        what = f"5xx share {op} {show(rule, threshold)} over {format_duration(rule.window)}"
    elif isinstance(rule, LatencyRule):
        what = (
            f"p{rule.percentile:g} latency {op} {show(rule, threshold)} over {format_duration(rule.window)}"
        )
    elif isinstance(rule, SilentHostRule):
        what = f"no record from a host for {format_duration(rule.after)}"
    elif isinstance(rule, MetricRule):
        label = NAMED_METRICS.get(rule.metric, rule.metric)
        what = f"{label} {op} {show(rule, threshold)} (average over {format_duration(rule.window)})"
    elif isinstance(rule, LogRateRule):
        what = f"more than {show(rule, threshold)} at error level in {format_duration(rule.window)}"
    else:
        what = "each row of a SQL query"
    return f"{rule.kind}: {what}{hold}"


@dataclass(frozen=True)
class Notification:
    transition: Transition
    rule: Rule
    evidence_url: str | None
    alerts_url: str | None

    @property
    def title(self) -> str:
        t = self.transition
        labels = ", ".join(f"{k}={v}" for k, v in t.labels) or "all"
        return f"[{t.status.upper()}] {t.rule} ({labels})"

    @property
    def summary(self) -> str:
        t = self.transition
        op, threshold = threshold_of(self.rule)
        value = show(self.rule, t.value)
        since = clock(t.since)
        if t.status == "firing":
            against = f" {op} {show(self.rule, threshold)}" if threshold is not None else ""
            return f"{value}{against} since {since}"
        return f"back to normal at {clock(t.at)} (now {value}); it had fired since {since}"

    def text(self) -> str:
        lines = [f"{self.title}: {self.summary}", describe_rule(self.rule)]
        if self.evidence_url:
            lines.append(f"Evidence: {self.evidence_url}")
        return "\n".join(lines)

    def payload(self) -> dict[str, Any]:
        """Slack-compatible: Slack shows `text`; other receivers read the fields under `dendro`."""
        t = self.transition
        op, threshold = threshold_of(self.rule)
        return {
            "text": self.text(),
            "dendro": {
                "status": t.status,
                "rule": t.rule,
                "kind": self.rule.kind,
                "labels": dict(t.labels),
                "value": t.value,
                "comparison": op or None,
                "threshold": threshold,
                "summary": self.summary,
                "since": t.since,
                "at": t.at,
                "evidence_url": self.evidence_url,
                "alerts_url": self.alerts_url,
            },
        }

    def email(self, sender: str, to: str) -> EmailMessage:
        message = EmailMessage()
        message["Subject"] = f"Dendro: {self.title}"
        message["From"] = sender
        message["To"] = to
        body = self.text()
        if self.alerts_url:
            body += f"\nAll alerts: {self.alerts_url}"
        message.set_content(body + "\n")
        return message


def clock(iso: str) -> str:
    return datetime.fromisoformat(iso).strftime("%Y-%m-%d %H:%M:%S UTC")


def query_link(dashboard_url: str, sql: str) -> str:
    """The dashboard's Query page with `sql` filled in and run."""
    return dashboard_url.rstrip("/") + "/query?" + urllib.parse.urlencode({"sql": sql})
