"""The `timestream` store: one Timestream for LiveAnalytics database, one table per enabled source.

Timestream is closed to new AWS accounts since 2025-06-20 (aws-notes §1); it stays for accounts that
already have it, as the original Dendro used it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from aws_cdk import RemovalPolicy, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_timestream as timestream
from constructs import Construct

from dendro.ingest_lambda import constants as env
from dendro.stack.names import REJECTED_PREFIX
from dendro.stack.stores.base import Delivery, StoreProps


def table_construct_id(type_id: str) -> str:
    """`nginx_access` -> `NginxAccessTable`: stable, so a source keeps its table across deploys."""
    return "".join(part.capitalize() for part in type_id.split("_")) + "Table"


class TimestreamStore(Construct):
    kind: ClassVar[str] = "timestream"
    construct_id: ClassVar[str] = "TimestreamStore"
    delivery: ClassVar[Delivery] = Delivery.STAGED_OBJECTS

    def __init__(self, scope: Construct, construct_id: str, *, props: StoreProps) -> None:
        super().__init__(scope, construct_id)
        removal = RemovalPolicy.RETAIN if props.keep_data else RemovalPolicy.DESTROY
        stack = Stack.of(self)
        # A database and tables kept by an earlier stack (--keep-data) are used as they are: creating
        # them again would fail on their names. Adopted tables keep the settings they had.
        self.database: timestream.CfnDatabase | None = None
        if not props.adopt_database:
            self.database = timestream.CfnDatabase(self, "Database", database_name=props.database_name)
            self.database.apply_removal_policy(removal)
        self.tables: dict[str, timestream.CfnTable] = {}
        self.table_arns: dict[str, str] = {}
        for source in props.sources:
            if source.type in props.adopt_tables:
                self.table_arns[source.type] = stack.format_arn(
                    service="timestream",
                    resource="database",
                    resource_name=f"{props.database_name}/table/{source.type}",
                )
                continue
            table = timestream.CfnTable(
                self,
                table_construct_id(source.type),
                database_name=self.database.ref if self.database else props.database_name,
                table_name=source.type,
                # Retention values are strings in CloudFormation (aws-notes §1).
                retention_properties={
                    "MemoryStoreRetentionPeriodInHours": str(int(props.memory_retention.to_hours())),
                    "MagneticStoreRetentionPeriodInDays": str(
                        props.retention_days.get(source.type, int(props.magnetic_retention.to_days()))
                    ),
                },
                # Agents buffer for hours during an outage; without magnetic writes every event older
                # than the memory retention would be rejected on arrival. This property is untyped in
                # the L1 (JSON), so its keys are CloudFormation's own spelling.
                magnetic_store_write_properties={
                    "EnableMagneticStoreWrites": True,
                    "MagneticStoreRejectedDataLocation": {
                        "S3Configuration": {
                            "BucketName": props.bucket.bucket_name,
                            "ObjectKeyPrefix": f"{REJECTED_PREFIX}{source.type}/",
                            "EncryptionOption": "SSE_S3",
                        }
                    },
                },
                # Dashboards filter and group by host: partitioning by it keeps those queries narrow.
                # Name, type and order are immutable once created (aws-notes §1).
                schema=timestream.CfnTable.SchemaProperty(
                    composite_partition_key=[
                        timestream.CfnTable.PartitionKeyProperty(
                            type="DIMENSION", name="host", enforcement_in_record="REQUIRED"
                        )
                    ]
                ),
            )
            table.apply_removal_policy(removal)
            self.tables[source.type] = table
            self.table_arns[source.type] = table.attr_arn
        self._database_name = props.database_name

    @property
    def database_name(self) -> str:
        return self._database_name

    @property
    def table_names(self) -> Mapping[str, str]:
        return {type_id: type_id for type_id in self.table_arns}

    def ingest_environment(self) -> Mapping[str, str]:
        return {env.STORE: self.kind, env.DATABASE: self._database_name}

    def grant_write(self, grantee: iam.IGrantable) -> None:
        iam.Grant.add_to_principal(
            grantee=grantee,
            actions=["timestream:WriteRecords"],
            resource_arns=list(self.table_arns.values()),
        )
        # The SDK discovers the ingest endpoint first; DescribeEndpoints takes no resource (aws-notes §1).
        iam.Grant.add_to_principal(
            grantee=grantee, actions=["timestream:DescribeEndpoints"], resource_arns=["*"]
        )
