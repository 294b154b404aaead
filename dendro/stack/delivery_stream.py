"""The Firehose DirectPut stream the agents write to, delivering to the staging prefix of the bucket."""

from __future__ import annotations

from aws_cdk import Duration, RemovalPolicy, Size
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kinesisfirehose as firehose
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from constructs import Construct

from dendro.stack.firehose_role import firehose_principal, grant_s3_destination
from dendro.stack.names import FIREHOSE_ERRORS_PREFIX, STAGING_PREFIX


class DeliveryStream(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        bucket: s3.IBucket,
        buffer_interval: Duration,
        buffer_size: Size,
    ) -> None:
        super().__init__(scope, construct_id)
        # Delivery errors only (Firehose logs nothing else); kept a month for post-mortems.
        self.log_group = logs.LogGroup(
            self, "DeliveryLogs", retention=logs.RetentionDays.ONE_MONTH, removal_policy=RemovalPolicy.DESTROY
        )
        # Our own role with the S3 destination's documented actions on the two prefixes Firehose writes.
        # Handed to the L2 as immutable: its default grant (s3:Abort*, DeleteObject*, GetBucket*, List*
        # on the whole bucket) is then not added.
        self.role = iam.Role(
            self,
            "Role",
            assumed_by=firehose_principal(self),
            description="Lets the Dendro delivery stream write staged objects to the pipeline's bucket.",
        )
        grant_s3_destination(
            self.role,
            objects=[bucket.arn_for_objects(f"{p}*") for p in (STAGING_PREFIX, FIREHOSE_ERRORS_PREFIX)],
            buckets=[bucket.bucket_arn],
        )
        self.role.add_to_policy(
            iam.PolicyStatement(
                actions=["logs:CreateLogStream", "logs:PutLogEvents"],
                resources=[self.log_group.log_group_arn],
            )
        )
        destination = firehose.S3Bucket(
            bucket,
            data_output_prefix=f"{STAGING_PREFIX}!{{timestamp:yyyy/MM/dd/HH}}/",
            # With expressions in the prefix Firehose needs an error prefix that names the error type.
            error_output_prefix=f"{FIREHOSE_ERRORS_PREFIX}!{{firehose:error-output-type}}/!{{timestamp:yyyy/MM/dd}}/",
            buffering_interval=buffer_interval,
            buffering_size=buffer_size,
            compression=firehose.Compression.GZIP,
            # Firehose puts no delimiter between records (aws-notes §2); a newline after each keeps
            # staged objects NDJSON even when an agent sends one JSON object per record.
            processors=[firehose.AppendDelimiterToRecordProcessor()],
            logging_config=firehose.EnableLogging(self.log_group),
            role=self.role.without_policy_updates(),
        )
        self.stream = firehose.DeliveryStream(
            self,
            "Stream",
            destination=destination,
            encryption=firehose.StreamEncryption.aws_owned_key(),
        )
        # Firehose checks its access when the stream is created: the policy must exist by then.
        self.stream.node.add_dependency(self.role)
