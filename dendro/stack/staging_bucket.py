"""The pipeline's S3 bucket: staged Firehose output, dead letters and Timestream rejection reports."""

from __future__ import annotations

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_s3 as s3
from constructs import Construct

from dendro.stack.names import ERRORS_PREFIX, FIREHOSE_ERRORS_PREFIX, REJECTED_PREFIX, STAGING_PREFIX


class StagingBucket(Construct):
    """Versioning is off on purpose: staged objects are transient copies that expire after a few days,
    dead letters are written once per staged object, and versioning would keep every expired object
    as a noncurrent version (cost, and a bucket that `teardown` cannot empty in one pass)."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        staging_expiry: Duration,
        errors_expiry: Duration,
        keep_data: bool,
    ) -> None:
        super().__init__(scope, construct_id)
        self.bucket = s3.Bucket(
            self,
            "Bucket",
            encryption=s3.BucketEncryption.S3_MANAGED,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            enforce_ssl=True,
            versioned=False,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            lifecycle_rules=[
                # The full raw line of a truncated or rejected event stays here until this expiry.
                s3.LifecycleRule(id="ExpireStaged", prefix=STAGING_PREFIX, expiration=staging_expiry),
                s3.LifecycleRule(id="ExpireDeadLetters", prefix=ERRORS_PREFIX, expiration=errors_expiry),
                s3.LifecycleRule(id="ExpireRejected", prefix=REJECTED_PREFIX, expiration=errors_expiry),
                s3.LifecycleRule(
                    id="ExpireFirehoseErrors", prefix=FIREHOSE_ERRORS_PREFIX, expiration=errors_expiry
                ),
                s3.LifecycleRule(
                    id="AbortIncompleteUploads", abort_incomplete_multipart_upload_after=Duration.days(1)
                ),
            ],
            removal_policy=RemovalPolicy.RETAIN if keep_data else RemovalPolicy.DESTROY,
            # Emptying the bucket is what lets CloudFormation delete it on teardown.
            auto_delete_objects=not keep_data,
        )
