"""Alerts: an encrypted topic, one email subscription per address, and the alarms that publish to it."""

from __future__ import annotations

from aws_cdk.assertions import Match

from tests.stack.conftest import ALERT_EMAILS, Synthesized


def _alarms(synthesized: Synthesized, stack: object) -> dict[str, dict]:
    return synthesized.template(stack).find_resources("AWS::CloudWatch::Alarm")


def test_the_topic_is_encrypted_with_a_key_cloudwatch_may_use(synthesized: Synthesized) -> None:
    stack = synthesized.dendro
    template = synthesized.template(stack)
    key = stack.resolve(stack.alerts.key.key_arn)
    template.has_resource_properties("AWS::SNS::Topic", {"KmsMasterKeyId": key})
    # CloudWatch cannot publish to a topic under the AWS-managed SNS key.
    template.has_resource_properties(
        "AWS::KMS::Key",
        {
            "EnableKeyRotation": True,
            "KeyPolicy": {
                "Statement": Match.array_with(
                    [
                        Match.object_like(
                            {
                                "Principal": {"Service": "cloudwatch.amazonaws.com"},
                                "Action": ["kms:Decrypt", "kms:GenerateDataKey*"],
                            }
                        )
                    ]
                )
            },
        },
    )


def test_each_alert_email_gets_a_subscription(synthesized: Synthesized) -> None:
    template = synthesized.template(synthesized.dendro)
    subscriptions = template.find_resources("AWS::SNS::Subscription")
    assert sorted(s["Properties"]["Endpoint"] for s in subscriptions.values()) == sorted(ALERT_EMAILS)
    assert {s["Properties"]["Protocol"] for s in subscriptions.values()} == {"email"}


def test_every_alarm_publishes_to_the_topic(synthesized: Synthesized) -> None:
    stack = synthesized.dendro
    topic = stack.resolve(stack.alerts.topic.topic_arn)
    alarms = _alarms(synthesized, stack)
    # Pipeline health, and the built-in rules (no dendro.toml): 5xx per catalog service, silent host, disk.
    assert set(stack.alerts.alarms) == {
        "Rule5xxRatioApache", "Rule5xxRatioNginx", "RuleSilentHost", "RuleDiskAbove90",
        "IngestErrors", "IngestThrottles", "DeadLetterQueueNotEmpty", "DeliveryFailures", "DeliveryStale",
        "DeliveryThrottled", "RecordsDeadLettered",
    }  # fmt: skip
    assert len(alarms) == 11
    # ALARM and OK both notify: people hear that it fired and that it is over.
    assert all(a["Properties"]["AlarmActions"] == [topic] for a in alarms.values())
    assert all(a["Properties"]["OKActions"] == [topic] for a in alarms.values())
    # Every alarm is named after the stack: the topic policy lets CloudWatch publish for those only.
    assert all(a["Properties"]["AlarmName"].startswith("Dendro-") for a in alarms.values())


def test_the_topic_policy_lets_cloudwatch_publish_for_this_stacks_alarms_over_tls(
    synthesized: Synthesized,
) -> None:
    stack = synthesized.dendro
    template = synthesized.template(stack)
    topic = stack.resolve(stack.alerts.topic.topic_arn)
    # A topic policy replaces the default one: without the Allow, alarm history shows
    # "is not authorized to perform: SNS:Publish" and no email is ever sent.
    template.has_resource_properties(
        "AWS::SNS::TopicPolicy",
        {
            "Topics": [topic],
            "PolicyDocument": {
                "Statement": Match.array_with(
                    [
                        Match.object_like(
                            {
                                "Effect": "Deny",
                                "Action": "sns:Publish",
                                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                            }
                        ),
                        {
                            "Sid": "AllowCloudWatchAlarms",
                            "Effect": "Allow",
                            "Principal": {"Service": "cloudwatch.amazonaws.com"},
                            "Action": "sns:Publish",
                            "Resource": topic,
                            "Condition": {
                                "StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}},
                                "ArnLike": {
                                    "aws:SourceArn": {
                                        "Fn::Join": [
                                            "",
                                            [
                                                "arn:",
                                                {"Ref": "AWS::Partition"},
                                                ":cloudwatch:",
                                                {"Ref": "AWS::Region"},
                                                ":",
                                                {"Ref": "AWS::AccountId"},
                                                ":alarm:Dendro-*",
                                            ],
                                        ]
                                    }
                                },
                            },
                        },
                    ]
                )
            },
        },
    )


def test_dead_letters_alarm_on_a_count_and_a_share_not_on_one_reject(synthesized: Synthesized) -> None:
    template = synthesized.template(synthesized.dendro)

    def records(name: str) -> object:
        return Match.object_like(
            {
                "MetricStat": {
                    "Metric": {"Namespace": "Dendro/Dendro", "MetricName": name},
                    "Period": 300,
                    "Stat": "Sum",
                }
            }
        )

    template.has_resource_properties(
        "AWS::CloudWatch::Alarm",
        {
            "AlarmName": "Dendro-RecordsDeadLettered",
            "ComparisonOperator": "GreaterThanThreshold",
            "Threshold": 1,
            "Metrics": Match.array_with(
                [
                    Match.object_like(
                        {
                            "Expression": "IF(FILL(rejected, 0) >= 10, 100 * FILL(rejected, 0) / "
                            "(FILL(written, 0) + FILL(rejected, 0)), 0)"
                        }
                    ),
                    records("RecordsRejected"),
                    records("RecordsWritten"),
                ]
            ),
        },
    )


