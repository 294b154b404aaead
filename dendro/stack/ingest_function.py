"""The ingest Lambda (Python 3.13 on arm64, orjson), with its log group and its dead-letter queue."""

from __future__ import annotations

from collections.abc import Mapping

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_destinations as destinations
from aws_cdk import aws_logs as logs
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from dendro.stack.bundling import LAMBDA_RUNTIME

HANDLER = "dendro.ingest_lambda.handler.handler"


class IngestFunction(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        code: lambda_.Code,
        environment: Mapping[str, str],
    ) -> None:
        super().__init__(scope, construct_id)
        # Events that failed every retry land here (S3 notification, object key, error), so that
        # nothing is lost silently; the DLQ alarm says when it is not empty.
        self.dead_letter_queue = sqs.Queue(
            self,
            "DeadLetterQueue",
            encryption=sqs.QueueEncryption.SQS_MANAGED,
            enforce_ssl=True,
            retention_period=Duration.days(14),
        )
        # The EMF metrics are log lines, so this group is also where the pipeline's metrics come from.
        self.log_group = logs.LogGroup(
            self, "Logs", retention=logs.RetentionDays.ONE_MONTH, removal_policy=RemovalPolicy.DESTROY
        )
        self.function = lambda_.Function(
            self,
            "Function",
            runtime=LAMBDA_RUNTIME,
            architecture=lambda_.Architecture.ARM_64,
            handler=HANDLER,
            code=code,
            environment=dict(environment),
            # A 1 MiB gzip object holds ~10 MiB of JSON; more memory also buys the CPU that decoding
            # and the parallel WriteRecords threads use.
            memory_size=1024,
            timeout=Duration.minutes(5),
            log_group=self.log_group,
            # S3 events are asynchronous: two retries over at most six hours, then the DLQ. The
            # handler is idempotent (deterministic rows), so a retry never duplicates data.
            retry_attempts=2,
            max_event_age=Duration.hours(6),
            on_failure=destinations.SqsDestination(self.dead_letter_queue),
        )
