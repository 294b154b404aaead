"""cdk-nag's AwsSolutions pack and CDK's template validation: what is acknowledged, and why.

The session fixture synthesizes with the AwsSolutions plugin, and an unacknowledged finding makes
synthesis raise; so reaching these tests already means 0 unsuppressed errors.
"""

from __future__ import annotations

import json
from typing import Any

from aws_cdk import Validations

from tests.stack.conftest import Synthesized


def _acknowledged(stack: Any) -> dict[str, dict[str, str]]:
    found: dict[str, dict[str, str]] = {}
    for construct in stack.node.find_all():
        for entry in construct.node.metadata:
            if entry.type == Validations.ACKNOWLEDGED_RULES_METADATA_KEY:
                found.setdefault(construct.node.path, {}).update(entry.data)
    return found


def test_every_acknowledgment_gives_a_reason_of_a_sentence(synthesized: Synthesized) -> None:
    acknowledged = _acknowledged(synthesized.dendro)
    reasons = [reason for rules in acknowledged.values() for reason in rules.values()]
    assert len(reasons) >= 10
    assert all(len(reason.split()) >= 8 and reason.rstrip().endswith(".") for reason in reasons), reasons


def test_acknowledgments_are_scoped_to_the_constructs_they_are_about(synthesized: Synthesized) -> None:
    acknowledged = _acknowledged(synthesized.dendro)
    stack_wide = set(acknowledged.get("Dendro", {}))
    # Only rules that concern CDK-generated or stack-wide parts are acknowledged on the stack itself.
    assert {rule.split("[")[0] for rule in stack_wide} <= {
        "AwsSolutions::AwsSolutions-IAM4",
        "CloudFormation-Validate::W7001",
    }
    assert "AwsSolutions::AwsSolutions-S1" in acknowledged["Dendro/StagingBucket/Bucket"]
    assert "CloudFormation-Validate::W3697" in acknowledged["Dendro/TimestreamStore"]


def test_the_validation_report_has_no_open_violation_and_a_reason_for_each_suppressed_one(
    synthesized: Synthesized,
) -> None:
    report = json.loads((synthesized.outdir / "validation-report.json").read_text())
    [nag] = [r for r in report["pluginReports"] if r["pluginName"] == "AwsSolutions"]
    assert (nag["conclusion"], nag["violations"]) == ("success", [])
    suppressed = nag["suppressedViolations"]
    assert suppressed and all(v["reason"].strip() for v in suppressed)


def test_cdk_itself_reports_no_warning_or_error(synthesized: Synthesized) -> None:
    from aws_cdk.assertions import Annotations, Match

    for stack in (synthesized.dendro, synthesized.kept, synthesized.consumer):
        annotations = Annotations.from_stack(stack)
        assert annotations.find_warning("*", Match.any_value()) == []
        assert annotations.find_error("*", Match.any_value()) == []
