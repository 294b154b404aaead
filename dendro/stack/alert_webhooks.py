"""The webhook formatter: a small stdlib-only Lambda subscribed to the alert topic that posts each
alarm's firing and resolved messages to the webhooks of dendro.toml. The URLs are secrets, kept in an
SSM SecureString parameter that `dendro deploy` writes (CloudFormation cannot create one, and the
template must not hold them); the function may read that one parameter only."""

from __future__ import annotations

from pathlib import Path

from aws_cdk import Duration, RemovalPolicy, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from constructs import Construct

from dendro.stack import alert_formatter
from dendro.stack.alert_formatter.handler import DASHBOARD_ENV, PARAMETER_ENV
from dendro.stack.webhook_secret import webhooks_parameter


class AlertWebhooks(Construct):
    def __init__(
        self, scope: Construct, construct_id: str, *, topic: sns.ITopic, dashboard_url: str | None
    ) -> None:
        super().__init__(scope, construct_id)
        stack = Stack.of(self)
        self.parameter_name = webhooks_parameter(stack.stack_name)
        self.log_group = logs.LogGroup(
            self, "Logs", retention=logs.RetentionDays.ONE_MONTH, removal_policy=RemovalPolicy.DESTROY
        )
        folder = Path(alert_formatter.__file__).parent
        self.function = lambda_.Function(
            self,
            "Function",
            # Standard library only, no wheel to match: the newest runtime.
            runtime=lambda_.Runtime.PYTHON_3_14,
            architecture=lambda_.Architecture.ARM_64,
            handler="handler.handler",
            code=lambda_.Code.from_asset(str(folder), exclude=["__pycache__", "*.pyc", "__init__.py"]),
            environment={
                PARAMETER_ENV: self.parameter_name,
                **({DASHBOARD_ENV: dashboard_url} if dashboard_url else {}),
            },
            memory_size=128,
            # Three attempts per webhook with back-off, receivers in parallel: well under a minute.
            timeout=Duration.seconds(60),
            log_group=self.log_group,
            description="Posts Dendro alarm notifications to the webhooks of dendro.toml.",
        )
        self.function.add_to_role_policy(
            iam.PolicyStatement(
                actions=["ssm:GetParameter"],
                resources=[
                    stack.format_arn(
                        service="ssm", resource="parameter", resource_name=self.parameter_name.lstrip("/")
                    )
                ],
            )
        )
        topic.add_subscription(subscriptions.LambdaSubscription(self.function))
