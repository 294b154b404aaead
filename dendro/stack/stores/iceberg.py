"""The `iceberg` store (the default): a Glue database, one Apache Iceberg table per enabled source on
the pipeline's bucket, an Athena workgroup to query them, and the Firehose stream that writes to them
with the ingest Lambda as its transformation function (`iceberg_delivery.py`; aws-notes §3, §4).

The tables are custom resources (dendro/stack/schema_evolution): CloudFormation's own Glue table
breaks Iceberg tables on update, and adding a catalog field must evolve a table, not break it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, ClassVar

from aws_cdk import Duration, RemovalPolicy, Size, Stack
from aws_cdk import aws_athena as athena
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_glue as glue
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from dendro.catalog.model import FieldType, Source
from dendro.ingest_lambda import constants as env
from dendro.stack.names import ATHENA_RESULTS_PREFIX, ICEBERG_PREFIX, OutputKey, glue_database_name
from dendro.stack.schema_evolution.ddl import EVENT_ID_COLUMN, MAINTENANCE_EVENT, Column
from dendro.stack.schema_evolution.tables import IcebergTables
from dendro.stack.stores.base import Delivery, StoreProps

if TYPE_CHECKING:
    from dendro.stack.stores.iceberg_delivery import IcebergDeliveryStream

# Catalog type -> the type in Athena's Iceberg DDL. Timestamps are Iceberg `timestamp` (no zone, the
# only one Athena DDL creates) holding UTC; the ingest Lambda sends them as epoch microseconds, the
# unit Firehose requires (aws-notes §3).
ICEBERG_TYPES: Mapping[FieldType, str] = {
    FieldType.STRING: "string",
    FieldType.INT: "bigint",
    FieldType.FLOAT: "double",
    FieldType.BOOL: "boolean",
    FieldType.TIMESTAMP: "timestamp",
}
ATHENA_ENGINE = "Athena engine version 3"


def table_columns(source: Source) -> tuple[Column, ...]:
    """The catalog's columns, then the record hash the `_unique` views de-duplicate on."""
    return (*((f.name, ICEBERG_TYPES[f.type]) for f in source.columns), (EVENT_ID_COLUMN, "string"))


