"""CDK context -> DendroProps: what `cdk deploy -c dendro:...` and cdk.json may say."""

from __future__ import annotations

from typing import Any

import pytest

from dendro.catalog import SOURCES
from dendro.stack.props import DendroConfigError, DendroProps, props_from_context, stack_name_from_context


def _props(**context: Any) -> DendroProps:
    return props_from_context(lambda key: context.get(key))


def test_no_context_means_the_defaults() -> None:
    props = _props()
    assert props == DendroProps()
    assert props.sources == tuple(SOURCES) and props.alert_emails == () and not props.keep_data


def test_command_line_strings_and_cdk_json_values_both_parse() -> None:
    from_cli = _props(
        **{
            "dendro:alertEmails": "a@x.org, b@x.org",
            "dendro:keepData": "true",
            "dendro:memoryRetentionHours": "12",
            "dendro:sources": "syslog,nginx_access",
        }
    )
    from_json = _props(
        **{
            "dendro:alertEmails": ["a@x.org", "b@x.org"],
            "dendro:keepData": True,
            "dendro:memoryRetentionHours": 12,
            "dendro:sources": ["syslog", "nginx_access"],
        }
    )
    assert from_cli == from_json
    assert from_cli.alert_emails == ("a@x.org", "b@x.org") and from_cli.keep_data
    # Tables follow the catalog's order, whatever order the user listed the sources in.
    assert [s.type for s in from_cli.enabled_sources] == ["nginx_access", "syslog"]


@pytest.mark.parametrize(
    ("context", "message"),
    [
        ({"dendro:store": "dynamo"}, "dendro:store: 'dynamo' is not a store; choose timestream or iceberg"),
        ({"dendro:sources": "nginx_access,nginx_acess"}, "dendro:sources: unknown source 'nginx_acess'"),
        (
            {"dendro:alertEmails": "ops-at-example.org"},
            "dendro:alertEmails: 'ops-at-example.org' is not an email",
        ),
        (
            {"dendro:memoryRetentionHours": "9000"},
            "dendro:memoryRetentionHours: 9000 is out of range; use 1 to 8766",
        ),
        ({"dendro:bufferSizeMiB": "lots"}, "dendro:bufferSizeMiB: 'lots': invalid literal"),
        ({"dendro:keepData": "maybe"}, "dendro:keepData: 'maybe': 'maybe' is not true or false"),
        (
            {"dendro:eventEarliest": "01/02/2025"},
            "dendro:eventEarliest: '01/02/2025' is not a date; use YYYY-MM-DD",
        ),
        ({"dendro:eventAheadHours": "-1"}, "dendro:eventAheadHours: -1 is out of range; use 0 to 8784"),
    ],
)
def test_a_bad_value_names_its_context_key(context: dict[str, str], message: str) -> None:
    with pytest.raises(DendroConfigError) as caught:
        _props(**context)
    assert str(caught.value).startswith(message)


def test_the_stack_name_is_checked_like_cloudformation_does() -> None:
    assert stack_name_from_context(lambda key: None, "Dendro") == "Dendro"
    with pytest.raises(DendroConfigError, match="letters, digits and hyphens"):
        stack_name_from_context(lambda key: "dendro_prod", "Dendro")
