"""Log groups with a retention for the Lambdas CDK adds by itself (the bucket's auto-delete handler,
the bucket-notification handler): left alone they log to /aws/lambda/<name>, created on first run and
kept forever. Each gets a group of its own, named in its LoggingConfig, created before it."""

from __future__ import annotations

from aws_cdk import CfnResource, RemovalPolicy, Stack
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs

FUNCTION = "AWS::Lambda::Function"
HELPER_RETENTION = logs.RetentionDays.ONE_MONTH


def _has_logging_config(node: CfnResource) -> bool:
    # CDK's own custom-resource providers are plain CfnResources that never set one.
    return isinstance(node, lambda_.CfnFunction) and node.logging_config is not None


def cap_helper_log_retention(stack: Stack) -> list[logs.LogGroup]:
    """Call once the stack is built: every Lambda without a LoggingConfig gets a month-long group."""
    created = []
    for node in stack.node.find_all():
        if not isinstance(node, CfnResource) or node.cfn_resource_type != FUNCTION:
            continue
        if _has_logging_config(node):
            continue
        group = logs.LogGroup(
            node.node.scope,  # type: ignore[arg-type]
            f"{node.node.id}Logs",
            retention=HELPER_RETENTION,
            removal_policy=RemovalPolicy.DESTROY,
        )
        node.add_property_override("LoggingConfig.LogGroup", group.log_group_name)
        # Deleted after the function, so a last invocation (the auto-delete run at teardown) cannot
        # recreate the group without a retention.
        node.add_dependency(group.node.default_child)  # type: ignore[arg-type]
        created.append(group)
    return created
