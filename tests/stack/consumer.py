"""A user's own stack beside Dendro's in the same CDK app, built only from Dendro's exports."""

from __future__ import annotations

from typing import Any

from aws_cdk import Fn, Stack
from aws_cdk import aws_iam as iam
from constructs import Construct

from dendro.stack.names import OutputKey, export_name


class ConsumerStack(Stack):
    """An application role that may write to the pipeline and read its alert topic's name."""

    def __init__(
        self, scope: Construct, construct_id: str, *, producer_stack_name: str, **kwargs: Any
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)

        def imported(key: str) -> str:
            return Fn.import_value(export_name(producer_stack_name, key))

        self.role = iam.Role(self, "AppRole", assumed_by=iam.ServicePrincipal("ec2.amazonaws.com"))
        self.role.add_managed_policy(
            iam.ManagedPolicy.from_managed_policy_arn(
                self, "AgentPolicy", imported(OutputKey.AGENT_POLICY_ARN)
            )
        )
        self.role.add_to_policy(
            iam.PolicyStatement(actions=["sns:Publish"], resources=[imported(OutputKey.ALERT_TOPIC_ARN)])
        )
