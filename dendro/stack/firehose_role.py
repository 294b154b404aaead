"""The trust policy of Firehose's roles, in the form Firehose documents: the service principal with
`sts:ExternalId` equal to the account id (Firehose's "Grant Firehose access to an Amazon S3
destination" policy). An `aws:SourceAccount` condition, which Firehose is not documented to send, could
make stream creation fail with "role is not authorized"."""

from __future__ import annotations

from aws_cdk import Stack
from aws_cdk import aws_iam as iam
from constructs import Construct

FIREHOSE = "firehose.amazonaws.com"


def firehose_principal(scope: Construct) -> iam.ServicePrincipal:
    return iam.ServicePrincipal(
        FIREHOSE, conditions={"StringEquals": {"sts:ExternalId": Stack.of(scope).account}}
    )
