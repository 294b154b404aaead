"""DendroStack: the whole AWS pipeline, one construct per component, wired here.

Usable as it is (`app.py`) or inside a user's own CDK app:

    DendroStack(app, "Dendro", props=DendroProps(store="iceberg", alert_emails=("ops@example.org",)))
"""

from __future__ import annotations

from typing import Any

from aws_cdk import Aws, Duration, Size, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_s3_notifications as s3n
from constructs import Construct

from dendro.alerts.aws_plan import AwsPlanError, plan_alarms
from dendro.ingest_lambda import constants as env
from dendro.ingest_lambda.emf import RULES_ENV, rules_env
from dendro.stack.agent_access import AgentAccess
from dendro.stack.alerts import Alerts
from dendro.stack.bundling import ingest_code
from dendro.stack.delivery_stream import DeliveryStream
from dendro.stack.helper_logs import cap_helper_log_retention
from dendro.stack.ingest_function import IngestFunction
from dendro.stack.nag import acknowledge_findings
from dendro.stack.names import ERRORS_PREFIX, STAGING_PREFIX, OutputKey, metrics_namespace
from dendro.stack.outputs import Outputs
from dendro.stack.props import DendroConfigError, DendroProps, deploy_settings
from dendro.stack.staging_bucket import StagingBucket
from dendro.stack.stores import Delivery, StoreProps, build_store
from dendro.stack.stores.iceberg import IcebergStore
from dendro.stack.stores.iceberg_delivery import IcebergDeliveryStream


