"""Alerts: an encrypted SNS topic, the alarms that publish to it (pipeline health, always; the rules of
dendro.toml, as planned by dendro.alerts.aws_plan), email subscriptions, and the webhook formatter."""

from __future__ import annotations

from collections.abc import Sequence

from aws_cdk import Aws, Duration, RemovalPolicy, Stack
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as actions
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from dendro.alerts.aws_plan import AwsPlan
from dendro.ingest_lambda.emf import RECORDS_REJECTED, RECORDS_WRITTEN
from dendro.stack.alert_webhooks import AlertWebhooks
from dendro.stack.rule_alarms import rule_alarm

PERIOD = Duration.minutes(5)
AT_LEAST = cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD
# Dead letters page someone only when they are many and a real share: at least this many rejects in
# five minutes, and more than this percentage of the records. One malformed line is not an incident.
DEAD_LETTER_MIN = 10
DEAD_LETTER_PERCENT = 1
# Firehose's DataFreshness is the age of the oldest record not yet delivered; with one-minute
# buffering it stays near a minute, so a quarter of an hour means delivery is stuck.
FRESHNESS_SECONDS = 900


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
        plan: AwsPlan,
        webhooks: bool = False,
        dashboard_url: str | None = None,
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
        # enforce_ssl makes CDK write an AWS::SNS::TopicPolicy, and a topic policy replaces the
        # topic's default one: without this statement CloudWatch may not publish ("... is not
        # authorized to perform: SNS:Publish" in the alarm's history, aws-notes §9). Scoped to this
        # account's alarms named after this stack (every alarm here is, see `alarm_name`).
        self.alarm_prefix = f"{Stack.of(self).stack_name}-"
        self.topic.add_to_resource_policy(
            iam.PolicyStatement(
                sid="AllowCloudWatchAlarms",
                principals=[iam.ServicePrincipal("cloudwatch.amazonaws.com")],
                actions=["sns:Publish"],
                resources=[self.topic.topic_arn],
                conditions={
                    "StringEquals": {"aws:SourceAccount": Aws.ACCOUNT_ID},
                    "ArnLike": {
                        "aws:SourceArn": f"arn:{Aws.PARTITION}:cloudwatch:{Aws.REGION}:{Aws.ACCOUNT_ID}"
                        f":alarm:{self.alarm_prefix}*"
                    },
                },
            )
        )
        for email in emails:
            # Each recipient must confirm the subscription from the email AWS sends (aws-notes §7).
            self.topic.add_subscription(subscriptions.EmailSubscription(email))
        self._action = actions.SnsAction(self.topic)
        self._namespace = metrics_namespace
        self.alarms: dict[str, Construct] = {}

        for planned in plan.alarms:
            self.alarms[planned.construct_id] = rule_alarm(
                self,
                planned,
                namespace=metrics_namespace,
                name=self.alarm_name(planned.construct_id),
                actions=[self.topic.topic_arn],
            )
        self.webhooks = (
            AlertWebhooks(self, "Webhooks", topic=self.topic, dashboard_url=dashboard_url)
            if webhooks
            else None
        )
        staged = delivery_destination == "S3"
        where = "the staging bucket" if staged else "the Iceberg tables"
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

        if staged:
            # DeliveryToS3.Success is the share of successful deliveries in the period: below 1, some
            # failed (aws-notes §7).
            self._add(
                "DeliveryFailures",
                firehose_metric("DeliveryToS3.Success", "Minimum"),
                "Firehose failed to deliver to the staging bucket; see the stream's delivery error logs.",
                comparison=cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
                threshold=1,
            )
        else:
            # DeliveryToIceberg.Success counts successful commits, not a share: an idle period has
            # none and a failing one may still have some. Rows that could not be written are counted
            # by FailedRowCount and land under firehose-errors/ (aws-notes §9).
            self._add(
                "DeliveryFailures",
                firehose_metric("DeliveryToIceberg.FailedRowCount", "Sum"),
                "Firehose could not write some rows to the Iceberg tables; they are under firehose-errors/.",
            )
        self._add(
            "DeliveryStale",
            firehose_metric(f"DeliveryTo{delivery_destination}.DataFreshness", "Maximum"),
            f"Records have waited more than {FRESHNESS_SECONDS // 60} minutes in Firehose: delivery to "
            f"{where} is stuck or failing; see the stream's delivery error logs.",
            comparison=cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
            threshold=FRESHNESS_SECONDS,
            evaluation_periods=2,
        )
        self._add(
            "DeliveryThrottled",
            firehose_metric("ThrottledRecords", "Sum"),
            "Firehose throttled agents' records for ten minutes: the stream's Direct PUT quota is reached "
            "(agents retry, so data is late, not lost); ask AWS to raise the stream's limits.",
            evaluation_periods=2,
        )

        def records(name: str) -> cloudwatch.Metric:
            return cloudwatch.Metric(
                namespace=metrics_namespace, metric_name=name, period=PERIOD, statistic="Sum"
            )

        self._add(
            "RecordsDeadLettered",
            cloudwatch.MathExpression(
                expression=f"IF(FILL(rejected, 0) >= {DEAD_LETTER_MIN}, "
                "100 * FILL(rejected, 0) / (FILL(written, 0) + FILL(rejected, 0)), 0)",
                using_metrics={"rejected": records(RECORDS_REJECTED), "written": records(RECORDS_WRITTEN)},
                label="rejected %",
                period=PERIOD,
            ),
            f"At least {DEAD_LETTER_MIN} records, over {DEAD_LETTER_PERCENT}% of those received, were "
            "rejected in five minutes; they are under the bucket's errors/ prefix with their reasons.",
            comparison=cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
            threshold=DEAD_LETTER_PERCENT,
        )

    def _add(
        self,
        construct_id: str,
        metric: cloudwatch.IMetric,
        description: str,
        *,
        comparison: cloudwatch.ComparisonOperator = AT_LEAST,
        threshold: float = 1,
        evaluation_periods: int = 1,
    ) -> None:
        alarm = metric.create_alarm(
            self,
            construct_id,
            alarm_name=self.alarm_name(construct_id),
            alarm_description=description,
            threshold=threshold,
            evaluation_periods=evaluation_periods,
            comparison_operator=comparison,
            # No traffic means no data points, and that is not a failure.
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
        )
        # OK too: the same people hear when it is over (the "resolved" notification).
        alarm.add_alarm_action(self._action)
        alarm.add_ok_action(self._action)
        self.alarms[construct_id] = alarm

    def add_daily_job_alarm(self, construct_id: str, function: lambda_.IFunction, description: str) -> None:
        """A daily job's failures: its Lambda's errors summed over a day, so the alarm stays in ALARM
        until a day passes without one (a five-minute period would resolve minutes later)."""
        self._add(construct_id, function.metric_errors(period=Duration.days(1), statistic="Sum"), description)

    def alarm_name(self, construct_id: str) -> str:
        """`<stack>-<id>`: the topic policy lets CloudWatch publish for alarms with this prefix only."""
        return f"{self.alarm_prefix}{construct_id}"
