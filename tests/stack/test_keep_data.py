"""Issue 14 items 3 and 9 on synthesized templates: a database kept by an earlier stack (--keep-data) is left
out of the template so that the deploy adopts it instead of failing on its name; kept iceberg files
stay reachable in the kept bucket; what was deployed is published for the next deploy to carry over."""

from __future__ import annotations

import os
from typing import Any

import pytest

os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")


@pytest.fixture(scope="module")
def templates(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    import aws_cdk as cdk
    from aws_cdk.assertions import Template

    from dendro.stack.feature_flags import FEATURE_FLAGS
    from dendro.stack.props import DendroProps
    from dendro.stack.stack import DendroStack

    app = cdk.App(outdir=str(tmp_path_factory.mktemp("cdk.out")), context=FEATURE_FLAGS)
    sources = ("nginx_access", "syslog")
    iceberg = DendroStack(
        app,
        "Adopted",
        props=DendroProps(
            bundle=False,
            sources=sources,
            keep_data=True,
            adopt_database=True,
            kept_bucket="old-bucket",
            retention_days="syslog=7",  # item 9 rides along
        ),
    )
    timestream = DendroStack(
        app,
        "AdoptedTs",
        props=DendroProps(
            store="timestream",
            bundle=False,
            sources=sources,
            adopt_database=True,
            adopt_tables=("syslog",),
            retention_days="nginx_access=45",
        ),
    )
    return {
        name: Template.from_stack(stack).to_json()
        for name, stack in (("iceberg", iceberg), ("timestream", timestream))
    }


def _of(template: dict[str, Any], kind: str) -> dict[str, Any]:
    return {k: v for k, v in template["Resources"].items() if v["Type"] == kind}


def test_an_adopted_glue_database_is_not_created_and_its_bucket_is_granted(templates: dict[str, Any]) -> None:
    template = templates["iceberg"]
    assert _of(template, "AWS::Glue::Database") == {}
    assert len(_of(template, "Custom::IcebergTable")) == 2  # tables adopt themselves (IF NOT EXISTS)
    text = str(_of(template, "AWS::IAM::Policy"))
    # Firehose and the table handler (which also maintains the tables) reach the kept files.
    assert text.count(":s3:::old-bucket/iceberg/*") >= 2
    settings = template["Outputs"]["DeploySettings"]["Value"]
    assert settings == (
        "dendro:keepData=true;dendro:adoptDatabase=true;dendro:adoptTables=;dendro:keptBucket=old-bucket"
    )


def test_adopted_timestream_database_and_tables_are_not_created_but_granted(
    templates: dict[str, Any],
) -> None:
    template = templates["timestream"]
    assert _of(template, "AWS::Timestream::Database") == {}
    tables = _of(template, "AWS::Timestream::Table")
    assert [t["Properties"]["TableName"] for t in tables.values()] == ["nginx_access"]
    [created] = tables.values()
    assert created["Properties"]["DatabaseName"] == "AdoptedTs"
    statements = [
        s
        for p in _of(template, "AWS::IAM::Policy").values()
        for s in p["Properties"]["PolicyDocument"]["Statement"]
    ]
    writes = [s for s in statements if s["Action"] == "timestream:WriteRecords"]
    assert ":database/AdoptedTs/table/syslog" in str(writes) and "Fn::GetAtt" in str(writes)
    assert template["Outputs"]["TableNames"]["Value"] == "nginx_access,syslog"


def test_retention_days_set_timestreams_magnetic_retention_per_table(templates: dict[str, Any]) -> None:
    [table] = _of(templates["timestream"], "AWS::Timestream::Table").values()
    assert table["Properties"]["RetentionProperties"]["MagneticStoreRetentionPeriodInDays"] == "45"


def test_retention_days_join_the_daily_maintenance_of_the_iceberg_tables(templates: dict[str, Any]) -> None:
    [rule] = _of(templates["iceberg"], "AWS::Events::Rule").values()
    assert rule["Properties"]["ScheduleExpression"] == "cron(17 3 * * ? *)"
    [target] = rule["Properties"]["Targets"]
    import json

    job = json.loads(target["Input"])["DendroMaintenance"]
    assert job == {
        "Database": "adopted",
        "WorkGroup": "Adopted",
        "Tables": ["nginx_access", "syslog"],
        "RetentionDays": {"syslog": 7},
    }
    # The target is the table handler, which already may run Athena on these tables.
    functions = _of(templates["iceberg"], "AWS::Lambda::Function").items()
    [handler] = [
        k for k, v in functions if v["Properties"]["Handler"].endswith("schema_evolution.handler.on_event")
    ]
    assert target["Arn"] == {"Fn::GetAtt": [handler, "Arn"]}
