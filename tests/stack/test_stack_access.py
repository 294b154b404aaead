"""Issue 14 items 5 and 6 on the synthesized templates: Firehose's roles trust it in the documented
form, their grants are narrowed to the prefixes they write, and every Lambda, CDK's helpers too, logs
to a group that expires."""

from __future__ import annotations

from typing import Any

import pytest

from tests.stack.conftest import Synthesized

EXTERNAL_ID = {"StringEquals": {"sts:ExternalId": {"Ref": "AWS::AccountId"}}}


def _resources(synthesized: Synthesized, stack: Any, kind: str) -> dict[str, Any]:
    return synthesized.template(stack).find_resources(kind)


def _firehose_roles(synthesized: Synthesized, stack: Any) -> dict[str, Any]:
    return {
        name: role
        for name, role in _resources(synthesized, stack, "AWS::IAM::Role").items()
        if any(
            s["Principal"].get("Service") == "firehose.amazonaws.com"
            for s in role["Properties"]["AssumeRolePolicyDocument"]["Statement"]
        )
    }


def _statements(synthesized: Synthesized, stack: Any, role: str) -> list[dict[str, Any]]:
    return [
        statement
        for policy in _resources(synthesized, stack, "AWS::IAM::Policy").values()
        if {"Ref": role} in policy["Properties"]["Roles"]
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
    ]


def _suffix(resource: Any) -> str:
    """`<bucket ARN>/staging/*` -> `/staging/*`; a bare bucket ARN -> ``."""
    if isinstance(resource, dict) and "Fn::Join" in resource:
        return "".join(p for p in resource["Fn::Join"][1] if isinstance(p, str))
    return ""


@pytest.mark.parametrize("which", ["dendro", "iceberg"])
def test_firehose_roles_trust_firehose_with_the_documented_external_id(
    synthesized: Synthesized, which: str
) -> None:
    roles = _firehose_roles(synthesized, getattr(synthesized, which))
    assert len(roles) == 1
    [statement] = next(iter(roles.values()))["Properties"]["AssumeRolePolicyDocument"]["Statement"]
    assert statement["Condition"] == EXTERNAL_ID


def test_the_timestream_stream_role_writes_two_prefixes_and_deletes_nothing(synthesized: Synthesized) -> None:
    [role] = _firehose_roles(synthesized, synthesized.dendro)
    statements = _statements(synthesized, synthesized.dendro, role)
    actions = {
        a for s in statements for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])
    }
    assert not [a for a in actions if "*" in a or "Delete" in a], actions
    object_prefixes = {
        _suffix(r)
        for s in statements
        if "s3:PutObject" in s["Action"]
        for r in (s["Resource"] if isinstance(s["Resource"], list) else [s["Resource"]])
    }
    assert object_prefixes == {"/staging/*", "/firehose-errors/*"}


def test_the_iceberg_stream_role_deletes_only_iceberg_files(synthesized: Synthesized) -> None:
    [role] = _firehose_roles(synthesized, synthesized.iceberg)
    deletable = {
        _suffix(r)
        for s in _statements(synthesized, synthesized.iceberg, role)
        if "s3:DeleteObject" in s["Action"]
        for r in (s["Resource"] if isinstance(s["Resource"], list) else [s["Resource"]])
    }
    assert deletable == {"/iceberg/*"}


@pytest.mark.parametrize("which", ["dendro", "iceberg"])
def test_every_lambda_including_cdks_helpers_logs_to_a_group_that_expires(
    synthesized: Synthesized, which: str
) -> None:
    stack = getattr(synthesized, which)
    groups = _resources(synthesized, stack, "AWS::Logs::LogGroup")
    functions = _resources(synthesized, stack, "AWS::Lambda::Function")
    assert any("AutoDelete" in name for name in functions)  # CDK's helper is among them
    for name, function in functions.items():
        group = function["Properties"].get("LoggingConfig", {}).get("LogGroup", {}).get("Ref")
        assert group in groups, f"{name} logs to a group the stack does not manage"
        assert groups[group]["Properties"]["RetentionInDays"] == 30
        assert group in function.get("DependsOn", []) or "Ref" in str(function["Properties"]["LoggingConfig"])
