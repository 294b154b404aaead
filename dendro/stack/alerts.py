"""Alerts by email: an encrypted SNS topic and the CloudWatch alarms that publish to it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as actions
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from dendro.ingest_lambda.emf import HEARTBEAT, HTTP_5XX, RECORDS_REJECTED, REQUESTS

PERIOD = Duration.minutes(5)
AT_LEAST = cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD


@dataclass(frozen=True, kw_only=True)
class AlertThresholds:
    error_rate_percent: float
    error_rate_min_requests: int
    heartbeat_minutes: int


def _pascal(name: str) -> str:
    return "".join(part.capitalize() for part in name.replace("-", "_").split("_"))


class Alerts(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        emails: Sequence[str],
        function: lambda_.IFunction,
        dead_letter_queue: sqs.IQueue | None,
        delivery_stream_name: str,
        delivery_destination: str = "S3",
        metrics_namespace: str,
        services: Sequence[str],
        thresholds: AlertThresholds,
    ) -> None:
        super().__init__(scope, construct_id)
        # CloudWatch can only publish to an encrypted topic whose key lets it: the AWS-managed SNS key
        # does not, hence a customer-managed key with CloudWatch in its policy.
        self.key = kms.Key(
            self,
            "TopicKey",
            description="Encrypts the Dendro alert topic",
            enable_key_rotation=True,
            removal_policy=RemovalPolicy.DESTROY,
            pending_window=Duration.days(7),
        )
        self.key.grant(
            iam.ServicePrincipal("cloudwatch.amazonaws.com"), "kms:Decrypt", "kms:GenerateDataKey*"
        )
        self.topic = sns.Topic(
            self, "Topic", display_name="Dendro alerts", master_key=self.key, enforce_ssl=True
        )
        for email in emails:
            # Each recipient must confirm the subscription from the email AWS sends (aws-notes §7).
            self.topic.add_subscription(subscriptions.EmailSubscription(email))
        self._action = actions.SnsAction(self.topic)
        self._namespace = metrics_namespace
        self.alarms: dict[str, Construct] = {}

        for service in services:
            self._error_rate(service, thresholds)
        self._heartbeat(thresholds.heartbeat_minutes)
        staged = delivery_destination == "S3"
        self._add(
            "IngestErrors",
            function.metric_errors(period=PERIOD, statistic="Sum"),
            "The ingest Lambda failed; S3 retries it twice, then the event goes to the dead-letter queue."
            if staged
            else "The ingest Lambda failed; Firehose retries it, then writes the batch to "
            "errors/processing-failed/.",
        )
        self._add(
            "IngestThrottles",
            function.metric_throttles(period=PERIOD, statistic="Sum"),
            "The ingest Lambda was throttled: raise the account's Lambda concurrency.",
        )
        if dead_letter_queue is not None:
            self._add(
                "DeadLetterQueueNotEmpty",
                dead_letter_queue.metric_approximate_number_of_messages_visible(
                    period=PERIOD, statistic="Maximum"
                ),
                "S3 events that failed every retry are waiting in the dead-letter queue.",
            )

        def firehose_metric(name: str, statistic: str) -> cloudwatch.Metric:
            return cloudwatch.Metric(
                namespace="AWS/Firehose",
                metric_name=name,
                dimensions_map={"DeliveryStreamName": delivery_stream_name},
                period=PERIOD,
                statistic=statistic,
            )

        # DeliveryToS3.Success / DeliveryToIceberg.Success: the share of successful deliveries (S3) or
        # commits (Iceberg) in the period; below 1 means some failed (aws-notes §3, §7).
        where = "the staging bucket" if staged else "the Iceberg tables"
        self._add(
            "DeliveryFailures",
            firehose_metric(f"DeliveryTo{delivery_destination}.Success", "Minimum"),
            f"Firehose failed to deliver to {where}; see the stream's delivery error logs.",
            comparison=cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
            threshold=1,
        )
        if not staged:
            self._add(
                "DeliveryFailedRows",
                firehose_metric("DeliveryToIceberg.FailedRowCount", "Sum"),
                "Firehose could not write some rows to the Iceberg tables; they are under firehose-errors/.",
            )
        self._insights(
            "RecordsDeadLettered",
            f'SELECT SUM({RECORDS_REJECTED}) FROM SCHEMA("{metrics_namespace}", type)',
            "Records were rejected and written to the bucket's errors/ prefix with their reasons.",
            comparison="GreaterThanOrEqualToThreshold",
            threshold=1,
            evaluation_periods=1,
            treat_missing_data="notBreaching",
        )

    def _add(
        self,
        construct_id: str,
        metric: cloudwatch.IMetric,
        description: str,
        *,
        comparison: cloudwatch.ComparisonOperator = AT_LEAST,
        threshold: float = 1,
    ) -> None:
        alarm = metric.create_alarm(
            self,
            construct_id,
            alarm_description=description,
            threshold=threshold,
            evaluation_periods=1,
            comparison_operator=comparison,
            # No traffic means no data points, and that is not a failure.
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
        )
        alarm.add_alarm_action(self._action)
        self.alarms[construct_id] = alarm

    def _error_rate(self, service: str, thresholds: AlertThresholds) -> None:
        def metric(name: str) -> cloudwatch.Metric:
            return cloudwatch.Metric(
                namespace=self._namespace,
                metric_name=name,
                dimensions_map={"service": service},
                period=PERIOD,
                statistic="Sum",
            )

        floor = thresholds.error_rate_min_requests
        rate = cloudwatch.MathExpression(
            expression=f"IF(requests >= {floor}, 100 * FILL(errors, 0) / requests, 0)",
            using_metrics={"requests": metric(REQUESTS), "errors": metric(HTTP_5XX)},
            label=f"{service} 5xx %",
            period=PERIOD,
        )
        self._add(
            f"{_pascal(service)}ErrorRate",
            rate,
            f"More than {thresholds.error_rate_percent}% of {service} requests answered 5xx over 5 minutes.",
            comparison=cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
            threshold=thresholds.error_rate_percent,
        )

    def _heartbeat(self, minutes: int) -> None:
        # Hosts come and go, so one alarm watches them all: a Metrics Insights query grouped by host
        # makes each host a contributor. A silent host has no data points, which counts as breaching.
        # Metrics Insights looks back 3 hours, so a host retired for longer drops out by itself; before
        # the first agent reports, the alarm says that no host is sending.
        self._insights(
            "HeartbeatMissing",
            f'SELECT SUM({HEARTBEAT}) FROM SCHEMA("{self._namespace}", host) GROUP BY host',
            f"A host sent nothing for {minutes} minutes (or no host has reported yet).",
            comparison="LessThanThreshold",
            threshold=1,
            evaluation_periods=max(1, minutes // 5),
            treat_missing_data="breaching",
        )

    def _insights(
        self,
        construct_id: str,
        query: str,
        description: str,
        *,
        comparison: str,
        threshold: float,
        evaluation_periods: int,
        treat_missing_data: str,
    ) -> None:
        # The L2 Alarm has no Metrics Insights form; the L1 takes the query as a metric expression.
        alarm = cloudwatch.CfnAlarm(
            self,
            construct_id,
            alarm_description=description,
            comparison_operator=comparison,
            threshold=threshold,
            evaluation_periods=evaluation_periods,
            treat_missing_data=treat_missing_data,
            metrics=[
                cloudwatch.CfnAlarm.MetricDataQueryProperty(
                    id="q", expression=query, period=int(PERIOD.to_seconds()), return_data=True
                )
            ],
            alarm_actions=[self.topic.topic_arn],
        )
        self.alarms[construct_id] = alarm
