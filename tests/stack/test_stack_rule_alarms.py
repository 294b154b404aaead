"""dendro.toml's rules as synthesized alarms: each kind's alarm, the counters handed to the ingest
Lambda, the email channel subscribed, the webhook formatter wired with its secret kept out of the
template; then cfn-lint on the synthesized template (cdk-nag ran in the session fixture)."""

from __future__ import annotations

import json
from typing import Any

from aws_cdk.assertions import Match

from tests.stack.conftest import SECRET_WEBHOOK, Synthesized


def _alarm(synthesized: Synthesized, name: str) -> dict[str, Any]:
    alarms = synthesized.template(synthesized.rules).find_resources(
        "AWS::CloudWatch::Alarm", {"Properties": {"AlarmName": f"DendroRules-{name}"}}
    )
    (alarm,) = alarms.values()
    return alarm["Properties"]  # type: ignore[no-any-return]


def test_every_rule_but_the_local_one_is_an_alarm_notifying_both_ways(synthesized: Synthesized) -> None:
    stack = synthesized.rules
    # The built-in disk rule stays: no rule of the file watches disk.
    assert {k for k in stack.alerts.alarms if k.startswith("Rule")} == {
        "RuleWeb5xx", "RuleWeb15xx", "RuleCheckoutP95", "RuleSilent", "RuleLoad", "RuleErrorLines",
        "RuleDiskAbove90",
    }  # fmt: skip
    topic = stack.resolve(stack.alerts.topic.topic_arn)
    for construct_id in ("RuleWeb5xx", "RuleSilent", "RuleLoad"):
        alarm = _alarm(synthesized, construct_id)
        assert alarm["AlarmActions"] == [topic] and alarm["OKActions"] == [topic]


def test_the_per_service_ratio_reads_requests_and_5xx_of_that_service(synthesized: Synthesized) -> None:
    alarm = _alarm(synthesized, "RuleWeb5xx")
    assert (alarm["Threshold"], alarm["EvaluationPeriods"], alarm["ComparisonOperator"]) == (
        0.05,
        2,
        "GreaterThanThreshold",
    )
    expression, requests, errors = alarm["Metrics"]
    assert expression == {
        "Id": "e",
        "Expression": "IF(requests >= 20, FILL(errors, 0) / requests, 0)",
        "Label": "web 5xx",
        "ReturnData": True,
    }
    assert requests["MetricStat"]["Metric"] == {
        "Namespace": "Dendro/DendroRules",
        "MetricName": "Requests",
        "Dimensions": [{"Name": "service", "Value": "shop"}],
    }
    assert errors["ReturnData"] is False and errors["MetricStat"]["Stat"] == "Sum"


def test_latency_reads_the_p95_statistic_in_milliseconds(synthesized: Synthesized) -> None:
    alarm = _alarm(synthesized, "RuleCheckoutP95")
    assert alarm["Threshold"] == 800
    stats = {m["MetricStat"]["Metric"]["MetricName"]: m["MetricStat"]["Stat"] for m in alarm["Metrics"][1:]}
    assert stats == {"LatencyMs": "p95", "Requests": "Sum"}


def test_silent_host_is_a_metrics_insights_query_and_missing_data_breaches(synthesized: Synthesized) -> None:
    alarm = _alarm(synthesized, "RuleSilent")
    assert alarm["Metrics"] == [
        {
            "Id": "e",
            "Expression": 'SELECT SUM(Heartbeat) FROM SCHEMA("Dendro/DendroRules", host) GROUP BY host',
            "Label": "silent",
            "Period": 60,
            "ReturnData": True,
        }
    ]
    assert (alarm["EvaluationPeriods"], alarm["TreatMissingData"]) == (5, "breaching")


def test_filtered_rules_are_counted_by_the_ingest_lambda(synthesized: Synthesized) -> None:
    stack = synthesized.rules
    template = synthesized.template(stack)
    functions = template.find_resources(
        "AWS::Lambda::Function",
        {"Properties": {"Environment": {"Variables": {"DENDRO_METRIC_RULES": Match.any_value()}}}},
    )
    (function,) = functions.values()
    counters = json.loads(function["Properties"]["Environment"]["Variables"]["DENDRO_METRIC_RULES"])
    assert [c["id"] for c in counters] == ["web-1-5xx", "load", "error-lines", "disk-above-90"]
    assert counters[1] == {
        "id": "load",
        "source": "host_metrics",
        "where": {"metric": "load1"},
        "field": "value",
        "above": 8.0,
    }
    load = _alarm(synthesized, "RuleLoad")
    (hits,) = load["Metrics"]
    assert hits["MetricStat"]["Metric"]["MetricName"] == "RuleHits"
    assert hits["MetricStat"]["Metric"]["Dimensions"] == [{"Name": "rule", "Value": "load"}]
    assert hits["ReturnData"] is True and load["Threshold"] == 10  # half of 20 samples in 5 minutes


def test_emails_of_dendro_toml_subscribe_and_webhooks_go_through_the_formatter(
    synthesized: Synthesized,
) -> None:
    stack = synthesized.rules
    template = synthesized.template(stack)
    template.has_resource_properties(
        "AWS::SNS::Subscription", {"Protocol": "email", "Endpoint": "team@example.org"}
    )
    formatter = stack.resolve(stack.alerts.webhooks.function.function_arn)
    template.has_resource_properties("AWS::SNS::Subscription", {"Protocol": "lambda", "Endpoint": formatter})
    template.has_resource_properties(
        "AWS::Lambda::Function",
        {
            "Handler": "handler.handler",
            "Environment": {
                "Variables": {
                    "DENDRO_WEBHOOKS_PARAMETER": "/dendro-secrets/DendroRules/alert-webhooks",
                    "DENDRO_DASHBOARD_URL": "https://dendro.example.org",
                }
            },
        },
    )
    template.has_resource_properties(
        "AWS::IAM::Policy",
        {
            "PolicyDocument": {
                "Statement": [
                    {
                        "Action": "ssm:GetParameter",
                        "Effect": "Allow",
                        "Resource": {
                            "Fn::Join": [
                                "",
                                [
                                    "arn:", {"Ref": "AWS::Partition"}, ":ssm:", {"Ref": "AWS::Region"}, ":",
                                    {"Ref": "AWS::AccountId"},
                                    ":parameter/dendro-secrets/DendroRules/alert-webhooks",
                                ],
                            ]
                        },
                    }
                ]
            }
        },
    )  # fmt: skip
    # The URL is a credential: it is in SSM, never in the template.
    assert "hooks.example.com" not in json.dumps(template.to_json())
    assert SECRET_WEBHOOK not in json.dumps(template.to_json())


def test_cfn_lint_finds_no_errors_in_the_rules_stack(synthesized: Synthesized) -> None:
    from cfnlint.api import ManualArgs, lint_file

    path = synthesized.outdir / "DendroRules.template.json"
    matches = lint_file(path, ManualArgs(regions=["us-east-1", "eu-west-1"]))
    errors = [f"{m.rule.id} {m.message} ({m.path})" for m in matches if m.rule.severity == "error"]
    assert errors == []
