"""The iceberg store (the default): Glue database, one Iceberg table per source, Athena workgroup, and
the Firehose stream that writes the tables through the ingest Lambda."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

from aws_cdk.assertions import Match

from dendro.catalog import SOURCES
from dendro.ingest_lambda import constants
from dendro.stack.names import OutputKey
from dendro.stack.stores.iceberg import table_columns
from tests.stack.conftest import Synthesized

DATABASE = "dendroiceberg"  # the stack name "DendroIceberg", as Glue spells database names


def _ref(stack: Any, value: Any) -> Any:
    return stack.resolve(value)


def _tables(synthesized: Synthesized, stack: Any) -> dict[str, dict[str, Any]]:
    found = synthesized.template(stack).find_resources("Custom::IcebergTable")
    return {t["Properties"]["Table"]: t for t in found.values()}


def test_the_default_store_is_iceberg_and_its_template_has_no_timestream_resource(
    synthesized: Synthesized,
) -> None:
    stack = synthesized.iceberg
    assert stack.props.store == "iceberg"
    resources = synthesized.template(stack).to_json()["Resources"]
    assert not [r for r in resources.values() if r["Type"].startswith("AWS::Timestream::")]
    # CloudFormation's own Glue table breaks Iceberg tables on update (aws-notes §3): none here.
    assert not [r for r in resources.values() if r["Type"] == "AWS::Glue::Table"]


def test_one_iceberg_table_per_catalog_source_with_the_catalogs_columns(synthesized: Synthesized) -> None:
    stack = synthesized.iceberg
    tables = _tables(synthesized, stack)
    assert sorted(tables) == sorted(SOURCES)
    bucket = _ref(stack, stack.staging.bucket.bucket_name)
    for type_id, table in tables.items():
        assert table["Properties"] == {
            "ServiceToken": _ref(stack, stack.store.tables.provider.service_token),
            "Database": DATABASE,
            "Table": type_id,
            "Location": {"Fn::Join": ["", ["s3://", bucket, f"/iceberg/{type_id}/"]]},
            "WorkGroup": "DendroIceberg",
            "Columns": [list(c) for c in table_columns(SOURCES[type_id])],
        }
        assert table["DeletionPolicy"] == "Delete"
    template = synthesized.template(stack)
    template.has_resource_properties(
        "AWS::Glue::Database",
        {
            "CatalogId": {"Ref": "AWS::AccountId"},
            "DatabaseInput": Match.object_like(
                {"Name": DATABASE, "LocationUri": {"Fn::Join": ["", ["s3://", bucket, "/iceberg/"]]}}
            ),
        },
    )


def test_only_enabled_sources_get_a_table_and_kept_data_survives_teardown(synthesized: Synthesized) -> None:
    kept = synthesized.iceberg_kept
    tables = _tables(synthesized, kept)
    assert sorted(tables) == ["nginx_access", "syslog"]
    assert {t["DeletionPolicy"] for t in tables.values()} == {"Retain"}
    synthesized.template(kept).has_resource("AWS::Glue::Database", {"DeletionPolicy": "Retain"})


def test_the_athena_workgroup_is_engine_v3_with_encrypted_expiring_results_and_a_scan_cutoff(
    synthesized: Synthesized,
) -> None:
    stack = synthesized.iceberg
    template = synthesized.template(stack)
    bucket = _ref(stack, stack.staging.bucket.bucket_name)
    template.has_resource_properties(
        "AWS::Athena::WorkGroup",
        {
            "Name": "DendroIceberg",
            "RecursiveDeleteOption": True,
            "WorkGroupConfiguration": {
                "EnforceWorkGroupConfiguration": True,
                "EngineVersion": {"SelectedEngineVersion": "Athena engine version 3"},
                # 10 GiB: a runaway query costs at most $0.05.
                "BytesScannedCutoffPerQuery": 10 * 1024**3,
                "PublishCloudWatchMetricsEnabled": True,
                "ResultConfiguration": {
                    "OutputLocation": {"Fn::Join": ["", ["s3://", bucket, "/athena-results/"]]},
                    "EncryptionConfiguration": {"EncryptionOption": "SSE_S3"},
                },
            },
        },
    )
    template.has_resource_properties(
        "AWS::S3::Bucket",
        {
            "LifecycleConfiguration": {
                "Rules": Match.array_with(
                    [
                        Match.object_like(
                            {"Prefix": "athena-results/", "ExpirationInDays": 7, "Status": "Enabled"}
                        )
                    ]
                )
            }
        },
    )


def test_firehose_writes_the_tables_through_the_ingest_lambda_and_fails_records_to_errors(
    synthesized: Synthesized,
) -> None:
    stack = synthesized.iceberg
    template = synthesized.template(stack)
    bucket_arn = _ref(stack, stack.staging.bucket.bucket_arn)
    function_arn = _ref(stack, stack.ingest.function.function_arn)
    template.resource_count_is("AWS::KinesisFirehose::DeliveryStream", 1)
    template.has_resource_properties(
        "AWS::KinesisFirehose::DeliveryStream",
        {
            "DeliveryStreamType": "DirectPut",
            "DeliveryStreamEncryptionConfigurationInput": {"KeyType": "AWS_OWNED_CMK"},
            "IcebergDestinationConfiguration": Match.object_like(
                {
                    "CatalogConfiguration": Match.object_like(
                        {"CatalogArn": Match.object_like({"Fn::Join": Match.any_value()})}
                    ),
                    "AppendOnly": True,
                    # Commits every 5 minutes (item 11: a fifth of the small files and S3 requests);
                    # the Lambda processor below still runs every minute, so alarms stay as fresh.
                    "BufferingHints": {"IntervalInSeconds": 300, "SizeInMBs": 128},
                    # Routing metadata may only name tables listed here (aws-notes §3).
                    "DestinationTableConfigurationList": [
                        {
                            "DestinationDatabaseName": DATABASE,
                            "DestinationTableName": type_id,
                            "S3ErrorOutputPrefix": f"firehose-errors/{type_id}/",
                        }
                        for type_id in SOURCES
                    ],
                    "ProcessingConfiguration": {
                        "Enabled": True,
                        "Processors": [
                            {
                                "Type": "Lambda",
                                "Parameters": Match.array_with(
                                    [
                                        {"ParameterName": "LambdaArn", "ParameterValue": function_arn},
                                        # Keeps the transform's answer far below Lambda's 6 MB.
                                        {"ParameterName": "BufferSizeInMBs", "ParameterValue": "0.5"},
                                    ]
                                ),
                            }
                        ],
                    },
                    "s3BackupMode": "FailedDataOnly",
                    "S3Configuration": Match.object_like(
                        {
                            "BucketARN": bucket_arn,
                            "ErrorOutputPrefix": Match.string_like_regexp(
                                r"^errors/!\{firehose:error-output-type\}/"
                            ),
                        }
                    ),
                    "CloudWatchLoggingOptions": Match.object_like({"Enabled": True}),
                }
            ),
        },
    )
    # Firehose checks its tables when the stream is created: the stream waits for them.
    [stream] = template.find_resources("AWS::KinesisFirehose::DeliveryStream").values()
    table_ids = template.find_resources("Custom::IcebergTable")
    assert set(table_ids) <= set(stream["DependsOn"])


def test_firehoses_role_reaches_this_database_the_function_and_three_prefixes_only(
    synthesized: Synthesized,
) -> None:
    stack = synthesized.iceberg
    template = synthesized.template(stack)
    role = _ref(stack, stack.delivery.role.role_name)
    [policy] = [
        p for p in template.find_resources("AWS::IAM::Policy").values() if p["Properties"]["Roles"] == [role]
    ]
    statements = policy["Properties"]["PolicyDocument"]["Statement"]
    resources = [
        r for s in statements for r in (s["Resource"] if isinstance(s["Resource"], list) else [s["Resource"]])
    ]
    assert "*" not in resources
    text = str(resources)
    assert f"table/{DATABASE}/*" in text and f"database/{DATABASE}" in text
    for prefix in ("/iceberg/*", "/errors/*", "/firehose-errors/*"):
        assert prefix in text
    actions = {
        a for s in statements for a in (s["Action"] if isinstance(s["Action"], list) else [s["Action"]])
    }
    assert {"glue:UpdateTable", "lambda:InvokeFunction", "s3:PutObject", "logs:PutLogEvents"} <= actions
    assert not any(a.endswith("*") for a in actions)


def test_the_ingest_lambda_transforms_only_it_needs_no_store_or_bucket_access(
    synthesized: Synthesized,
) -> None:
    stack = synthesized.iceberg
    template = synthesized.template(stack)
    template.has_resource_properties(
        "AWS::Lambda::Function",
        {
            "Handler": "dendro.ingest_lambda.handler.handler",
            "Environment": {
                "Variables": Match.object_like({constants.STORE: "iceberg", constants.DATABASE: DATABASE})
            },
        },
    )
    role = _ref(stack, stack.ingest.function.role.role_name)
    policies = [
        p for p in template.find_resources("AWS::IAM::Policy").values() if role in p["Properties"]["Roles"]
    ]
    actions = {
        a
        for p in policies
        for st in p["Properties"]["PolicyDocument"]["Statement"]
        for a in (st["Action"] if isinstance(st["Action"], list) else [st["Action"]])
    }
    # Firehose writes the tables and the failed records itself (what remains is the unused async
    # on-failure queue that IngestFunction always declares).
    assert not [a for a in actions if a.split(":")[0] in ("s3", "glue", "timestream")]
    template.resource_count_is("Custom::S3BucketNotifications", 0)


def test_iceberg_delivery_alarms_replace_the_s3_ones(synthesized: Synthesized) -> None:
    stack = synthesized.iceberg
    assert set(stack.alerts.alarms) == {
        "Rule5xxRatioApache", "Rule5xxRatioNginx", "RuleSilentHost", "RuleDiskAbove90", "IngestErrors",
        "IngestThrottles", "DeliveryFailures", "DeliveryStale", "DeliveryThrottled", "RecordsDeadLettered",
        "TableMaintenanceFailed",
    }  # fmt: skip
    template = synthesized.template(stack)
    stream_name = _ref(stack, stack.delivery.stream.delivery_stream_name)
    # Failures are failed rows; DeliveryToIceberg.Success counts commits (an idle minute has none),
    # so it is no failure signal and no alarm watches it.
    template.has_resource_properties(
        "AWS::CloudWatch::Alarm",
        {
            "AlarmName": "DendroIceberg-DeliveryFailures",
            "Namespace": "AWS/Firehose",
            "MetricName": "DeliveryToIceberg.FailedRowCount",
            "Statistic": "Sum",
            "ComparisonOperator": "GreaterThanOrEqualToThreshold",
            "Threshold": 1,
            "Dimensions": [{"Name": "DeliveryStreamName", "Value": stream_name}],
        },
    )
    alarms = template.find_resources("AWS::CloudWatch::Alarm")
    names = [a["Properties"].get("MetricName", "") for a in alarms.values()]
    assert "DeliveryToIceberg.Success" not in names
    assert not [n for n in names if n.startswith("DeliveryToS3")]


def test_the_outputs_name_the_workgroup_and_the_glue_database(synthesized: Synthesized) -> None:
    stack = synthesized.iceberg
    template = synthesized.template(stack)
    template.has_output(OutputKey.STORE, {"Value": "iceberg"})
    template.has_output(OutputKey.DATABASE_NAME, {"Value": DATABASE})
    template.has_output(OutputKey.ATHENA_WORKGROUP, {"Value": "DendroIceberg"})
    template.has_resource_properties(
        "AWS::SSM::Parameter", {"Name": "/dendro/DendroIceberg/AthenaWorkGroup", "Value": "DendroIceberg"}
    )


def test_the_table_handler_is_bundled_and_may_touch_only_this_stacks_tables(synthesized: Synthesized) -> None:
    stack = synthesized.iceberg
    template = synthesized.template(stack)
    template.has_resource_properties(
        "AWS::Lambda::Function",
        {
            "Handler": "dendro.stack.schema_evolution.handler.on_event",
            "Runtime": "python3.14",
            "Timeout": 900,  # the daily maintenance (test_iceberg_maintenance.py)
        },
    )
    assets = list(synthesized.outdir.glob("asset.*/dendro/stack/schema_evolution/handler.py"))
    assert assets and (assets[0].parents[3] / "dendro" / "cloud_query" / "athena.py").exists()
    # The bundle imports with the standard library alone (-S: no site-packages, so no aws_cdk):
    # boto3, which the Lambda runtime provides, is imported only when the handler runs.
    root = str(assets[0].parents[3])
    check = f"import sys; sys.path.insert(0, {root!r}); import dendro.stack.schema_evolution.handler"
    subprocess.run([sys.executable, "-I", "-S", "-c", check], check=True, capture_output=True)


def test_nag_acknowledgments_for_the_iceberg_store_are_scoped_and_give_reasons(
    synthesized: Synthesized,
) -> None:
    from tests.stack.test_nag import _acknowledged

    acknowledged = _acknowledged(synthesized.iceberg)
    scoped = {path: rules for path, rules in acknowledged.items() if path.startswith("DendroIceberg/")}
    assert {"DendroIceberg/DeliveryStream/Role", "DendroIceberg/IcebergStore/Tables/Function"} <= set(scoped)
    reasons = [reason for rules in acknowledged.values() for reason in rules.values()]
    assert all(len(reason.split()) >= 8 and reason.rstrip().endswith(".") for reason in reasons), reasons
    # Nothing about Timestream needs acknowledging in a template that has none.
    assert not [rule for rules in acknowledged.values() for rule in rules if "TS3" in rule or "W3697" in rule]
