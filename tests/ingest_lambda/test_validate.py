"""Normalizing one event against the catalog: lossless coercion, UTC timestamps, required fields."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from dendro.catalog import SOURCES
from dendro.ingest_lambda.validate import Invalid, normalize, row_builder
from tests.events import load_event

NGINX = SOURCES["nginx_access"]


@pytest.fixture
def event() -> dict[str, Any]:
    return load_event("nginx_access_event")


def test_a_well_formed_event_becomes_a_row_in_column_order(event: dict[str, Any]) -> None:
    row = row_builder(NGINX)(event)

    assert isinstance(row, tuple)
    assert len(row) == len(NGINX.columns)
    as_dict = dict(zip([f.name for f in NGINX.columns], row, strict=True))
    assert as_dict["timestamp"] == datetime(2019, 1, 22, 0, 26, 16, tzinfo=UTC)
    assert as_dict["status"] == 200 and as_dict["vhost"] is None


@pytest.mark.parametrize(
    ("field", "value", "stored"),
    [
        ("status", "404", 404),
        ("status", 404.0, 404),
        ("request_time", 1, 1.0),
        ("request_time", "0.25", 0.25),
        ("client", 42, "42"),
        ("timestamp", "2019-01-22T03:56:16+03:30", datetime(2019, 1, 22, 0, 26, 16, tzinfo=UTC)),
    ],
)
def test_lossless_coercion(event: dict[str, Any], field: str, value: Any, stored: Any) -> None:
    row = normalize({**event, field: value}, NGINX)

    assert not isinstance(row, Invalid)
    assert row[field] == stored
    assert type(row[field]) is type(stored)


@pytest.mark.parametrize(
    ("field", "value", "reason"),
    [
        ("status", "abc", "bad_type"),
        ("status", 200.5, "bad_type"),
        ("status", True, "bad_type"),
        ("status", 2**63, "bad_type"),
        ("status", [200], "bad_type"),
        ("request_time", float("inf"), "bad_type"),
        ("host", None, "missing_field"),
        ("timestamp", "22/Jan/2019:03:56:16 +0330", "bad_timestamp"),
        ("timestamp", "2019-01-22T00:26:16", "bad_timestamp"),  # no offset: which zone?
        ("timestamp", 1548116776, "bad_timestamp"),
    ],
)
def test_everything_else_is_a_reject_with_its_reason(
    event: dict[str, Any], field: str, value: Any, reason: str
) -> None:
    result = normalize({**event, field: value}, NGINX)

    assert isinstance(result, Invalid)
    assert (result.reason, result.type) == (reason, "nginx_access")
    assert repr(field) in result.detail


def test_a_missing_required_field(event: dict[str, Any]) -> None:
    del event["status"]

    assert normalize(event, NGINX) == Invalid("missing_field", "'status' is required", "nginx_access")


def test_an_event_vector_could_not_parse_is_rejected_as_unparsed() -> None:
    result = normalize(load_event("nginx_access_unparsed"), NGINX)

    assert result == Invalid("unparsed", "not an nginx access line", "nginx_access")


def test_fields_outside_the_catalog_are_not_stored(event: dict[str, Any]) -> None:
    row = normalize({**event, "source_type": "file", "file": "/var/log/nginx/access.log"}, NGINX)

    assert not isinstance(row, Invalid)
    assert "file" not in row and "source_type" not in row


@pytest.mark.parametrize("source", SOURCES.values(), ids=list(SOURCES))
def test_every_catalog_source_has_a_row_builder(source: Any) -> None:
    # The generated fast path compiles for every entry (field names are only ever repr() literals).
    builder = row_builder(source)

    assert builder.names == tuple(f.name for f in source.columns)
    assert isinstance(builder({"type": source.type}), Invalid)
