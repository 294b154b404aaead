"""Local evaluation against a real collector and DuckDB store, notifying a real webhook receiver on
127.0.0.1: firing once, resolved once, nothing again after a restart, and a silent host found."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from dendro.alerts.engine import Evaluator
from dendro.alerts.notify import Dispatcher
from dendro.alerts.rules import AlertSettings
from dendro.alerts.state import state_path
from dendro.local_pipeline.collector import Collector
from dendro.local_pipeline.query import run_query
from tests.alerts.conftest import Clock, Post, access
from tests.alerts.receivers import WebhookReceiver


def _settings(webhook: WebhookReceiver, *rules: dict) -> AlertSettings:
    return AlertSettings.parse(
        {"alerting": {"defaults": False}, "alerts": list(rules), "notify": [{"webhook": webhook.url}]}
    )


def _evaluator(settings: AlertSettings, collector: Collector, clock: Clock) -> Evaluator:
    dispatcher = Dispatcher(settings.webhooks, settings.emails, None, backoff=(0.05, 0.05))
    return Evaluator(
        settings,
        collector.store.cursor(),
        state_path(Path(collector.store.path)),
        dispatcher,
        dashboard_url="http://127.0.0.1:3000/",
        clock=clock,
    )


WEB_5XX = {"name": "web 5xx", "kind": "error_ratio", "source": "nginx_access", "above": 0.05}


def test_a_5xx_burst_fires_once_then_resolves_once(
    collector: Collector, post: Post, webhook: WebhookReceiver, clock: Clock
) -> None:
    # Given 40 requests of the last minute, 10 of them 5xx: a 25 % share against 5 %.
    post([access("web-1", 503 if i % 4 == 0 else 200, clock.now) for i in range(40)])
    evaluator = _evaluator(_settings(webhook, WEB_5XX), collector, clock)

    # When the rules are evaluated twice while the burst is in the window
    assert [t.status for t in evaluator.evaluate()] == ["firing"]
    assert evaluator.evaluate() == []
    (firing,) = webhook.wait_for(1)

    # Then one Slack-compatible firing notification arrived, with the facts and the evidence link.
    assert firing["text"].startswith("[FIRING] web 5xx (service=nginx): 25.0% > 5.0% since ")
    facts = firing["dendro"]
    assert facts["status"] == "firing" and facts["kind"] == "error_ratio"
    assert facts["labels"] == {"service": "nginx"}
    assert (facts["value"], facts["threshold"], facts["comparison"]) == (0.25, 0.05, ">")
    evidence = parse_qs(urlsplit(facts["evidence_url"]).query)["sql"][0]
    assert facts["evidence_url"].startswith("http://127.0.0.1:3000/query?sql=")
    rows = run_query(collector.store.cursor(), evidence).records()
    assert len(rows) == 10 and {r["status"] for r in rows} == {503}

    # When the burst leaves the window (no new 5xx for six minutes)
    clock.advance(minutes=6)
    assert [t.status for t in evaluator.evaluate()] == ["resolved"]
    assert evaluator.evaluate() == []
    _, resolved = webhook.wait_for(2)
    assert resolved["dendro"]["status"] == "resolved"
    assert resolved["dendro"]["labels"] == {"service": "nginx"}
    assert resolved["text"].startswith("[RESOLVED] web 5xx (service=nginx): back to normal at ")
    evaluator.stop()


def test_a_restart_sends_nothing_new_for_an_alert_still_firing(
    collector: Collector, post: Post, webhook: WebhookReceiver, clock: Clock
) -> None:
    post([access("web-1", 500, clock.now) for _ in range(30)])
    settings = _settings(webhook, WEB_5XX)
    first = _evaluator(settings, collector, clock)
    assert [t.status for t in first.evaluate()] == ["firing"]
    first.stop()

    # A new process: the state comes back from the file beside the store.
    second = _evaluator(settings, collector, clock)
    clock.advance(seconds=30)
    assert second.evaluate() == []
    assert [a.status for a in second.state.active.values()] == ["firing"]
    second.stop()
    assert len(webhook.wait_for(2, timeout=0.5)) == 1


def test_for_holds_the_alert_pending_until_the_condition_has_lasted(
    collector: Collector, post: Post, webhook: WebhookReceiver, clock: Clock
) -> None:
    post([access("web-1", 500, clock.now) for _ in range(30)])
    evaluator = _evaluator(_settings(webhook, {**WEB_5XX, "for": "1m"}), collector, clock)
    assert evaluator.evaluate() == []
    assert [a.status for a in evaluator.state.active.values()] == ["pending"]
    clock.advance(seconds=61)
    assert [t.status for t in evaluator.evaluate()] == ["firing"]
    evaluator.stop()


def test_too_few_requests_never_fire_a_ratio(
    collector: Collector, post: Post, webhook: WebhookReceiver, clock: Clock
) -> None:
    post([access("web-1", 500, clock.now) for _ in range(5)])  # 100 % of 5 requests, under min_requests
    evaluator = _evaluator(_settings(webhook, WEB_5XX), collector, clock)
    assert evaluator.evaluate() == []
    evaluator.stop()


def test_a_host_that_stops_sending_fires_silent_host_for_that_host_only(
    collector: Collector, post: Post, webhook: WebhookReceiver, clock: Clock
) -> None:
    start = clock.now
    post([access("web-1", 200, start), access("web-2", 200, start)])
    clock.advance(minutes=6)
    post([access("web-1", 200, clock.now)])  # web-2 has said nothing for six minutes
    evaluator = _evaluator(
        _settings(webhook, {"name": "silent", "kind": "silent_host", "after": "5m"}), collector, clock
    )
    (transition,) = evaluator.evaluate()
    assert (transition.status, dict(transition.labels)) == ("firing", {"host": "web-2"})
    (body,) = webhook.wait_for(1)
    assert body["text"].startswith("[FIRING] silent (host=web-2): 6m > 5m since ")
    evaluator.stop()


def test_latency_fires_on_the_percentile_of_one_service(
    collector: Collector, post: Post, webhook: WebhookReceiver, clock: Clock
) -> None:
    slow = [access("web-1", 200, clock.now, service="checkout", request_time=1.2) for _ in range(25)]
    fast = [access("web-1", 200, clock.now, service="search", request_time=0.05) for _ in range(25)]
    post(slow + fast)
    rule = {"name": "checkout p95", "kind": "latency", "service": "checkout", "above": "800ms"}
    evaluator = _evaluator(_settings(webhook, rule), collector, clock)
    (transition,) = evaluator.evaluate()
    assert dict(transition.labels) == {"service": "checkout"}
    (body,) = webhook.wait_for(1)
    assert body["text"].startswith("[FIRING] checkout p95 (service=checkout): 1200ms > 800ms")
    evaluator.stop()


def test_a_broken_sql_rule_reports_its_error_and_keeps_the_others_going(
    collector: Collector, post: Post, webhook: WebhookReceiver, clock: Clock
) -> None:
    post([access("web-1", 500, clock.now) for _ in range(30)])
    broken = {"name": "broken", "kind": "sql", "sql": "SELECT host FROM no_such_table"}
    rows = {
        "name": "rows",
        "kind": "sql",
        "sql": "SELECT host, count(*) AS value FROM nginx_access GROUP BY host",
    }
    evaluator = _evaluator(_settings(webhook, broken, rows, WEB_5XX), collector, clock)
    fired = evaluator.evaluate()
    assert sorted((t.rule, dict(t.labels)) for t in fired) == [
        ("rows", {"host": "web-1"}),
        ("web 5xx", {"service": "nginx"}),
    ]
    assert "no_such_table" in (evaluator.state.errors["broken"] or "")
    evaluator.stop()
