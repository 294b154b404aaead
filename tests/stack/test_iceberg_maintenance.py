"""Issue 14 item 9 on the synthesized iceberg template: every table gets Glue's three optimizers
(compaction, snapshot retention, orphan-file deletion) with one role that Glue may assume and that
reaches only the tables' files, this stack's tables and Glue's optimizer log groups."""

from __future__ import annotations

from dendro.stack.stores.iceberg_maintenance import (
    OPTIMIZER_TYPES,
    ORPHAN_RETENTION_DAYS,
    SNAPSHOT_RETENTION_DAYS,
)
from tests.stack.conftest import Synthesized


def test_each_table_has_the_three_optimizers_after_the_table_exists(synthesized: Synthesized) -> None:
    template = synthesized.template(synthesized.iceberg_kept)
    optimizers = template.find_resources("AWS::Glue::TableOptimizer")
    tables = template.find_resources("Custom::IcebergTable")
    names = {t["Properties"]["Table"]: logical for logical, t in tables.items()}
    assert set(names) == {"nginx_access", "syslog"}
    found = {(o["Properties"]["TableName"], o["Properties"]["Type"]) for o in optimizers.values()}
    assert found == {(table, kind) for table in names for kind in OPTIMIZER_TYPES}
    [role] = template.find_resources(
        "AWS::IAM::Role", {"Properties": {"Description": "Lets Glue compact the Dendro Iceberg tables "
                                           "and expire their snapshots and orphans."}}
    )  # fmt: skip
    for optimizer in optimizers.values():
        properties = optimizer["Properties"]
        assert properties["TableOptimizerConfiguration"]["RoleArn"] == {"Fn::GetAtt": [role, "Arn"]}
        assert properties["TableOptimizerConfiguration"]["Enabled"] is True
        assert names[properties["TableName"]] in optimizer["DependsOn"]
        if properties["Type"] == "retention":
            iceberg = properties["TableOptimizerConfiguration"]["RetentionConfiguration"][
                "IcebergConfiguration"
            ]
            assert iceberg["SnapshotRetentionPeriodInDays"] == SNAPSHOT_RETENTION_DAYS
            assert iceberg["CleanExpiredFiles"] is True
        if properties["Type"] == "orphan_file_deletion":
            iceberg = properties["TableOptimizerConfiguration"]["OrphanFileDeletionConfiguration"][
                "IcebergConfiguration"
            ]
            assert iceberg["OrphanFileRetentionPeriodInDays"] == ORPHAN_RETENTION_DAYS
            assert iceberg["Location"]["Fn::Join"][1][-1] == f"/iceberg/{properties['TableName']}/"


def test_the_optimizer_role_is_glues_and_reaches_only_the_iceberg_prefix(synthesized: Synthesized) -> None:
    template = synthesized.template(synthesized.iceberg)
    roles = {
        name: role
        for name, role in template.find_resources("AWS::IAM::Role").items()
        if "glue.amazonaws.com" in str(role["Properties"]["AssumeRolePolicyDocument"])
    }
    [(name, role)] = roles.items()
    [trust] = role["Properties"]["AssumeRolePolicyDocument"]["Statement"]
    assert trust["Condition"] == {"StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}}
    statements = [
        s
        for policy in template.find_resources("AWS::IAM::Policy").values()
        if {"Ref": name} in policy["Properties"]["Roles"]
        for s in policy["Properties"]["PolicyDocument"]["Statement"]
    ]
    objects = [s for s in statements if "s3:DeleteObject" in s["Action"]]
    assert [s["Resource"]["Fn::Join"][1][-1] for s in objects] == ["/iceberg/*"]
    logs = next(s for s in statements if "logs:PutLogEvents" in s["Action"])
    assert all("/aws-glue/iceberg-" in str(r) for r in logs["Resource"])
