"""The local evaluation loop of `dendro local up`: every `interval`, each rule's query runs read-only
with a time cap on the collector's store, the instances' states advance, and each transition (firing,
resolved) becomes one notification, saved to the state file before it is handed to the channels.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb

from dendro.alerts.message import Notification, query_link
from dendro.alerts.notify import Delivery, Dispatcher
from dendro.alerts.queries import evidence, measure
from dendro.alerts.rules import (
    AlertSettings,
    ErrorRatioRule,
    LatencyRule,
    LogRateRule,
    MetricRule,
    Rule,
    SilentHostRule,
)
from dendro.alerts.state import AlertState, Observation, Transition, labels_of, load_state, save_state
from dendro.local_pipeline.query import Limits, QueryError, QueryResult, run_query

# An SQL rule that returns more rows than this is cut there: each row is an alert, and a thousand
# alerts is already a query that needs a GROUP BY.
MAX_INSTANCES = 1000


def observations(rule: Rule, labels: tuple[str, ...], result: QueryResult) -> list[Observation]:
    out = []
    names = labels or tuple(c for c in result.columns if c != "value")
    for record in result.records():
        value = record.get("value")
        number = float(value) if isinstance(value, int | float) or _is_decimal(value) else None
        out.append(
            Observation(labels_of({n: record.get(n) for n in names}), number, _breaches(rule, number, record))
        )
    return out


def _is_decimal(value: Any) -> bool:
    return type(value).__name__ == "Decimal"


def _breaches(rule: Rule, value: float | None, record: dict[str, Any]) -> bool:
    if isinstance(rule, ErrorRatioRule | LatencyRule):
        return value is not None and (record.get("requests") or 0) >= rule.min_requests and value > rule.above
    if isinstance(rule, SilentHostRule):
        return value is not None and value > rule.after
    if isinstance(rule, MetricRule):
        if value is None:
            return False
        return value > rule.above if rule.above is not None else value < (rule.below or 0)
    if isinstance(rule, LogRateRule):
        return value is not None and value > rule.above
    return True  # sql: every row returned fires


@dataclass
class Snapshot:
    """What the Alerts page shows: the rules, the state, the last deliveries."""

    rules: tuple[Rule, ...]
    state: AlertState
    deliveries: list[Delivery] = field(default_factory=list)
    dashboard_url: str | None = None


class Evaluator:
    def __init__(
        self,
        settings: AlertSettings,
        con: duckdb.DuckDBPyConnection,
        state_file: Path,
        dispatcher: Dispatcher,
        *,
        dashboard_url: str | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.settings = settings
        self.rules = settings.rules
        self.con = con
        self.state_file = state_file
        self.dispatcher = dispatcher
        self.dashboard_url = settings.alerting.dashboard_url or dashboard_url
        self.clock = clock
        self.state = load_state(state_file)
        self.state.forget_rules_except(r.name for r in self.rules)
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def _tables(self) -> set[str]:
        result = run_query(
            self.con, "SELECT table_name FROM duckdb_tables() WHERE NOT starts_with(table_name, '_')"
        )
        return {str(row[0]) for row in result.rows}

    def evaluate(self) -> list[Transition]:
        """One round over every rule; returns the transitions it notified."""
        now = self.clock()
        timeout = self.settings.alerting.query_timeout
        try:
            tables = self._tables()
        except QueryError as error:
            print(f"alerts: cannot list the store's tables: {error}", file=sys.stderr)
            return []
        notify: list[tuple[Transition, Rule]] = []
        with self._lock:
            for rule in self.rules:
                spec = measure(rule, now, tables)
                try:
                    limits = Limits(timeout=timeout, max_rows=MAX_INSTANCES)
                    result = run_query(self.con, spec.sql, limits)
                except QueryError as error:
                    # The rule keeps its state: a slow or broken query neither fires nor resolves.
                    self.state.errors[rule.name] = str(error)
                    continue
                for transition in self.state.advance(
                    rule.name, rule.for_, observations(rule, spec.labels, result), now
                ):
                    notify.append((transition, rule))
            self.state.evaluated_at = now.isoformat()
            save_state(self.state_file, self.state)
        for transition, rule in notify:
            self.dispatcher.submit(self.notification(transition, rule, now, tables))
        return [t for t, _ in notify]

    def notification(
        self, transition: Transition, rule: Rule, now: datetime, tables: set[str]
    ) -> Notification:
        link = alerts = None
        if self.dashboard_url:
            link = query_link(self.dashboard_url, evidence(rule, dict(transition.labels), now, tables))
            alerts = self.dashboard_url.rstrip("/") + "/alerts"
        return Notification(transition, rule, link, alerts)

    def snapshot(self) -> Snapshot:
        with self._lock:
            state = AlertState.from_json(self.state.to_json())
        return Snapshot(self.rules, state, self.dispatcher.deliveries(), self.dashboard_url)

    # --- the loop ---

    def start(self) -> Evaluator:
        self._thread = threading.Thread(target=self._run, name="dendro-alerts", daemon=True)
        self._thread.start()
        return self

    def _run(self) -> None:
        interval = self.settings.alerting.interval
        while not self._stop.is_set():
            try:
                self.evaluate()
            except Exception as error:  # noqa: BLE001 - the loop must outlive one bad round
                print(f"alerts: evaluation failed: {error}", file=sys.stderr)
            if self._stop.wait(interval):
                return

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=30)
        self.dispatcher.stop()


def start_beside_collector(
    settings: AlertSettings, store_path: Path, cursor: duckdb.DuckDBPyConnection, dashboard_url: str | None
) -> Evaluator:
    """The loop inside `dendro local up`, on its own connection to the collector's store (`cursor`,
    made by the thread that opened the store); the state file sits beside the store."""
    from dendro.alerts.state import state_path

    smtp = settings.alerting.smtp
    dispatcher = Dispatcher(settings.webhooks, settings.emails if smtp else (), smtp)
    return Evaluator(
        settings, cursor, state_path(store_path), dispatcher, dashboard_url=dashboard_url
    ).start()