def test_firehose_freshness_and_throttling_are_alarmed(synthesized: Synthesized) -> None:
    for stack, destination in ((synthesized.dendro, "S3"), (synthesized.iceberg, "Iceberg")):
        template = synthesized.template(stack)
        stream = [
            {"Name": "DeliveryStreamName", "Value": stack.resolve(stack.delivery.stream.delivery_stream_name)}
        ]
        template.has_resource_properties(
            "AWS::CloudWatch::Alarm",
            {
                "Namespace": "AWS/Firehose",
                "MetricName": f"DeliveryTo{destination}.DataFreshness",
                "Statistic": "Maximum",
                "Dimensions": stream,
                "ComparisonOperator": "GreaterThanThreshold",
                "Threshold": 900,
                "EvaluationPeriods": 2,
            },
        )
        template.has_resource_properties(
            "AWS::CloudWatch::Alarm",
            {
                "Namespace": "AWS/Firehose",
                "MetricName": "ThrottledRecords",
                "Statistic": "Sum",
                "Dimensions": stream,
                "ComparisonOperator": "GreaterThanOrEqualToThreshold",
                "Threshold": 1,
            },
        )


def test_the_5xx_rate_alarm_divides_the_services_5xx_by_its_requests(synthesized: Synthesized) -> None:
    template = synthesized.template(synthesized.dendro)

    def metric(name: str) -> object:
        return Match.object_like(
            {
                "Id": Match.any_value(),
                "MetricStat": Match.object_like(
                    {
                        "Metric": {
                            "Namespace": "Dendro/Dendro",
                            "MetricName": name,
                            "Dimensions": [{"Name": "service", "Value": "nginx"}],
                        },
                        "Stat": "Sum",
                    }
                ),
            }
        )

    template.has_resource_properties(
        "AWS::CloudWatch::Alarm",
        {
            "AlarmName": "Dendro-Rule5xxRatioNginx",
            "ComparisonOperator": "GreaterThanThreshold",
            "Threshold": 0.05,
            # The built-in rule's `for = "2m"`: the five-minute window, then one more.
            "EvaluationPeriods": 2,
            # Below 20 requests in five minutes a rate means little: one failure in two is not an outage.
            "Metrics": Match.array_with(
                [
                    Match.object_like({"Expression": "IF(requests >= 20, FILL(errors, 0) / requests, 0)"}),
                    metric("Requests"),
                    metric("Http5xx"),
                ]
            ),
        },
    )


def test_one_heartbeat_alarm_watches_every_host_that_reports(synthesized: Synthesized) -> None:
    template = synthesized.template(synthesized.dendro)
    template.has_resource_properties(
        "AWS::CloudWatch::Alarm",
        {
            "Metrics": [
                {
                    "Id": "e",
                    "Expression": 'SELECT SUM(Heartbeat) FROM SCHEMA("Dendro/Dendro", host) GROUP BY host',
                    "Label": "silent host",
                    "Period": 60,
                    "ReturnData": True,
                }
            ],
            "ComparisonOperator": "LessThanThreshold",
            "Threshold": 1,
            # The built-in rule: no record for 10 minutes.
            "EvaluationPeriods": 10,
            # A host that went silent has no data points: that is the alarm.
            "TreatMissingData": "breaching",
        },
    )


def test_pipeline_health_alarms_watch_lambda_dlq_and_firehose(synthesized: Synthesized) -> None:
    stack = synthesized.dendro
    template = synthesized.template(stack)
    function = stack.resolve(stack.ingest.function.function_name)
    for metric in ("Errors", "Throttles"):
        template.has_resource_properties(
            "AWS::CloudWatch::Alarm",
            {
                "Namespace": "AWS/Lambda",
                "MetricName": metric,
                "Dimensions": [{"Name": "FunctionName", "Value": function}],
            },
        )
    template.has_resource_properties(
        "AWS::CloudWatch::Alarm",
        {"Namespace": "AWS/SQS", "MetricName": "ApproximateNumberOfMessagesVisible", "Threshold": 1},
    )
    template.has_resource_properties(
        "AWS::CloudWatch::Alarm",
        {
            "Namespace": "AWS/Firehose",
            "MetricName": "DeliveryToS3.Success",
            "Dimensions": [
                {
                    "Name": "DeliveryStreamName",
                    "Value": stack.resolve(stack.delivery.stream.delivery_stream_name),
                }
            ],
            "ComparisonOperator": "LessThanThreshold",
        },
    )


def test_services_without_a_table_get_no_5xx_alarm(synthesized: Synthesized) -> None:
    # The kept-data stack has nginx_access and syslog only: no Apache alarm.
    assert set(synthesized.kept.alerts.alarms) >= {"Rule5xxRatioNginx"}
    assert "Rule5xxRatioApache" not in synthesized.kept.alerts.alarms
    synthesized.template(synthesized.kept).resource_count_is("AWS::SNS::Subscription", 0)
