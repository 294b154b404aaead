"""What each rule kind becomes on AWS: the alarms and the counters the ingest Lambda keeps for them.
Pure planning (no CDK); tests/stack/test_stack_rule_alarms.py checks the synthesized alarms."""

from __future__ import annotations

import pytest

from dendro.alerts.aws_plan import AwsPlanError, plan_alarms
from dendro.alerts.rules import AlertSettings
from dendro.ingest_lambda.emf import rules_env

NS = "Dendro/Dendro"


def _plan(*rules: dict, defaults: bool = False):  # type: ignore[no-untyped-def]
    settings = AlertSettings.parse({"alerting": {"defaults": defaults}, "alerts": list(rules)})
    return plan_alarms(settings, namespace=NS, services=("apache", "nginx"))


def test_the_built_in_rules_cost_one_counter_and_per_service_ratios() -> None:
    plan = _plan(defaults=True)
    assert [a.construct_id for a in plan.alarms] == [
        "Rule5xxRatioApache", "Rule5xxRatioNginx", "RuleSilentHost", "RuleDiskAbove90",
    ]  # fmt: skip
    # Only the disk rule filters rows: two custom metrics (RuleMatched, RuleHits), whatever the hosts.
    assert plan.custom_metrics == 2
    assert plan.counters == (
        {"id": "disk-above-90", "source": "host_metrics", "where": {"metric": "filesystem_used_ratio"},
         "field": "value", "above": 0.9},
    )  # fmt: skip
    rules_env(plan.counters)  # the Lambda's own validation accepts them


def test_error_ratio_per_service_divides_5xx_by_requests_over_the_window_and_for() -> None:
    (alarm,) = _plan(
        {"name": "web 5xx", "kind": "error_ratio", "service": "shop", "above": 0.05, "for": "10m"}
    ).alarms
    assert alarm.expression == "IF(requests >= 20, FILL(errors, 0) / requests, 0)"
    assert [(m.id, m.name, m.dimensions) for m in alarm.metrics] == [
        ("requests", "Requests", (("service", "shop"),)),
        ("errors", "Http5xx", (("service", "shop"),)),
    ]
    assert (alarm.threshold, alarm.period, alarm.evaluation_periods) == (0.05, 300, 3)


def test_a_host_filter_makes_a_counter_of_5xx_rows() -> None:
    plan = _plan({"name": "web-1 5xx", "kind": "error_ratio", "host": "web-1", "above": 0.1})
    assert plan.counters == (
        {"id": "web-1-5xx", "where": {"host": "web-1"}, "field": "status_class", "in": ["5xx"]},
    )
    (alarm,) = plan.alarms
    assert alarm.expression == "IF(matched >= 20, FILL(hits, 0) / matched, 0)"
    assert [(m.name, m.dimensions) for m in alarm.metrics] == [
        ("RuleMatched", (("rule", "web-1-5xx"),)),
        ("RuleHits", (("rule", "web-1-5xx"),)),
    ]


def test_latency_uses_the_percentile_statistic_or_the_share_of_slow_requests() -> None:
    (by_service,) = _plan({"name": "p95", "kind": "latency", "service": "checkout", "above": "800ms"}).alarms
    assert [(m.name, m.statistic) for m in by_service.metrics] == [("LatencyMs", "p95"), ("Requests", "Sum")]
    assert by_service.threshold == 800
    filtered = _plan(
        {"name": "p99", "kind": "latency", "source": "nginx_access", "percentile": 99, "above": 2}
    )
    assert filtered.counters[0] == {
        "id": "p99",
        "source": "nginx_access",
        "field": "request_time",
        "above": 2.0,
    }
    # p99 above 2 s <=> more than 1 % of the requests took longer than 2 s.
    assert filtered.alarms[0].threshold == pytest.approx(0.01)


def test_silent_host_is_one_metrics_insights_alarm_where_missing_data_breaches() -> None:
    (alarm,) = _plan({"name": "silent", "kind": "silent_host", "after": "5m", "host": "db-1"}).alarms
    assert (
        alarm.expression
        == "SELECT SUM(Heartbeat) FROM SCHEMA(\"Dendro/Dendro\", host) WHERE host = 'db-1' GROUP BY host"
    )
    assert (alarm.period, alarm.evaluation_periods, alarm.treat_missing, alarm.metrics) == (
        60,
        5,
        "breaching",
        (),
    )


def test_log_rate_counts_error_levels_in_both_level_columns_and_sums_them() -> None:
    plan = _plan({"name": "errors", "kind": "log_rate", "above": 20, "levels": ["error", "crit"]})
    assert [(c["id"], c["field"]) for c in plan.counters] == [
        ("errors-level", "level"),
        ("errors-severity", "severity"),
    ]
    assert plan.counters[0]["in"] == ["CRIT", "Crit", "ERROR", "Error", "crit", "error"]
    (alarm,) = plan.alarms
    assert alarm.expression == "FILL(h0, 0) + FILL(h1, 0)" and alarm.threshold == 20


def test_rules_aws_cannot_run_are_refused_with_their_names_and_local_only_ones_skipped() -> None:
    with pytest.raises(AwsPlanError) as error:
        _plan(
            {"name": "jobs", "kind": "sql", "sql": "SELECT 1"},
            {"name": "cpu", "kind": "metric", "metric": "cpu", "above": 90},
            {"name": "long", "kind": "silent_host", "after": "6h", "forget": "2d"},
        )
    assert [p.split(":")[0] for p in error.value.problems] == ["jobs", "cpu", "long"]
    assert "set local_only = true" in error.value.problems[0]
    assert _plan({"name": "jobs", "kind": "sql", "sql": "SELECT 1", "local_only": True}).alarms == ()


def test_silent_host_periods_follow_the_firehose_buffer_so_a_sending_host_never_looks_silent() -> None:
    settings = AlertSettings.parse(
        {"alerting": {"defaults": False}, "alerts": [{"name": "s", "kind": "silent_host", "after": "10m"}]}
    )
    (alarm,) = plan_alarms(settings, namespace=NS, services=(), heartbeat_seconds=120).alarms
    assert (alarm.period, alarm.evaluation_periods) == (120, 5)
    with pytest.raises(
        AwsPlanError, match="s: after = 600s is too short for heartbeats that arrive every 900 s"
    ):
        plan_alarms(settings, namespace=NS, services=(), heartbeat_seconds=900)
