"""Issue 14 items 9 and 11 on the synthesized iceberg template: the tables are maintained once a day by
the table handler with Athena (retention DELETE, OPTIMIZE, VACUUM), not by Glue's table optimizers,
whose runs bill a DPU-minute each on every table (`dendro cost` prices both)."""

from __future__ import annotations

import json

from dendro.stack.schema_evolution.ddl import MAINTENANCE_EVENT
from dendro.stack.schema_evolution.handler import HANDLER_TIMEOUT, PHASE_TIMEOUTS
from tests.stack.conftest import Synthesized


def test_every_table_is_maintained_daily_by_the_table_handler(synthesized: Synthesized) -> None:
    template = synthesized.template(synthesized.iceberg_kept)
    assert template.find_resources("AWS::Glue::TableOptimizer") == {}
    tables = {t["Properties"]["Table"] for t in template.find_resources("Custom::IcebergTable").values()}
    [rule] = template.find_resources("AWS::Events::Rule").values()
    assert rule["Properties"]["ScheduleExpression"] == "cron(17 3 * * ? *)"
    [target] = rule["Properties"]["Targets"]
    job = json.loads(target["Input"])[MAINTENANCE_EVENT]
    # Every table, with or without retention_days (this stack sets none).
    assert job["Tables"] == sorted(tables) == ["nginx_access", "syslog"]
    assert job["RetentionDays"] == {}
    [(name, function)] = [
        (k, v)
        for k, v in template.find_resources("AWS::Lambda::Function").items()
        if v["Properties"]["Handler"].endswith("schema_evolution.handler.on_event")
    ]
    assert target["Arn"] == {"Fn::GetAtt": [name, "Arn"]}
    # The four phases fit in the function's timeout.
    assert function["Properties"]["Timeout"] == HANDLER_TIMEOUT > sum(PHASE_TIMEOUTS.values())


def test_the_handler_may_rewrite_and_delete_table_files_only_under_the_iceberg_prefix(
    synthesized: Synthesized,
) -> None:
    """VACUUM needs s3:DeleteObject, or it succeeds without deleting anything (Athena's VACUUM page)."""
    template = synthesized.template(synthesized.iceberg)
    [name] = [
        k
        for k, v in template.find_resources("AWS::Lambda::Function").items()
        if v["Properties"]["Handler"].endswith("schema_evolution.handler.on_event")
    ]
    role = template.find_resources("AWS::Lambda::Function")[name]["Properties"]["Role"]["Fn::GetAtt"][0]
    statements = [
        s
        for policy in template.find_resources("AWS::IAM::Policy").values()
        if {"Ref": role} in policy["Properties"]["Roles"]
        for s in policy["Properties"]["PolicyDocument"]["Statement"]
    ]
    [objects] = [s for s in statements if "s3:DeleteObject" in s["Action"]]
    assert {"s3:GetObject", "s3:PutObject"} <= set(objects["Action"])
    suffixes = sorted(r["Fn::Join"][1][-1] for r in objects["Resource"])
    assert suffixes == ["/athena-results/*", "/iceberg/*"]
    assert not any("glue.amazonaws.com" in str(r) for r in template.find_resources("AWS::IAM::Role").values())


def test_a_failing_maintenance_run_raises_an_alarm_that_lasts_a_day(synthesized: Synthesized) -> None:
    """The run fails when any table fails (handler.maintain); the table handler's errors summed over
    a day alarm on the stack's topic, for ALARM and for OK."""
    template = synthesized.template(synthesized.iceberg)
    [name] = [
        k
        for k, v in template.find_resources("AWS::Lambda::Function").items()
        if v["Properties"]["Handler"].endswith("schema_evolution.handler.on_event")
    ]
    [alarm] = template.find_resources(
        "AWS::CloudWatch::Alarm", {"Properties": {"AlarmName": "DendroIceberg-TableMaintenanceFailed"}}
    ).values()
    properties = alarm["Properties"]
    assert (properties["Namespace"], properties["MetricName"], properties["Statistic"]) == (
        "AWS/Lambda",
        "Errors",
        "Sum",
    )
    assert properties["Dimensions"] == [{"Name": "FunctionName", "Value": {"Ref": name}}]
    assert properties["Period"] == 86400 and properties["Threshold"] == 1
    assert properties["AlarmActions"] == properties["OKActions"] and properties["AlarmActions"]
    # Only the iceberg store has the job.
    timestream = synthesized.template(synthesized.dendro)
    assert not timestream.find_resources(
        "AWS::CloudWatch::Alarm", {"Properties": {"AlarmName": "Dendro-TableMaintenanceFailed"}}
    )
