"""`IcebergTables`: one `Custom::IcebergTable` per enabled source, and the Lambda behind them.

The Lambda's code is this package plus `cloud_query` (standard library and boto3 only, which the
Python runtime provides), copied into the asset at synth: nothing to download, so it is always built.
"""

from __future__ import annotations

import hashlib
import shutil
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import jsii
from aws_cdk import BundlingOptions, CustomResource, Duration, ILocalBundling, RemovalPolicy
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import custom_resources as cr
from constructs import Construct

from dendro.stack.bundling import SOURCE_ROOT
from dendro.stack.schema_evolution.ddl import Column
from dendro.stack.schema_evolution.handler import HANDLER_TIMEOUT

# No compiled dependency pins this function's Python (unlike the ingest bundle): the latest runtime.
RUNTIME = lambda_.Runtime.PYTHON_3_14
RESOURCE_TYPE = "Custom::IcebergTable"
HANDLER = "dendro.stack.schema_evolution.handler.on_event"
# What the Lambda imports: paths below the folder that holds the `dendro` package, kept as they are.
FILES = (
    "dendro/__init__.py",
    "dendro/stack/__init__.py",
    "dendro/stack/schema_evolution/__init__.py",
    "dendro/stack/schema_evolution/ddl.py",
    "dendro/stack/schema_evolution/handler.py",
    "dendro/cloud_query/__init__.py",
    "dendro/cloud_query/athena.py",
)


def table_construct_id(type_id: str) -> str:
    """`nginx_access` -> `NginxAccessTable`: stable, so a source keeps its table across deploys."""
    return "".join(part.capitalize() for part in type_id.split("_")) + "Table"


def _asset_hash() -> str:
    digest = hashlib.sha256()
    for name in FILES:
        digest.update(name.encode())
        digest.update((SOURCE_ROOT / name).read_bytes())
    return digest.hexdigest()


@jsii.implements(ILocalBundling)
class _CopyFiles:
    def try_bundle(self, output_dir: str, *, image: Any = None, **_: Any) -> bool:
        for name in FILES:
            target = Path(output_dir) / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(SOURCE_ROOT / name, target)
        return True


def handler_code() -> lambda_.Code:
    return lambda_.Code.from_asset(
        str(SOURCE_ROOT / "dendro" / "stack" / "schema_evolution"),
        asset_hash=_asset_hash(),
        bundling=BundlingOptions(
            image=RUNTIME.bundling_image,
            local=_CopyFiles(),
            command=["bash", "-c", "echo local bundling only && exit 1"],
        ),
    )


class IcebergTables(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        database: str,
        workgroup: str,
        workgroup_arn: str,
        location: str,
        tables: Mapping[str, Sequence[Column]],
        glue_arns: Sequence[str],
        data_arns: Sequence[str],
        results_arn: str,
        bucket_arns: Sequence[str],
        removal: RemovalPolicy,
    ) -> None:
        super().__init__(scope, construct_id)
        self.log_group = logs.LogGroup(
            self, "Logs", retention=logs.RetentionDays.ONE_MONTH, removal_policy=RemovalPolicy.DESTROY
        )
        self.function = lambda_.Function(
            self,
            "Function",
            runtime=RUNTIME,
            architecture=lambda_.Architecture.ARM_64,
            handler=HANDLER,
            code=handler_code(),
            memory_size=256,
            # The daily maintenance's four phases (handler.PHASE_TIMEOUTS); DDL takes seconds.
            timeout=Duration.seconds(HANDLER_TIMEOUT),
            log_group=self.log_group,
            description="Creates the Dendro Iceberg tables, adds catalog columns, maintains them daily.",
        )
        # Athena runs the DDL with the caller's rights: Glue for the catalog entry, S3 for the Iceberg
        # metadata it writes under the table's location and for the (empty) DDL result.
        self.function.add_to_role_policy(
            iam.PolicyStatement(
                actions=[
                    "athena:StartQueryExecution",
                    "athena:GetQueryExecution",
                    "athena:StopQueryExecution",
                ],
                resources=[workgroup_arn],
            )
        )
        self.function.add_to_role_policy(
            iam.PolicyStatement(
                actions=[
                    "glue:GetDatabase",
                    "glue:GetTable",
                    "glue:CreateTable",
                    "glue:UpdateTable",
                    "glue:DeleteTable",
                ],  # fmt: skip
                resources=list(glue_arns),
            )
        )
        self.function.add_to_role_policy(
            iam.PolicyStatement(
                actions=["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload"],
                resources=[*data_arns, results_arn],
            )
        )
        self.function.add_to_role_policy(
            iam.PolicyStatement(
                actions=["s3:ListBucket", "s3:GetBucketLocation"], resources=list(bucket_arns)
            )
        )
        self.provider = cr.Provider(
            self,
            "Provider",
            on_event_handler=self.function,
            log_group=logs.LogGroup(
                self,
                "ProviderLogs",
                retention=logs.RetentionDays.ONE_MONTH,
                removal_policy=RemovalPolicy.DESTROY,
            ),
        )
        self.tables: dict[str, CustomResource] = {}
        for table, columns in tables.items():
            self.tables[table] = CustomResource(
                self,
                table_construct_id(table),
                service_token=self.provider.service_token,
                resource_type=RESOURCE_TYPE,
                removal_policy=removal,
                properties={
                    "Database": database,
                    "Table": table,
                    "Location": f"{location}{table}/",
                    "WorkGroup": workgroup,
                    "Columns": [[name, kind] for name, kind in columns],
                },
            )