class IcebergStore(Construct):
    kind: ClassVar[str] = "iceberg"
    construct_id: ClassVar[str] = "IcebergStore"
    delivery: ClassVar[Delivery] = Delivery.FIREHOSE_TRANSFORM

    def __init__(self, scope: Construct, construct_id: str, *, props: StoreProps) -> None:
        super().__init__(scope, construct_id)
        stack = Stack.of(self)
        bucket = props.bucket
        self.bucket = bucket
        removal = RemovalPolicy.RETAIN if props.keep_data else RemovalPolicy.DESTROY
        self._database_name = glue_database_name(props.database_name)
        self.location = f"s3://{bucket.bucket_name}/{ICEBERG_PREFIX}"

        # A database kept by an earlier stack (--keep-data) is used as it is: creating it again would
        # fail on its name. Its tables adopt themselves (CREATE TABLE IF NOT EXISTS, then new columns).
        self.database: glue.CfnDatabase | None = None
        if not props.adopt_database:
            self.database = glue.CfnDatabase(
                self,
                "Database",
                catalog_id=stack.account,
                database_input=glue.CfnDatabase.DatabaseInputProperty(
                    name=self._database_name,
                    description=f"Dendro pipeline {stack.stack_name}: one Iceberg table per source type",
                    location_uri=self.location,
                ),
            )
            self.database.apply_removal_policy(removal)
        # Kept tables keep their files in the kept bucket: every role that touches table files gets it.
        self.data_arns = [bucket.arn_for_objects(f"{ICEBERG_PREFIX}*")]
        self.bucket_arns = [bucket.bucket_arn]
        if props.kept_bucket:
            kept = stack.format_arn(service="s3", region="", account="", resource=props.kept_bucket)
            self.bucket_arns.append(kept)
            self.data_arns.append(f"{kept}/{ICEBERG_PREFIX}*")
        self.kept_bucket = props.kept_bucket

        bucket.add_lifecycle_rule(
            id="ExpireQueryResults", prefix=ATHENA_RESULTS_PREFIX, expiration=props.athena_results_expiry
        )
        self.workgroup_name = stack.stack_name
        self.workgroup = athena.CfnWorkGroup(
            self,
            "WorkGroup",
            name=self.workgroup_name,
            description=f"Dendro pipeline {stack.stack_name}: dashboard and `dendro query` over Iceberg",
            state="ENABLED",
            # Teardown deletes the workgroup with its query history (aws-notes §4).
            recursive_delete_option=True,
            work_group_configuration=athena.CfnWorkGroup.WorkGroupConfigurationProperty(
                # The workgroup's settings win over a client's, so results always land encrypted here.
                enforce_work_group_configuration=True,
                engine_version=athena.CfnWorkGroup.EngineVersionProperty(
                    selected_engine_version=ATHENA_ENGINE
                ),
                bytes_scanned_cutoff_per_query=props.athena_scan_limit_bytes,
                publish_cloud_watch_metrics_enabled=True,
                result_configuration=athena.CfnWorkGroup.ResultConfigurationProperty(
                    output_location=f"s3://{bucket.bucket_name}/{ATHENA_RESULTS_PREFIX}",
                    encryption_configuration=athena.CfnWorkGroup.EncryptionConfigurationProperty(
                        encryption_option="SSE_S3"
                    ),
                ),
            ),
        )
        self.workgroup_arn = stack.format_arn(
            service="athena", resource="workgroup", resource_name=self.workgroup_name
        )

        self.columns = {s.type: table_columns(s) for s in props.sources}
        self.tables = IcebergTables(
            self,
            "Tables",
            database=self._database_name,
            workgroup=self.workgroup_name,
            workgroup_arn=self.workgroup_arn,
            location=self.location,
            tables=self.columns,
            glue_arns=self.glue_arns(),
            data_arns=self.data_arns,
            results_arn=bucket.arn_for_objects(f"{ATHENA_RESULTS_PREFIX}*"),
            bucket_arns=self.bucket_arns,
            removal=removal,
        )
        for table in self.tables.tables.values():
            table.node.add_dependency(*(d for d in (self.database, self.workgroup) if d is not None))
        retained = {t: d for t, d in props.retention_days.items() if t in self.columns}
        # Once a day the table handler maintains every table with Athena (handler.maintain): the
        # retention DELETE of sources with retention_days, OPTIMIZE of yesterday's small files, VACUUM
        # (snapshot expiry, orphan files). In place of Glue's table optimizers, which bill each run a
        # DPU-minute at least and run retention and orphan deletion daily on every table, data or not
        # (`dendro cost` prices both).
        events.Rule(
            self,
            "Maintenance",
            description="Daily maintenance of the Dendro Iceberg tables: retention, compaction, vacuum",
            schedule=events.Schedule.cron(minute="17", hour="3"),
            targets=[
                targets.LambdaFunction(
                    self.tables.function,
                    event=events.RuleTargetInput.from_object(
                        {
                            MAINTENANCE_EVENT: {
                                "Database": self._database_name,
                                "WorkGroup": self.workgroup_name,
                                "Tables": sorted(self.columns),
                                "RetentionDays": retained,
                            }
                        }
                    ),
                    retry_attempts=2,
                )
            ],
        )

    @property
    def database_name(self) -> str:
        return self._database_name

    @property
    def table_names(self) -> Mapping[str, str]:
        return {type_id: type_id for type_id in self.columns}

    def ingest_environment(self) -> Mapping[str, str]:
        return {env.STORE: self.kind, env.DATABASE: self._database_name}

    def grant_write(self, grantee: iam.IGrantable) -> None:
        """Nothing: the Lambda only transforms; Firehose writes the tables with its own role."""

    def outputs(self) -> Mapping[str, str]:
        return {OutputKey.ATHENA_WORKGROUP: self.workgroup_name}

    def glue_arns(self) -> list[str]:
        stack = Stack.of(self)
        return [
            stack.format_arn(service="glue", resource="catalog"),
            stack.format_arn(service="glue", resource="database", resource_name=self._database_name),
            stack.format_arn(service="glue", resource="table", resource_name=f"{self._database_name}/*"),
        ]

    def delivery_stream(
        self,
        scope: Construct,
        construct_id: str,
        *,
        function: lambda_.IFunction,
        buffer_interval: Duration,
        buffer_size: Size,
        commit_interval: Duration | None = None,
    ) -> IcebergDeliveryStream:
        from dendro.stack.stores.iceberg_delivery import IcebergDeliveryStream

        stream = IcebergDeliveryStream(
            scope,
            construct_id,
            store=self,
            function=function,
            buffer_interval=buffer_interval,
            buffer_size=buffer_size,
            commit_interval=commit_interval,
        )
        # Firehose checks its destination tables when the stream is created.
        stream.node.add_dependency(self.tables)
        return stream
