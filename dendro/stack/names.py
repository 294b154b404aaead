"""Names shared by the stack, the CLI and the agents' discovery, kept free of CDK imports so that
`dendro status` and `dendro-node init --from-aws` can read them without loading aws_cdk.
"""

from __future__ import annotations

import re

DEFAULT_STACK_NAME = "Dendro"
# Timestream for LiveAnalytics is closed to new accounts (aws-notes §1), so new pipelines use Iceberg.
DEFAULT_STORE = "iceberg"
# Stores this version can build, each registered in dendro/stack/stores/__init__.py (a test keeps the
# two in step).
BUILT_STORES = ("iceberg", "timestream")

# Key layout of the staging bucket. Each prefix has its own lifecycle rule.
STAGING_PREFIX = "staging/"  # Firehose output, read by the ingest Lambda
ERRORS_PREFIX = "errors/"  # dead letters from the ingest Lambda, NDJSON with reasons
REJECTED_PREFIX = "rejected/"  # Timestream's asynchronous magnetic-store rejection reports
FIREHOSE_ERRORS_PREFIX = "firehose-errors/"  # records Firehose itself could not deliver
ICEBERG_PREFIX = "iceberg/"  # the iceberg store's tables (Parquet data and Iceberg metadata); kept
ATHENA_RESULTS_PREFIX = "athena-results/"  # query results of the Athena workgroup, expired


class OutputKey:
    """CfnOutput logical IDs, which are also the keys of `cdk deploy --outputs-file` and of the SSM
    parameters. `agent/configure.py` reads DeliveryStreamName, Region and Store by these names."""

    STORE = "Store"
    REGION = "Region"
    DELIVERY_STREAM_NAME = "DeliveryStreamName"
    DELIVERY_STREAM_ARN = "DeliveryStreamArn"
    BUCKET_NAME = "BucketName"
    DATABASE_NAME = "DatabaseName"
    TABLE_NAMES = "TableNames"  # comma-separated, in catalog order
    AGENT_POLICY_ARN = "AgentPolicyArn"
    ALERT_TOPIC_ARN = "AlertTopicArn"
    AGENT_ROLE_NAME = "AgentRoleName"  # only with the optional EC2 role
    AGENT_INSTANCE_PROFILE_NAME = "AgentInstanceProfileName"
    ATHENA_WORKGROUP = "AthenaWorkGroup"  # only with the iceberg store
    # What a later `dendro deploy` must carry over (keep-data, adopted resources), as `k=v;k=v`
    # (stack/redeploy.py), so that leaving out a flag never flips a DeletionPolicy silently.
    DEPLOY_SETTINGS = "DeploySettings"


def export_name(stack_name: str, key: str) -> str:
    """Export names are unique per account and region, so they carry the stack name: `Dendro-BucketName`."""
    return f"{stack_name}-{key}"


def parameter_path(stack_name: str) -> str:
    """SSM path under which every output is also published: GetParametersByPath('/dendro/Dendro/')."""
    return f"/dendro/{stack_name}/"


def parameter_name(stack_name: str, key: str) -> str:
    return f"{parameter_path(stack_name)}{key}"


def glue_database_name(stack_name: str) -> str:
    """Glue (and so Athena and Firehose) database names are lowercase letters, digits and underscores:
    `Dendro-Staging` -> `dendro_staging`."""
    return re.sub(r"[^a-z0-9_]", "_", stack_name.lower())


def metrics_namespace(stack_name: str) -> str:
    """CloudWatch namespace of the ingest Lambda's EMF metrics; one per stack so that a staging and a
    production pipeline in the same account do not share alarms."""
    return f"Dendro/{stack_name}"
