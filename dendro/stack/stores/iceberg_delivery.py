"""The iceberg store's Firehose stream: DirectPut -> the ingest Lambda as transformation function (it
validates, normalizes and names each record's table) -> the Iceberg tables; what fails goes to S3."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aws_cdk import Duration, RemovalPolicy, Size, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kinesisfirehose as firehose
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from constructs import Construct

from dendro.stack.firehose_role import firehose_principal, grant_s3_destination
from dendro.stack.names import ERRORS_PREFIX, FIREHOSE_ERRORS_PREFIX

if TYPE_CHECKING:
    from dendro.stack.stores.iceberg import IcebergStore


class IcebergDeliveryStream(Construct):
    """DirectPut -> ingest Lambda (transform and route) -> the Iceberg tables; failures to S3."""

    # The Lambda gets at most this many MB of records (0.2 to 3). Its response must stay under 6 MB,
    # and each output record carries ~300 bytes of id and routing metadata: at 0.5 MB, even a batch
    # of the smallest valid events (~70 bytes each, ~7,000 of them) answers in ~3 MB. The transform
    # still measures every response (ingest_lambda/firehose_transform.py).
    LAMBDA_BUFFER_MB = "0.5"
    # Each flush commits a file per table: at a minute, 1,440 small files and commits a day per table,
    # most of the S3 request bill. Five minutes (and 128 MB, Firehose's largest buffer) cut that by
    # five; the ingest Lambda, and so the EMF metrics the alarms watch, still run every
    # `buffer_interval` (the processor's own buffer). Dashboards over Athena refresh at this pace.
    DEFAULT_COMMIT_SECONDS = 300
    DEFAULT_COMMIT_MIB = 128

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        store: IcebergStore,
        function: lambda_.IFunction,
        buffer_interval: Duration,
        buffer_size: Size,
        commit_interval: Duration | None = None,
        commit_size: Size | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        commit_interval = commit_interval or Duration.seconds(self.DEFAULT_COMMIT_SECONDS)
        commit_size = commit_size or Size.mebibytes(self.DEFAULT_COMMIT_MIB)
        stack = Stack.of(self)
        bucket: s3.IBucket = store.bucket
        self.log_group = logs.LogGroup(
            self, "DeliveryLogs", retention=logs.RetentionDays.ONE_MONTH, removal_policy=RemovalPolicy.DESTROY
        )
        log_stream = logs.LogStream(
            self, "DestinationErrors", log_group=self.log_group, removal_policy=RemovalPolicy.DESTROY
        )
        self.role = iam.Role(
            self,
            "Role",
            assumed_by=firehose_principal(self),
            description="Lets the Dendro delivery stream call the ingest Lambda and write the Iceberg "
            "tables.",
        )
        # The IAM Firehose documents for an Iceberg destination (aws-notes §3), scoped to this stack's
        # database, bucket prefixes, function and log group.
        self.role.add_to_policy(
            iam.PolicyStatement(
                actions=["glue:GetTable", "glue:GetDatabase", "glue:UpdateTable"], resources=store.glue_arns()
            )
        )
        # Delete only where Iceberg data lives (Firehose removes the files of a failed commit); the
        # error prefixes are written, never deleted from.
        self.role.add_to_policy(
            iam.PolicyStatement(
                actions=["s3:AbortMultipartUpload", "s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
                resources=store.data_arns,
            )
        )
        grant_s3_destination(
            self.role,
            objects=[bucket.arn_for_objects(f"{p}*") for p in (ERRORS_PREFIX, FIREHOSE_ERRORS_PREFIX)],
            buckets=store.bucket_arns,
        )
        self.role.add_to_policy(
            iam.PolicyStatement(
                actions=["lambda:InvokeFunction", "lambda:GetFunctionConfiguration"],
                resources=[function.function_arn],
            )
        )
        self.role.add_to_policy(
            iam.PolicyStatement(actions=["logs:PutLogEvents"], resources=[self.log_group.log_group_arn])
        )
        logging = firehose.CfnDeliveryStream.CloudWatchLoggingOptionsProperty(
            enabled=True,
            log_group_name=self.log_group.log_group_name,
            log_stream_name=log_stream.log_stream_name,
        )
        buffering = firehose.CfnDeliveryStream.BufferingHintsProperty(
            interval_in_seconds=int(commit_interval.to_seconds()),
            size_in_m_bs=int(commit_size.to_mebibytes()),
        )
        parameter = firehose.CfnDeliveryStream.ProcessorParameterProperty
        self.cfn = firehose.CfnDeliveryStream(
            self,
            "Stream",
            delivery_stream_type="DirectPut",
            delivery_stream_encryption_configuration_input=(
                firehose.CfnDeliveryStream.DeliveryStreamEncryptionConfigurationInputProperty(
                    key_type="AWS_OWNED_CMK"
                )
            ),
            iceberg_destination_configuration=firehose.CfnDeliveryStream.IcebergDestinationConfigurationProperty(
                role_arn=self.role.role_arn,
                catalog_configuration=firehose.CfnDeliveryStream.CatalogConfigurationProperty(
                    catalog_arn=stack.format_arn(service="glue", resource="catalog"),
                    warehouse_location=store.location,
                ),
                # Insert only: Firehose then scales throughput by itself (aws-notes §3).
                append_only=True,
                buffering_hints=buffering,
                cloud_watch_logging_options=logging,
                destination_table_configuration_list=[
                    firehose.CfnDeliveryStream.DestinationTableConfigurationProperty(
                        destination_database_name=store.database_name,
                        destination_table_name=table,
                        s3_error_output_prefix=f"{FIREHOSE_ERRORS_PREFIX}{table}/",
                    )
                    for table in store.table_names.values()
                ],
                processing_configuration=firehose.CfnDeliveryStream.ProcessingConfigurationProperty(
                    enabled=True,
                    processors=[
                        firehose.CfnDeliveryStream.ProcessorProperty(
                            type="Lambda",
                            parameters=[
                                parameter(parameter_name="LambdaArn", parameter_value=function.function_arn),
                                parameter(
                                    parameter_name="BufferSizeInMBs", parameter_value=self.LAMBDA_BUFFER_MB
                                ),
                                parameter(
                                    parameter_name="BufferIntervalInSeconds",
                                    parameter_value=str(int(buffer_interval.to_seconds())),
                                ),
                                parameter(parameter_name="NumberOfRetries", parameter_value="3"),
                            ],
                        )
                    ],
                ),
                # Records the transform marks ProcessingFailed land under the dead-letter prefix
                # (errors/processing-failed/...), beside the timestream store's dead letters.
                s3_backup_mode="FailedDataOnly",
                s3_configuration=firehose.CfnDeliveryStream.S3DestinationConfigurationProperty(
                    bucket_arn=bucket.bucket_arn,
                    role_arn=self.role.role_arn,
                    error_output_prefix=f"{ERRORS_PREFIX}!{{firehose:error-output-type}}/!{{timestamp:yyyy/MM/dd}}/",
                    prefix=f"{FIREHOSE_ERRORS_PREFIX}backup/",
                    compression_format="GZIP",
                    buffering_hints=firehose.CfnDeliveryStream.BufferingHintsProperty(
                        interval_in_seconds=300, size_in_m_bs=5
                    ),
                    cloud_watch_logging_options=logging,
                ),
            ),
        )
        # The role's policy must exist before Firehose validates its access at creation.
        self.cfn.node.add_dependency(self.role)
        self.stream = firehose.DeliveryStream.from_delivery_stream_attributes(
            self,
            "Imported",
            delivery_stream_arn=self.cfn.attr_arn,
            delivery_stream_name=self.cfn.ref,
        )
