"""The delivery path: Firehose -> staging bucket -> S3 event -> ingest Lambda (-> DLQ on failure)."""

from __future__ import annotations

from aws_cdk.assertions import Match

from dendro.ingest_lambda import constants
from dendro.stack.names import ERRORS_PREFIX, STAGING_PREFIX
from tests.stack.conftest import Synthesized


def _ref(synthesized: Synthesized, construct: object) -> object:
    return synthesized.dendro.resolve(construct)


def test_firehose_is_direct_put_encrypted_and_writes_ndjson_gzip_to_the_staging_prefix(
    synthesized: Synthesized,
) -> None:
    template = synthesized.template(synthesized.dendro)
    bucket = synthesized.dendro.staging.bucket
    template.has_resource_properties(
        "AWS::KinesisFirehose::DeliveryStream",
        {
            "DeliveryStreamType": "DirectPut",
            "DeliveryStreamEncryptionConfigurationInput": {"KeyType": "AWS_OWNED_CMK"},
            "ExtendedS3DestinationConfiguration": Match.object_like(
                {
                    "BucketARN": _ref(synthesized, bucket.bucket_arn),
                    # A minute or 1 MiB, whichever first: fresh dashboards, one object per invocation.
                    "BufferingHints": {"IntervalInSeconds": 60, "SizeInMBs": 1},
                    "CompressionFormat": "GZIP",
                    "Prefix": Match.string_like_regexp(f"^{STAGING_PREFIX}"),
                    # Prefix expressions require an error prefix naming the error type.
                    "ErrorOutputPrefix": Match.string_like_regexp(r"!\{firehose:error-output-type\}"),
                    # Without it Firehose concatenates records with no delimiter.
                    "ProcessingConfiguration": {
                        "Enabled": True,
                        "Processors": [{"Type": "AppendDelimiterToRecord", "Parameters": []}],
                    },
                    "CloudWatchLoggingOptions": Match.object_like({"Enabled": True}),
                }
            ),
        },
    )


