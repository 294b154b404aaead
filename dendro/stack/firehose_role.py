"""The trust policy of Firehose's roles, in the form Firehose documents: the service principal with
`sts:ExternalId` equal to the account id (Firehose's "Grant Firehose access to an Amazon S3
destination" policy). An `aws:SourceAccount` condition, which Firehose is not documented to send, could
make stream creation fail with "role is not authorized"."""

from __future__ import annotations

from aws_cdk import Stack
from aws_cdk import aws_iam as iam
from constructs import Construct

FIREHOSE = "firehose.amazonaws.com"


WRITE_OBJECTS = ["s3:AbortMultipartUpload", "s3:GetObject", "s3:PutObject"]
BUCKET_ACTIONS = ["s3:GetBucketLocation", "s3:ListBucket", "s3:ListBucketMultipartUploads"]


def grant_s3_destination(role: iam.Role, *, objects: list[str], buckets: list[str]) -> None:
    """The S3 actions Firehose's destination documents, on the object ARNs it writes (prefixes) and
    their buckets: nothing bucket-wide beyond location and listing, no delete."""
    role.add_to_policy(iam.PolicyStatement(actions=WRITE_OBJECTS, resources=objects))
    role.add_to_policy(iam.PolicyStatement(actions=BUCKET_ACTIONS, resources=buckets))


def firehose_principal(scope: Construct) -> iam.ServicePrincipal:
    return iam.ServicePrincipal(
        FIREHOSE, conditions={"StringEquals": {"sts:ExternalId": Stack.of(scope).account}}
    )
