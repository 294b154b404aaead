"""Every config Dendro generates matches Vector's published config JSON Schema (Vector 0.54).

Components are checked one by one against their own branch of the schema (schema_check), which is
fast; a few whole documents go through the full root schema too, to show both agree.
"""

from __future__ import annotations

import copy
import hashlib
from importlib import resources

import pytest

from dendro.catalog import SOURCES
from dendro.vector_configs import schema_check
from tests.vector_configs.conftest import (
    CUSTOM_REGEX,
    CUSTOM_VRL,
    FIREHOSE_ROLE,
    SINKS,
    Settings,
    every_source,
)
from tests.vector_configs.conftest import rendered as rendered_doc

SCHEMA_SHA256 = "f86c31ca14a27ca38f9547f6fc15eb27b65350f5adb1f2e2bf3ebbadd773bc7f"


def test_schema_is_the_published_one_with_its_licence() -> None:
    folder = resources.files("dendro.vector_configs").joinpath("schema")

    digest = hashlib.sha256(folder.joinpath("vector-config.schema.json").read_bytes()).hexdigest()

    assert digest == SCHEMA_SHA256
    assert "Apache License" in folder.joinpath("LICENSE.schemastore.txt").read_text()
    assert "Mads Kristensen" in folder.joinpath("NOTICE.schemastore.txt").read_text()


@pytest.mark.parametrize("sink", SINKS)
@pytest.mark.parametrize("type_id", SOURCES)
def test_each_source_alone(make_settings: Settings, type_id: str, sink: str) -> None:
    doc = rendered_doc(make_settings([{"type": type_id}], SINKS[sink]))

    assert schema_check.problems(doc) == []


@pytest.mark.parametrize("sink", SINKS)
def test_all_sources_custom_sources_and_overrides(make_settings: Settings, sink: str) -> None:
    sources = [
        *every_source(),
        {"type": "syslog", "name": "journal", "collector": "journald", "transform": "del(.procid)"},
        {
            "type": "nginx_access",
            "name": "shop",
            "include": ["/srv/shop/access.log"],
            "options": {"exclude": []},
        },
    ]
    settings = make_settings(sources, SINKS[sink], custom=[CUSTOM_REGEX, CUSTOM_VRL], api=True)

    assert schema_check.problems(rendered_doc(settings)) == []


def test_role_and_options_pass(make_settings: Settings) -> None:
    sources = [{"type": "host_metrics", "options": {"scrape_interval_secs": 30, "namespace": "host"}}]

    assert schema_check.problems(rendered_doc(make_settings(sources, FIREHOSE_ROLE))) == []


@pytest.mark.parametrize("sink", SINKS)
def test_whole_document_against_the_root_schema(make_settings: Settings, sink: str) -> None:
    doc = rendered_doc(make_settings(every_source(), SINKS[sink], custom=[CUSTOM_REGEX], api=True))

    assert [e.message[:200] for e in schema_check.root_validator().iter_errors(doc)] == []


@pytest.mark.parametrize(
    "break_it",
    [
        lambda doc: doc["sinks"]["firehose"].update(request_retry_partail=True),
        lambda doc: doc["sources"]["syslog"].update(read_from="newest"),
        lambda doc: doc.update(data_dirr="/var/lib/vector"),
    ],
    ids=["misspelt-option", "bad-enum", "bad-global"],
)
def test_fast_path_agrees_with_the_root_schema(make_settings: Settings, break_it) -> None:
    doc = copy.deepcopy(rendered_doc(make_settings([{"type": "syslog"}], SINKS["iceberg"])))
    break_it(doc)

    assert schema_check.problems(doc) != []
    assert not schema_check.root_validator().is_valid(doc)
