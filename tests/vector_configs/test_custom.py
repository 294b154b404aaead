"""Custom file sources: the Source built from a declaration, and its parser run by the real VRL."""

from __future__ import annotations

from typing import Any

import pytest

from dendro.catalog.custom import CustomSourceError, CustomSourceSpec, custom_source
from dendro.catalog.model import FieldType, Role
from dendro.ingest_lambda.validate import Invalid, normalize
from dendro.vector_configs.programs import parse_program
from dendro.vector_configs.settings import CustomSourceSettings
from tests.support.samples import jsonable
from tests.support.vrl import compile_program
from tests.vector_configs.conftest import CUSTOM_REGEX, CUSTOM_VRL

READ_AT = "2026-01-02T03:04:05Z"


def run(declaration: dict[str, Any], line: str) -> dict[str, Any]:
    source = CustomSourceSettings.model_validate(declaration).source
    # Vector's file source stamps each line with the time it read it; pyvrl takes no timestamps in.
    read_at = f'.timestamp = parse_timestamp!("{READ_AT}", "%+")\n'
    program = compile_program(read_at + parse_program(source, host="app-1"))
    return jsonable(program.remap({"message": line, "file": "/var/log/x.log"}))


def test_regex_declaration_becomes_a_source() -> None:
    source = CustomSourceSettings.model_validate(CUSTOM_REGEX).source

    assert source.type == "billing_worker"
    assert [(f.name, f.type, f.role) for f in source.fields] == [
        ("level", FieldType.STRING, Role.DIMENSION),
        ("duration_ms", FieldType.FLOAT, Role.MEASURE),
        ("message", FieldType.STRING, Role.MEASURE),
    ]
    [collector] = source.collectors
    assert (collector.kind, collector.options) == ("file", {"include": ["/var/log/billing/*.log"]})


def test_plain_spec_and_settings_build_the_same_source() -> None:
    # The ingest side builds custom sources from plain data, without pydantic.
    from_settings = CustomSourceSettings.model_validate(CUSTOM_REGEX).source
    from_mapping = custom_source(CustomSourceSpec.from_mapping(CUSTOM_REGEX))

    assert from_mapping == from_settings


def test_regex_parser_converts_each_capture() -> None:
    event = run(CUSTOM_REGEX, "2026-03-04T05:06:07.250Z INFO 12.5ms charged card 42")

    assert event == {
        "type": "billing_worker",
        "host": "app-1",
        "timestamp": "2026-03-04T05:06:07.250000Z",
        "line": "2026-03-04T05:06:07.250Z INFO 12.5ms charged card 42",
        "level": "INFO",
        "duration_ms": 12.5,
        "message": "charged card 42",
    }
    source = CustomSourceSettings.model_validate(CUSTOM_REGEX).source
    assert not isinstance(normalize(event, source), Invalid)


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("charged card 42", "line does not match the billing_worker regex"),
        ("yesterday INFO 12.5ms charged", "timestamp: not a timestamp in format RFC 3339"),
    ],
)
def test_regex_parser_flags_a_bad_line_and_keeps_it(line: str, reason: str) -> None:
    event = run(CUSTOM_REGEX, line)

    assert event["_parse_error"] == reason
    assert event["message"] == line
    assert (event["type"], event["host"]) == ("billing_worker", "app-1")


def test_timestamp_format_and_types() -> None:
    declaration = {
        "name": "batch_jobs",
        "include": ["/var/log/jobs.log"],
        "regex": r"^\[(?P<timestamp>[^\]]+)\] job=(?P<job>\w+) rows=(?P<rows>-?\d+) ok=(?P<ok>\w+)$",
        "fields": {"rows": "int", "ok": "bool"},
        "timestamp_format": "%d/%b/%Y:%H:%M:%S %z",
    }

    good = run(declaration, "[04/Mar/2026:05:06:07 +0100] job=nightly rows=-3 ok=true")
    bad = run(declaration, "[04/Mar/2026:05:06:07 +0100] job=nightly rows=3 ok=maybe")

    assert good["timestamp"] == "2026-03-04T04:06:07.000000Z"
    assert (good["rows"], good["ok"]) == (-3, True)
    assert bad["_parse_error"] == "ok: not of type bool"


def test_regex_without_timestamp_uses_the_time_read() -> None:
    declaration = {
        "name": "plain",
        "include": ["/var/log/plain.log"],
        "regex": r"^(?P<level>\w+): (?P<message>.*)$",
    }

    event = run(declaration, "WARN: disk almost full")

    assert event["timestamp"] == "2026-01-02T03:04:05.000000Z"
    assert "_parse_error" not in event


def test_user_vrl_parser() -> None:
    event = run(CUSTOM_VRL, "ts=2026-03-04T05:06:07Z job=resize attempt=3")

    assert (event["job"], event["attempt"], event["timestamp"]) == (
        "resize",
        "3",
        "2026-03-04T05:06:07.000000Z",
    )


def test_declaration_errors_name_the_setting() -> None:
    with pytest.raises(CustomSourceError) as caught:
        custom_source(CustomSourceSpec(name="x", include=("/x",), regex="(?P<a>.)", fields={"a": "decimal"}))

    assert caught.value.field == "fields.a"