class DendroStack(Stack):
    def __init__(self, scope: Construct, construct_id: str, *, props: DendroProps, **kwargs: Any) -> None:
        super().__init__(
            scope,
            construct_id,
            description=f"Dendro monitoring pipeline ({props.store} store)",
            **kwargs,
        )
        self.props = props
        sources = tuple(props.enabled_sources)

        self.staging = StagingBucket(
            self,
            "StagingBucket",
            staging_expiry=Duration.days(props.staging_expiry_days),
            errors_expiry=Duration.days(props.errors_expiry_days),
            keep_data=props.keep_data,
        )
        bucket = self.staging.bucket
        self.store = build_store(
            self,
            props.store,
            StoreProps(
                database_name=self.stack_name,
                sources=sources,
                bucket=bucket,
                keep_data=props.keep_data,
                adopt_database=props.adopt_database,
                adopt_tables=props.adopt_tables,
                kept_bucket=props.kept_bucket,
                retention_days=props.retention,
                memory_retention=Duration.hours(props.memory_retention_hours),
                magnetic_retention=Duration.days(props.magnetic_retention_days),
                athena_scan_limit_bytes=props.athena_scan_limit_gb * 1024**3,
                athena_results_expiry=Duration.days(props.athena_results_expiry_days),
            ),
        )
        buffer_interval = Duration.seconds(props.buffer_interval_seconds)
        buffer_size = Size.mebibytes(props.buffer_size_mib)
        staged = self.store.delivery is Delivery.STAGED_OBJECTS
        if staged:
            self.delivery: DeliveryStream | IcebergDeliveryStream = DeliveryStream(
                self,
                "DeliveryStream",
                bucket=bucket,
                buffer_interval=buffer_interval,
                buffer_size=buffer_size,
            )
        namespace = metrics_namespace(self.stack_name)
        alerting = props.alert_settings
        try:
            self.alert_plan = plan_alarms(
                alerting,
                namespace=namespace,
                services=sorted({s.service for s in sources if "error_rate" in s.alerts and s.service}),
                heartbeat_seconds=props.buffer_interval_seconds,
            )
        except AwsPlanError as error:
            raise DendroConfigError("dendro:alertsConfig", str(error)) from None
        # The rules that filter rows are counted by the Lambda itself (two metrics per rule).
        counters = {RULES_ENV: rules_env(self.alert_plan.counters)} if self.alert_plan.counters else {}
        self.ingest = IngestFunction(
            self,
            "IngestFunction",
            code=ingest_code(bundle=props.bundle),
            environment={
                env.SOURCES: ",".join(s.type for s in sources),
                env.ERRORS_BUCKET: bucket.bucket_name,
                env.ERRORS_PREFIX: ERRORS_PREFIX,
                env.METRICS_NAMESPACE: namespace,
                env.EVENT_EARLIEST: props.event_earliest,
                env.EVENT_AHEAD_SECONDS: str(props.event_ahead_hours * 3600),
                **counters,
                **self.store.ingest_environment(),
            },
        )
        function = self.ingest.function

        # Wiring: who may do what, and what triggers what.
        self.store.grant_write(function)
        if staged:
            # Object-level actions on one prefix each, narrower than grant_read/grant_put (which add
            # s3:List*, s3:GetBucket* and s3:Abort* for the whole bucket).
            function.add_to_role_policy(
                iam.PolicyStatement(
                    actions=["s3:PutObject"], resources=[bucket.arn_for_objects(f"{ERRORS_PREFIX}*")]
                )
            )
            function.add_to_role_policy(
                iam.PolicyStatement(
                    actions=["s3:GetObject"], resources=[bucket.arn_for_objects(f"{STAGING_PREFIX}*")]
                )
            )
            bucket.add_event_notification(
                s3.EventType.OBJECT_CREATED,
                s3n.LambdaDestination(function),
                s3.NotificationKeyFilter(prefix=STAGING_PREFIX),
            )
        elif isinstance(self.store, IcebergStore):
            # Firehose calls the Lambda synchronously and itself writes what the Lambda marks
            # ProcessingFailed to the errors/ prefix, so the Lambda needs no S3 access at all.
            self.delivery = self.store.delivery_stream(
                self,
                "DeliveryStream",
                function=function,
                buffer_interval=buffer_interval,
                buffer_size=buffer_size,
                commit_interval=Duration.seconds(props.iceberg_commit_seconds),
            )
        else:
            raise NotImplementedError(f"delivery {self.store.delivery} of {self.store.kind} is not wired")

        self.agent_access = AgentAccess(
            self, "AgentAccess", stream=self.delivery.stream, ec2_role=props.agent_role
        )
        emails = dict.fromkeys([*props.alert_emails, *(c.email for c in alerting.emails)])
        self.alerts = Alerts(
            self,
            "Alerts",
            emails=list(emails),
            function=function,
            # Firehose invokes the transform synchronously: the async dead-letter queue never fills.
            dead_letter_queue=self.ingest.dead_letter_queue if staged else None,
            delivery_stream_name=self.delivery.stream.delivery_stream_name,
            delivery_destination="S3" if staged else "Iceberg",
            metrics_namespace=namespace,
            plan=self.alert_plan,
            webhooks=bool(alerting.webhooks),
            dashboard_url=alerting.alerting.dashboard_url,
        )
        if isinstance(self.store, IcebergStore):
            # Nothing else would tell that the tables' daily OPTIMIZE / VACUUM keeps failing while small
            # files and snapshots pile up (handler.maintain fails the run when any table fails).
            self.alerts.add_daily_job_alarm(
                "TableMaintenanceFailed",
                self.store.tables.function,
                "The Iceberg tables' daily maintenance (or a deploy's table change) failed after "
                "EventBridge's retries; the table handler's log group names the table and the step.",
            )

        values = {
            OutputKey.STORE: props.store,
            OutputKey.REGION: Aws.REGION,
            OutputKey.DELIVERY_STREAM_NAME: self.delivery.stream.delivery_stream_name,
            OutputKey.DELIVERY_STREAM_ARN: self.delivery.stream.delivery_stream_arn,
            OutputKey.BUCKET_NAME: bucket.bucket_name,
            OutputKey.DATABASE_NAME: self.store.database_name,
            OutputKey.TABLE_NAMES: ",".join(self.store.table_names.values()),
            OutputKey.AGENT_POLICY_ARN: self.agent_access.policy.managed_policy_arn,
            OutputKey.ALERT_TOPIC_ARN: self.alerts.topic.topic_arn,
            OutputKey.DEPLOY_SETTINGS: deploy_settings(props),
        }
        if isinstance(self.store, IcebergStore):
            values.update(self.store.outputs())
        if self.agent_access.role is not None and self.agent_access.instance_profile is not None:
            values[OutputKey.AGENT_ROLE_NAME] = self.agent_access.role.role_name
            values[OutputKey.AGENT_INSTANCE_PROFILE_NAME] = (
                self.agent_access.instance_profile.instance_profile_name
            )
        self.outputs = Outputs(self, "Outputs", values=values)

        self.helper_log_groups = cap_helper_log_retention(self)
        acknowledge_findings(self)
