"""Stack updates must not break existing tables: what a deploy would change, from two real synths.

Each case synthesizes the stack before and after a catalog change (same stack name, so the same
logical IDs) and compares the templates as CloudFormation would: resources added, removed, and the
property paths that changed, with CloudFormation's own create-only properties (the resource schemas
cfn-lint ships) telling an in-place update from a replacement. Custom::IcebergTable has no schema:
its handler keeps the physical ID, so an update is always in place (test_iceberg_tables_handler.py).
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pytest

from dendro.catalog import SOURCES, Field, FieldType, Role
from dendro.stack.schema_evolution.ddl import plan

os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")
BEFORE = ("nginx_access", "syslog")


def synth(sources: tuple[str, ...]) -> dict[str, Any]:
    import aws_cdk as cdk
    from aws_cdk.assertions import Template

    from dendro.stack.props import DendroProps
    from dendro.stack.stack import DendroStack

    app = cdk.App()
    stack = DendroStack(app, "Dendro", props=DendroProps(bundle=False, sources=sources))
    return dict(Template.from_stack(stack).to_json()["Resources"])


def _paths(before: Any, after: Any, path: str = "") -> list[str]:
    if isinstance(before, Mapping) and isinstance(after, Mapping):
        found = []
        for key in sorted(set(before) | set(after)):
            found += _paths(before.get(key), after.get(key), f"{path}/{key}")
        return found
    return [] if before == after else [path]


@dataclass
class Changes:
    added: dict[str, str]  # logical ID -> type
    removed: dict[str, str]
    modified: dict[str, list[str]]  # logical ID -> changed property paths ("/Properties/...")
    replaced: dict[str, list[str]]  # the modified ones whose change CloudFormation makes by replacement


def changes(before: Mapping[str, Any], after: Mapping[str, Any]) -> Changes:
    from cfnlint.schema import PROVIDER_SCHEMA_MANAGER

    added = {k: after[k]["Type"] for k in after.keys() - before.keys()}
    removed = {k: before[k]["Type"] for k in before.keys() - after.keys()}
    modified, replaced = {}, {}
    for key in before.keys() & after.keys():
        paths = _paths(before[key].get("Properties", {}), after[key].get("Properties", {}))
        if not paths:
            continue
        modified[key] = paths
        kind = after[key]["Type"]
        if kind.startswith("Custom::"):
            continue
        schema = PROVIDER_SCHEMA_MANAGER.get_resource_schema(region="us-east-1", resource_type=kind).schema
        create_only = [p.replace("/properties", "", 1) for p in schema.get("createOnlyProperties", [])]
        hits = [
            p
            for p in paths
            if any(p == c or p.startswith(c + "/") or c.startswith(p + "/") for c in create_only)
        ]
        if hits:
            replaced[key] = hits
    return Changes(added, removed, modified, replaced)


def by_type(resources: Mapping[str, Any], kind: str) -> dict[str, dict[str, Any]]:
    return {k: v for k, v in resources.items() if v["Type"] == kind}


def table_id(resources: Mapping[str, Any], table: str) -> str:
    [key] = [
        k for k, v in by_type(resources, "Custom::IcebergTable").items() if v["Properties"]["Table"] == table
    ]
    return key


@pytest.fixture(scope="module")
def before() -> dict[str, Any]:
    return synth(BEFORE)


def test_adding_a_source_adds_its_table_and_touches_no_existing_table(before: dict[str, Any]) -> None:
    after = synth((*BEFORE, "postgres"))

    diff = changes(before, after)

    assert diff.added == {table_id(after, "postgres"): "Custom::IcebergTable"}
    assert diff.removed == {}
    assert diff.replaced == {}
    [function] = [k for k, v in by_type(after, "AWS::Lambda::Function").items()
                  if v["Properties"]["Handler"] == "dendro.ingest_lambda.handler.handler"]  # fmt: skip
    [stream] = by_type(after, "AWS::KinesisFirehose::DeliveryStream")
    [table_names] = [k for k, v in by_type(after, "AWS::SSM::Parameter").items()
                     if v["Properties"]["Name"].endswith("/TableNames")]  # fmt: skip
    [maintenance] = by_type(after, "AWS::Events::Rule")
    assert diff.modified == {
        # The Lambda accepts the new type, Firehose may route to the new table, the output lists it,
        # the daily maintenance includes it.
        function: ["/Environment/Variables/DENDRO_SOURCES"],
        stream: ["/IcebergDestinationConfiguration/DestinationTableConfigurationList"],
        table_names: ["/Value"],
        maintenance: ["/Targets"],
    }
    # The stream waits for the new table too, since Firehose checks its tables.
    assert table_id(after, "postgres") in after[stream]["DependsOn"]


def test_adding_a_field_changes_only_that_tables_columns_which_the_handler_adds(
    before: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    nginx = SOURCES["nginx_access"]
    field = Field("upstream_status", FieldType.INT, Role.MEASURE, description="status from the upstream")
    monkeypatch.setitem(SOURCES, "nginx_access", dataclasses.replace(nginx, fields=(*nginx.fields, field)))
    after = synth(BEFORE)

    diff = changes(before, after)

    nginx_table = table_id(after, "nginx_access")
    assert (diff.added, diff.removed, diff.replaced) == ({}, {}, {})
    assert diff.modified == {nginx_table: ["/Columns"]}
    old = before[nginx_table]["Properties"]["Columns"]
    new = after[nginx_table]["Properties"]["Columns"]
    # The catalog's columns, then the store's own event_id; ADD COLUMNS appends, order is by name.
    assert new == [*old[:-1], ["upstream_status", "bigint"], ["event_id", "string"]]
    # What the handler does with that update (against Stubber in test_iceberg_tables_handler.py).
    evolution = plan(dict(map(tuple, old)), [tuple(c) for c in new])
    assert evolution.added == (("upstream_status", "bigint"),) and evolution.kept == ()


def test_nothing_changes_when_nothing_changed(before: dict[str, Any]) -> None:
    diff = changes(before, synth(BEFORE))
    assert (diff.added, diff.removed, diff.modified) == ({}, {}, {})
