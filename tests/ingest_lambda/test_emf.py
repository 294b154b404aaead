"""The EMF contract with the alarms (/work/notes/metrics.md): few, wide metrics; rule counters."""

from __future__ import annotations

import orjson
import pytest

from dendro.ingest_lambda import emf
from dendro.ingest_lambda.env import EnvError, load_env

NAMES = ("timestamp", "host", "service", "status_class", "request_time")
METRIC_NAMES = ("timestamp", "host", "metric", "value")


def lines(counts: emf.PipelineCounts) -> list[dict]:
    return [orjson.loads(b) for b in emf.metric_lines(counts, namespace="Dendro/T", timestamp_ms=1)]


def billed(metric_lines: list[dict]) -> set[tuple]:
    """The (name, dimensions) pairs CloudWatch would bill as custom metrics."""
    out = set()
    for line in metric_lines:
        [directive] = line["_aws"]["CloudWatchMetrics"]
        for dims in directive["Dimensions"]:
            for metric in directive["Metrics"]:
                out.add((metric["Name"], tuple((d, line[d]) for d in dims)))
    return out


def test_hosts_do_not_multiply_the_request_metrics() -> None:
    counts = emf.PipelineCounts()
    rows = [(0, f"web-{i % 10}", "nginx", "5xx" if i % 4 == 0 else "2xx", 0.01 * i) for i in range(400)]
    counts.count_rows("nginx_access", NAMES, rows, red=True)
    counts.written["nginx_access"] += 400
    metrics = billed(lines(counts))
    # 2 record metrics + 3 for the service + 1 heartbeat per host (10): not 2 x service x host.
    assert len(metrics) == emf.metric_count(services=1, hosts=10, rules=0) == 15
    [red] = [line for line in lines(counts) if "Requests" in line]
    assert (red["Requests"], red["Http5xx"]) == (400, 100)
    # 400 latencies become 100 evenly spaced quantiles, in milliseconds, keeping min and max.
    assert len(red["LatencyMs"]) == emf.MAX_VALUES
    assert red["LatencyMs"][0] == 0.0 and red["LatencyMs"][-1] == pytest.approx(3990.0)
    units = {m["Name"]: m["Unit"] for m in red["_aws"]["CloudWatchMetrics"][0]["Metrics"]}
    assert units == {"Requests": "Count", "Http5xx": "Count", "LatencyMs": "Milliseconds"}


def test_a_rule_costs_two_metrics_and_names_the_hosts_that_hit() -> None:
    rules = emf.parse_rules(
        emf.rules_env(
            [
                {"id": "disk_full", "source": "host_metrics", "where": {"metric": "fs_used_ratio"},
                 "field": "value", "above": 0.9},
                {"id": "web1_5xx", "where": {"host": "web-1"}, "field": "status_class", "in": ["5xx"]},
            ]
        )
    )  # fmt: skip
    counts = emf.PipelineCounts(rules=rules)
    samples = [(0, f"db-{i}", "fs_used_ratio", 0.5 + i / 10) for i in range(6)]  # 0.5 .. 1.0
    samples.append((0, "db-9", "cpu", 99.0))  # another metric: not matched
    counts.count_rows("host_metrics", METRIC_NAMES, samples, red=False)
    counts.count_rows("nginx_access", NAMES, [(0, "web-1", "nginx", "5xx", None)] * 3, red=True)
    by_rule = {line["rule"]: line for line in lines(counts) if "rule" in line}
    disk = by_rule["disk_full"]
    assert (disk["RuleMatched"], disk["RuleHits"], disk["hosts"], disk["worst"]) == (6, 1, ["db-5"], 1.0)
    assert (by_rule["web1_5xx"]["RuleMatched"], by_rule["web1_5xx"]["RuleHits"]) == (3, 3)
    rule_metrics = {m for m in billed(lines(counts)) if m[1] and m[1][0][0] == "rule"}
    assert len(rule_metrics) == 4


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        ({"id": "bad id!"}, "letters"),
        ({"id": "r", "above": 1}, "needs a 'field'"),
        ({"id": "r", "field": "value", "above": 1, "below": 0}, "at most one"),
        ({"id": "r", "colour": "red"}, "unknown key"),
    ],
)
def test_malformed_rules_are_refused_naming_the_rule(rule: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        emf.rules_env([rule])


def test_the_lambda_refuses_a_malformed_rules_variable_at_cold_start() -> None:
    from dendro.ingest_lambda import constants

    environ = dict.fromkeys(constants.ALL, "x")
    assert load_env({**environ, emf.RULES_ENV: emf.rules_env([{"id": "a"}])}).metric_rules[0].id == "a"
    with pytest.raises(EnvError, match=emf.RULES_ENV):
        load_env({**environ, emf.RULES_ENV: '{"id": "a"}'})
