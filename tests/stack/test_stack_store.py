"""The timestream store: a database, one table per enabled catalog source, the write grant."""

from __future__ import annotations

import pytest

from dendro.catalog import SOURCES
from dendro.stack.names import BUILT_STORES
from dendro.stack.stores import STORE_TYPES, StoreNotBuiltError
from tests.stack.conftest import Synthesized


def test_one_table_per_catalog_source_named_by_its_type(synthesized: Synthesized) -> None:
    template = synthesized.template(synthesized.dendro)
    tables = template.find_resources("AWS::Timestream::Table")
    assert sorted(t["Properties"]["TableName"] for t in tables.values()) == sorted(SOURCES)
    template.has_resource_properties("AWS::Timestream::Database", {"DatabaseName": "Dendro"})


@pytest.mark.parametrize("type_id", ["nginx_access", "host_metrics"])
def test_tables_keep_a_day_in_memory_a_year_on_magnetic_and_accept_late_writes(
    synthesized: Synthesized, type_id: str
) -> None:
    template = synthesized.template(synthesized.dendro)
    bucket = synthesized.dendro.resolve(synthesized.dendro.staging.bucket.bucket_name)
    template.has_resource_properties(
        "AWS::Timestream::Table",
        {
            "TableName": type_id,
            "DatabaseName": synthesized.dendro.resolve(synthesized.dendro.store.database.ref),
            # Strings, as CloudFormation's schema has them.
            "RetentionProperties": {
                "MemoryStoreRetentionPeriodInHours": "24",
                "MagneticStoreRetentionPeriodInDays": "365",
            },
            # Agents replay hours of buffered events after an outage: late writes must land.
            "MagneticStoreWriteProperties": {
                "EnableMagneticStoreWrites": True,
                "MagneticStoreRejectedDataLocation": {
                    "S3Configuration": {
                        "BucketName": bucket,
                        "ObjectKeyPrefix": f"rejected/{type_id}/",
                        "EncryptionOption": "SSE_S3",
                    }
                },
            },
            "Schema": {
                "CompositePartitionKey": [
                    {"Type": "DIMENSION", "Name": "host", "EnforcementInRecord": "REQUIRED"}
                ]
            },
        },
    )


def test_only_enabled_sources_get_a_table_and_kept_data_survives_teardown(synthesized: Synthesized) -> None:
    template = synthesized.template(synthesized.kept)
    tables = template.find_resources("AWS::Timestream::Table")
    assert sorted(t["Properties"]["TableName"] for t in tables.values()) == ["nginx_access", "syslog"]
    assert {t["DeletionPolicy"] for t in tables.values()} == {"Retain"}
    template.has_resource("AWS::Timestream::Database", {"DeletionPolicy": "Retain"})
    deleted = synthesized.template(synthesized.dendro).find_resources("AWS::Timestream::Table")
    assert {t["DeletionPolicy"] for t in deleted.values()} == {"Delete"}


def test_the_lambda_may_write_to_these_tables_only(synthesized: Synthesized) -> None:
    stack = synthesized.dendro
    template = synthesized.template(stack)
    # minimizePolicies (the packaged app's feature flags) orders the resources its own way: compare
    # the statement's tables as a set.
    policies = template.find_resources(
        "AWS::IAM::Policy", {"Properties": {"Roles": [stack.resolve(stack.ingest.function.role.role_name)]}}
    )
    statements = [s for p in policies.values() for s in p["Properties"]["PolicyDocument"]["Statement"]]
    writes = [s for s in statements if s["Action"] == "timestream:WriteRecords"]
    assert len(writes) == 1 and writes[0]["Effect"] == "Allow"
    written = sorted(ref["Fn::GetAtt"][0] for ref in writes[0]["Resource"])
    expected = sorted(stack.resolve(t.attr_arn)["Fn::GetAtt"][0] for t in stack.store.tables.values())
    assert written == expected
    assert {"Action": "timestream:DescribeEndpoints", "Effect": "Allow", "Resource": "*"} in statements


def test_a_store_that_is_not_built_yet_is_refused_with_the_choices() -> None:
    import aws_cdk as cdk

    from dendro.stack.stores import build_store

    # The CLI refuses an unbuilt store before starting Node, from this list.
    assert tuple(STORE_TYPES) == BUILT_STORES
    with pytest.raises(
        StoreNotBuiltError, match="store 'dynamo' is not available.*use one of: iceberg, timestream"
    ):
        build_store(cdk.Stack(), "dynamo", props=None)  # type: ignore[arg-type]
