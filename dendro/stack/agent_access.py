"""What the agents on the servers may do: put records on this stream, and nothing else."""

from __future__ import annotations

from aws_cdk import Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kinesisfirehose as firehose
from constructs import Construct

from dendro.stack.names import parameter_path


class AgentAccess(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        stream: firehose.IDeliveryStream,
        ec2_role: bool,
    ) -> None:
        super().__init__(scope, construct_id)
        self.policy = iam.ManagedPolicy(
            self,
            "AgentPolicy",
            description="Lets a Dendro agent (Vector) put records on the pipeline's delivery stream.",
            statements=[
                iam.PolicyStatement(
                    actions=["firehose:PutRecord", "firehose:PutRecordBatch"],
                    resources=[stream.delivery_stream_arn],
                )
            ],
        )
        self.role: iam.Role | None = None
        self.instance_profile: iam.InstanceProfile | None = None
        self.discovery_policy: iam.ManagedPolicy | None = None
        if ec2_role:
            stack = Stack.of(self)
            # `dendro-node init --from-aws` reads the pipeline's parameters; only the role gets that,
            # so the agent policy itself stays PutRecord/PutRecordBatch only.
            self.discovery_policy = discovery = iam.ManagedPolicy(
                self,
                "DiscoveryPolicy",
                description="Lets dendro-node init --from-aws read the pipeline's SSM parameters.",
                statements=[
                    iam.PolicyStatement(
                        actions=["ssm:GetParametersByPath", "ssm:GetParameter", "ssm:GetParameters"],
                        resources=[
                            stack.format_arn(
                                service="ssm",
                                resource="parameter",
                                resource_name=parameter_path(stack.stack_name).strip("/"),
                            ),
                            stack.format_arn(
                                service="ssm",
                                resource="parameter",
                                resource_name=parameter_path(stack.stack_name).strip("/") + "/*",
                            ),
                        ],
                    )
                ],
            )
            self.role = iam.Role(
                self,
                "AgentRole",
                assumed_by=iam.ServicePrincipal("ec2.amazonaws.com"),
                description="Instance role for servers running a Dendro agent.",
                managed_policies=[self.policy, discovery],
            )
            self.instance_profile = iam.InstanceProfile(self, "AgentInstanceProfile", role=self.role)
