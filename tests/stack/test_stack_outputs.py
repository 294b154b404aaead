"""What other stacks and the servers get: exported outputs, the same values in SSM, agent access."""

from __future__ import annotations

import pytest
from aws_cdk.assertions import Match

from dendro.stack.names import OutputKey, export_name, parameter_name
from tests.stack.conftest import Synthesized

KEYS = [
    OutputKey.STORE, OutputKey.REGION, OutputKey.DELIVERY_STREAM_NAME, OutputKey.DELIVERY_STREAM_ARN,
    OutputKey.BUCKET_NAME, OutputKey.DATABASE_NAME, OutputKey.TABLE_NAMES, OutputKey.AGENT_POLICY_ARN,
    OutputKey.ALERT_TOPIC_ARN, OutputKey.AGENT_ROLE_NAME, OutputKey.AGENT_INSTANCE_PROFILE_NAME,
    OutputKey.DEPLOY_SETTINGS,
]  # fmt: skip


@pytest.mark.parametrize("key", KEYS)
def test_each_output_is_exported_and_published_in_ssm_with_the_same_value(
    synthesized: Synthesized, key: str
) -> None:
    template = synthesized.template(synthesized.dendro)
    outputs = template.find_outputs(key)
    # The logical ID is the plain key: it is what `cdk deploy --outputs-file` and agents read.
    assert list(outputs) == [key]
    output = outputs[key]
    assert output["Export"] == {"Name": export_name("Dendro", key)}
    template.has_resource_properties(
        "AWS::SSM::Parameter",
        {"Name": parameter_name("Dendro", key), "Value": output["Value"], "Type": "String"},
    )


def test_the_outputs_name_the_real_resources(synthesized: Synthesized) -> None:
    stack = synthesized.dendro
    template = synthesized.template(stack)
    expected = {
        OutputKey.STORE: "timestream",
        OutputKey.REGION: {"Ref": "AWS::Region"},
        OutputKey.DELIVERY_STREAM_ARN: stack.resolve(stack.delivery.stream.delivery_stream_arn),
        OutputKey.BUCKET_NAME: stack.resolve(stack.staging.bucket.bucket_name),
        OutputKey.TABLE_NAMES: Match.string_like_regexp("^nginx_access,nginx_error,apache_access,"),
    }
    for key, value in expected.items():
        template.has_output(key, {"Value": value})


def test_the_role_free_variant_has_no_role_outputs(synthesized: Synthesized) -> None:
    template = synthesized.template(synthesized.kept)
    assert template.find_outputs(OutputKey.AGENT_ROLE_NAME) == {}
    template.has_output(OutputKey.TABLE_NAMES, {"Value": "nginx_access,syslog"})


def test_the_agent_policy_allows_put_record_on_this_stream_and_nothing_else(synthesized: Synthesized) -> None:
    stack = synthesized.dendro
    template = synthesized.template(stack)
    template.has_resource_properties(
        "AWS::IAM::ManagedPolicy",
        {
            "PolicyDocument": {
                "Statement": [
                    {
                        "Action": ["firehose:PutRecord", "firehose:PutRecordBatch"],
                        "Effect": "Allow",
                        "Resource": stack.resolve(stack.delivery.stream.delivery_stream_arn),
                    }
                ],
                "Version": "2012-10-17",
            }
        },
    )


def test_the_optional_ec2_role_carries_the_agent_policy_and_can_discover_the_pipeline(
    synthesized: Synthesized,
) -> None:
    stack = synthesized.dendro
    template = synthesized.template(stack)
    access = stack.agent_access
    template.has_resource_properties(
        "AWS::IAM::Role",
        {
            "AssumeRolePolicyDocument": Match.object_like(
                {"Statement": [Match.object_like({"Principal": {"Service": "ec2.amazonaws.com"}})]}
            ),
            "ManagedPolicyArns": [
                stack.resolve(access.policy.managed_policy_arn),
                stack.resolve(access.discovery_policy.managed_policy_arn),
            ],
        },
    )
    template.has_resource_properties(
        "AWS::IAM::InstanceProfile", {"Roles": [stack.resolve(access.role.role_name)]}
    )
    synthesized.template(synthesized.kept).resource_count_is("AWS::IAM::InstanceProfile", 0)


def test_a_consumer_stack_in_the_same_app_builds_on_the_exports(synthesized: Synthesized) -> None:
    template = synthesized.template(synthesized.consumer)
    policy_import = {"Fn::ImportValue": export_name("Dendro", OutputKey.AGENT_POLICY_ARN)}
    template.has_resource_properties("AWS::IAM::Role", {"ManagedPolicyArns": [policy_import]})
    template.has_resource_properties(
        "AWS::IAM::Policy",
        {
            "PolicyDocument": Match.object_like(
                {
                    "Statement": [
                        Match.object_like(
                            {
                                "Action": "sns:Publish",
                                "Resource": {
                                    "Fn::ImportValue": export_name("Dendro", OutputKey.ALERT_TOPIC_ARN)
                                },
                            }
                        )
                    ]
                }
            )
        },
    )
    # The assembly orders the consumer after Dendro, so `cdk deploy --all` deploys the exports first.
    assert synthesized.dendro in synthesized.consumer.dependencies