def test_the_bucket_is_private_encrypted_tls_only_and_expires_each_prefix(synthesized: Synthesized) -> None:
    template = synthesized.template(synthesized.dendro)
    template.has_resource_properties(
        "AWS::S3::Bucket",
        {
            "BucketEncryption": {
                "ServerSideEncryptionConfiguration": [
                    {"ServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}
                ]
            },
            "PublicAccessBlockConfiguration": {
                "BlockPublicAcls": True,
                "BlockPublicPolicy": True,
                "IgnorePublicAcls": True,
                "RestrictPublicBuckets": True,
            },
            # Versioning stays off: staged objects are transient (see StagingBucket's docstring).
            "VersioningConfiguration": Match.absent(),
            "LifecycleConfiguration": {
                "Rules": Match.array_with(
                    [
                        Match.object_like(
                            {"Prefix": STAGING_PREFIX, "ExpirationInDays": 7, "Status": "Enabled"}
                        ),
                        Match.object_like(
                            {"Prefix": ERRORS_PREFIX, "ExpirationInDays": 30, "Status": "Enabled"}
                        ),
                        Match.object_like({"Prefix": "rejected/", "ExpirationInDays": 30}),
                    ]
                )
            },
        },
    )
    template.has_resource_properties(
        "AWS::S3::BucketPolicy",
        {
            "PolicyDocument": {
                "Statement": Match.array_with(
                    [
                        Match.object_like(
                            {"Effect": "Deny", "Condition": {"Bool": {"aws:SecureTransport": "false"}}}
                        )
                    ]
                )
            }
        },
    )


def test_teardown_empties_and_deletes_the_bucket_unless_data_is_kept(synthesized: Synthesized) -> None:
    default = synthesized.template(synthesized.dendro)
    default.has_resource("AWS::S3::Bucket", {"DeletionPolicy": "Delete", "UpdateReplacePolicy": "Delete"})
    default.resource_count_is("Custom::S3AutoDeleteObjects", 1)
    kept = synthesized.template(synthesized.kept)
    kept.has_resource("AWS::S3::Bucket", {"DeletionPolicy": "Retain"})
    kept.resource_count_is("Custom::S3AutoDeleteObjects", 0)


def test_the_ingest_lambda_is_python_313_on_arm64_with_the_shared_env_names(synthesized: Synthesized) -> None:
    template = synthesized.template(synthesized.dendro)
    stack = synthesized.dendro
    template.has_resource_properties(
        "AWS::Lambda::Function",
        {
            "Runtime": "python3.13",
            "Architectures": ["arm64"],
            "Handler": "dendro.ingest_lambda.handler.handler",
            "Environment": {
                "Variables": {
                    constants.STORE: "timestream",
                    constants.DATABASE: "Dendro",
                    constants.SOURCES: Match.string_like_regexp("^nginx_access,nginx_error,"),
                    constants.ERRORS_BUCKET: _ref(synthesized, stack.staging.bucket.bucket_name),
                    constants.ERRORS_PREFIX: ERRORS_PREFIX,
                    constants.METRICS_NAMESPACE: "Dendro/Dendro",
                    # The event time window, at its default (validate.DEFAULT_WINDOW).
                    constants.EVENT_EARLIEST: "1970-01-01",
                    constants.EVENT_AHEAD_SECONDS: "86400",
                }
            },
        },
    )


def test_the_event_time_window_is_a_stack_setting_passed_to_the_lambda(synthesized: Synthesized) -> None:
    """DendroProps.event_earliest / event_ahead_hours (-c dendro:eventEarliest=2025-01-01
    -c dendro:eventAheadHours=2) become the ingest Lambda's window (ingest_lambda/env.py)."""
    template = synthesized.template(synthesized.iceberg_kept)
    template.has_resource_properties(
        "AWS::Lambda::Function",
        {
            "Handler": "dendro.ingest_lambda.handler.handler",
            "Environment": {
                "Variables": {constants.EVENT_EARLIEST: "2025-01-01", constants.EVENT_AHEAD_SECONDS: "7200"}
            },
        },
    )


def test_failed_events_retry_twice_then_go_to_the_encrypted_dead_letter_queue(
    synthesized: Synthesized,
) -> None:
    template = synthesized.template(synthesized.dendro)
    ingest = synthesized.dendro.ingest
    template.has_resource_properties(
        "AWS::Lambda::EventInvokeConfig",
        {
            "FunctionName": _ref(synthesized, ingest.function.function_name),
            "MaximumRetryAttempts": 2,
            "MaximumEventAgeInSeconds": 6 * 3600,
            "DestinationConfig": {
                "OnFailure": {"Destination": _ref(synthesized, ingest.dead_letter_queue.queue_arn)}
            },
        },
    )
    template.has_resource_properties("AWS::SQS::Queue", {"SqsManagedSseEnabled": True})


def test_objects_created_under_the_staging_prefix_trigger_the_lambda(synthesized: Synthesized) -> None:
    template = synthesized.template(synthesized.dendro)
    stack = synthesized.dendro
    template.has_resource_properties(
        "Custom::S3BucketNotifications",
        {
            "BucketName": _ref(synthesized, stack.staging.bucket.bucket_name),
            "NotificationConfiguration": {
                "LambdaFunctionConfigurations": [
                    {
                        "Events": ["s3:ObjectCreated:*"],
                        "Filter": {"Key": {"FilterRules": [{"Name": "prefix", "Value": STAGING_PREFIX}]}},
                        "LambdaFunctionArn": _ref(synthesized, stack.ingest.function.function_arn),
                    }
                ]
            },
        },
    )


def test_the_lambda_reads_only_staged_objects_and_writes_only_dead_letters(synthesized: Synthesized) -> None:
    template = synthesized.template(synthesized.dendro)
    bucket_arn = _ref(synthesized, synthesized.dendro.staging.bucket.bucket_arn)

    def objects(prefix: str) -> object:
        return {"Fn::Join": ["", [bucket_arn, f"/{prefix}*"]]}

    statements = [
        {"Action": "s3:PutObject", "Effect": "Allow", "Resource": objects(ERRORS_PREFIX)},
        {"Action": "s3:GetObject", "Effect": "Allow", "Resource": objects(STAGING_PREFIX)},
    ]
    template.has_resource_properties(
        "AWS::IAM::Policy",
        {
            "Roles": [_ref(synthesized, synthesized.dendro.ingest.function.role.role_name)],
            "PolicyDocument": {"Statement": Match.array_with(statements)},
        },
    )
