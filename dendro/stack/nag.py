"""Acknowledged findings of cdk-nag's AwsSolutions pack and of CDK's built-in template validation,
each with the reason it is accepted. Kept in one place so that a reviewer reads them all at once.

IDs are spelled as the validation report prints them ("Acknowledge with '...'"): the plugin name,
`::`, then the rule, with the finding in brackets for rules that report several per resource.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from aws_cdk import Acknowledgment, Validations
from constructs import IConstruct

from dendro.stack.names import (
    ATHENA_RESULTS_PREFIX,
    ERRORS_PREFIX,
    FIREHOSE_ERRORS_PREFIX,
    ICEBERG_PREFIX,
    STAGING_PREFIX,
    parameter_path,
)
from dendro.stack.stores.base import Delivery
from dendro.stack.stores.iceberg import IcebergStore

if TYPE_CHECKING:
    from dendro.stack.stack import DendroStack

NAG = "AwsSolutions::AwsSolutions-"
CFN = "CloudFormation-Validate::"
BASIC_EXECUTION = "Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"


def acknowledge(scope: IConstruct, rule: str, reason: str) -> None:
    Validations.of(scope).acknowledge(Acknowledgment(id=rule, reason=reason))


def acknowledge_findings(stack: DendroStack) -> None:
    bucket = stack.staging.bucket
    bucket_arn = stack.resolve(bucket.bucket_arn)["Fn::GetAtt"][0]
    acknowledge(
        bucket,
        f"{NAG}S1",
        "Objects are written only by Firehose and the ingest Lambda and expire within days; CloudTrail "
        "data events are the audit trail where one is required, and an access-log bucket would double "
        "what teardown must empty.",
    )
    acknowledge(
        stack,
        f"{NAG}IAM4[{BASIC_EXECUTION}]",
        "AWSLambdaBasicExecutionRole grants only CloudWatch Logs writes, which every Lambda here (ingest, "
        "and CDK's bucket-notification or custom-resource handlers) needs; it is AWS's documented minimum.",
    )

    function = stack.ingest.function
    if stack.store.delivery is Delivery.STAGED_OBJECTS:
        _staged_delivery(stack, bucket_arn)
    else:
        _iceberg(stack, bucket_arn)
    acknowledge(
        function,
        f"{NAG}L1",
        "Python 3.13 is pinned with the bundle: orjson's aarch64 wheel is fetched for exactly this "
        "version, so the runtime moves only together with bundling.LAMBDA_PYTHON.",
    )
    acknowledge(
        stack.ingest.dead_letter_queue,
        f"{NAG}SQS3",
        "This queue is the ingest Lambda's on-failure destination: it is the dead-letter queue.",
    )

    store = stack.store
    if store.kind == "timestream":
        acknowledge(
            store,  # type: ignore[arg-type]
            f"{NAG}TS3",
            "Timestream encrypts at rest with an AWS-owned key by default; a customer key adds cost and "
            "key-policy upkeep that a small team's log data does not need.",
        )
        acknowledge(
            store,  # type: ignore[arg-type]
            f"{CFN}W3697",
            "Timestream for LiveAnalytics is closed to new accounts only; this store is for accounts "
            "that have it (the iceberg store is the default for new ones).",
        )
    if stack.agent_access.discovery_policy is not None:
        arn = "arn:<AWS::Partition>:ssm:<AWS::Region>:<AWS::AccountId>:parameter"
        path = f"{arn}{parameter_path(stack.stack_name)}*"
        acknowledge(
            stack.agent_access.discovery_policy,
            f"{NAG}IAM5[Resource::{path}]",
            "Servers read every parameter this stack publishes, and only those: the path is the stack's.",
        )
    acknowledge(
        stack,
        f"{CFN}W7001",
        "The Firehose L2 adds a mapping of its service CIDR blocks that only VPC destinations use.",
    )


def _staged_delivery(stack: DendroStack, bucket_arn: str) -> None:
    firehose_role = stack.delivery.role
    for prefix in (STAGING_PREFIX, FIREHOSE_ERRORS_PREFIX):
        acknowledge(
            firehose_role,
            f"{NAG}IAM5[Resource::<{bucket_arn}.Arn>/{prefix}*]",
            "Firehose writes objects under a time-based name it computes below this one prefix.",
        )
    function = stack.ingest.function
    acknowledge(
        function,
        f"{NAG}IAM5[Resource::<{bucket_arn}.Arn>/{STAGING_PREFIX}*]",
        "The Lambda reads whichever staged object the S3 event names; scoped to the staging prefix.",
    )
    acknowledge(
        function,
        f"{NAG}IAM5[Resource::<{bucket_arn}.Arn>/{ERRORS_PREFIX}*]",
        "The Lambda writes one dead-letter object per staged object; scoped to the errors prefix.",
    )
    acknowledge(
        function,
        f"{NAG}IAM5[Resource::*]",
        "timestream:DescribeEndpoints takes no resource ARN; WriteRecords is scoped to the stack's tables.",
    )


def _iceberg(stack: DendroStack, bucket_arn: str) -> None:
    store = stack.store
    assert isinstance(store, IcebergStore)
    tables = f"arn:<AWS::Partition>:glue:<AWS::Region>:<AWS::AccountId>:table/{store.database_name}/*"
    objects = f"<{bucket_arn}.Arn>/"
    firehose_policy = stack.delivery.node.find_child("Role")
    acknowledge(
        firehose_policy,
        f"{NAG}IAM5[Resource::{tables}]",
        "Firehose routes each record to the table its metadata names; the wildcard covers only this "
        "stack's database, as Firehose's Iceberg documentation prescribes.",
    )
    for prefix, why in (
        (ICEBERG_PREFIX, "writes Parquet data and Iceberg metadata files under the tables' location"),
        (ERRORS_PREFIX, "writes the records the transform marked ProcessingFailed under the errors prefix"),
        (FIREHOSE_ERRORS_PREFIX, "writes the rows it could not deliver under the firehose-errors prefix"),
    ):
        acknowledge(
            firehose_policy,
            f"{NAG}IAM5[Resource::{objects}{prefix}*]",
            f"Firehose {why}, with object names it generates; scoped to that prefix.",
        )
    tables_function = store.tables.function
    acknowledge(
        tables_function,
        f"{NAG}IAM5[Resource::{tables}]",
        "The table handler creates, evolves and deletes the tables of this stack's database only.",
    )
    acknowledge(
        tables_function,
        f"{NAG}IAM5[Resource::{objects}{ICEBERG_PREFIX}*]",
        "Athena DDL writes each new table's Iceberg metadata, and the daily OPTIMIZE and VACUUM rewrite "
        "and remove files, under the tables' location with the caller's rights.",
    )
    acknowledge(
        tables_function,
        f"{NAG}IAM5[Resource::{objects}{ATHENA_RESULTS_PREFIX}*]",
        "Athena writes each DDL statement's (empty) result file under the workgroup's results prefix.",
    )
    function_arn = stack.resolve(tables_function.function_arn)["Fn::GetAtt"][0]
    acknowledge(
        store.tables.provider,
        f"{NAG}IAM5[Resource::<{function_arn}.Arn>:*]",
        "CDK's custom-resource framework may invoke every version of the table handler, and nothing else.",
    )
