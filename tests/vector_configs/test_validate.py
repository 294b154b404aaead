"""validate_config: one readable line per fault, including what the schema cannot see."""

from __future__ import annotations

import copy
import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from dendro.vector_configs import packing
from dendro.vector_configs.generate import build_config
from dendro.vector_configs.interpolate import InterpolationError, interpolate
from dendro.vector_configs.render import to_dict, to_toml, to_yaml
from dendro.vector_configs.validate import check_config, check_generated, load_config_file, validate_config
from dendro.vector_configs.vrl_check import VRL_AVAILABLE
from tests.support.vrl import as_reported
from tests.vector_configs.conftest import SINKS, Settings, every_source, rendered

Doc = dict[str, Any]


@pytest.fixture
def doc(make_settings: Settings) -> Doc:
    return copy.deepcopy(rendered(make_settings(every_source(), SINKS["timestream"])))


def test_generated_configs_are_valid(make_settings: Settings) -> None:
    for sink in SINKS.values():
        report = check_config(rendered(make_settings(every_source(), sink, api=True)))
        assert report.problems == []
        assert report.vrl_checked == VRL_AVAILABLE


@pytest.mark.parametrize(
    ("break_it", "expected"),
    [
        (
            lambda d: d["sinks"]["firehose"].update(request_retry_partail=True),
            "sinks.firehose.request_retry_partail: unknown option (did you mean 'request_retry_partial'?)",
        ),
        (
            lambda d: d["sinks"]["firehose"].update(stream_nam=d["sinks"]["firehose"].pop("stream_name")),
            "sinks.firehose.stream_nam: unknown option (did you mean 'stream_name'?)",
        ),
        (
            lambda d: d["sinks"]["firehose"]["batch"].update(max_events="500"),
            "sinks.firehose.batch.max_events: '500' is not of type 'integer', 'null'",
        ),
        (
            lambda d: d["sources"]["host_metrics"].update(scrape_interval_secs="15s"),
            "sources.host_metrics.scrape_interval_secs: '15s' is not of type 'integer'",
        ),
        (
            lambda d: d["sources"]["syslog"].update(read_from="newest"),
            "sources.syslog.read_from: 'newest' is not one of 'beginning', 'end'",
        ),
        (
            lambda d: d["sinks"]["firehose"]["encoding"].update(codec="ndjson"),
            "sinks.firehose.encoding.codec: 'ndjson' is not one of 'avro', 'cef', 'csv', 'gelf', 'json', "
            "'logfmt', 'native', 'native_json', 'otlp', 'protobuf', 'raw_message', 'text', 'syslog'",
        ),
        (
            lambda d: d["sinks"]["firehose"]["buffer"].update(max_size=1024),
            "sinks.firehose.buffer.max_size: 1024 is less than the minimum of 268435488.0",
        ),
        (
            lambda d: d["transforms"]["mongodb_parse"].update(type="remapp"),
            "transforms.mongodb_parse.type: 'remapp' is not a Vector transform type (did you mean 'remap'?)",
        ),
        (
            lambda d: d.update(data_dirr=d.pop("data_dir")),
            "data_dirr: unknown option (did you mean 'data_dir'?)",
        ),
        (
            lambda d: d["sinks"]["firehose"]["inputs"].append("nginx_acess_parse"),
            "sinks.firehose.inputs: 'nginx_acess_parse' is not a source or transform in this config",
        ),
        (
            lambda d: d["sinks"]["firehose"]["inputs"].append(f"{packing.ROUTE_ID}.tiny"),
            f"sinks.firehose.inputs: transforms.{packing.ROUTE_ID} has no output 'tiny' (its named outputs: "
            f"{packing.ROUTE_ID}._unmatched, {packing.ROUTE_ID}.medium, {packing.ROUTE_ID}.small)",
        ),
        (
            lambda d: d["transforms"]["syslog_parse"].update(inputs=["firehose"]),
            "transforms.syslog_parse.inputs: 'firehose' is a sink; sinks have no output",
        ),
        (
            lambda d: d["transforms"]["syslog_parse"].update(inputs=["syslog_parse"]),
            "inputs form a cycle: transforms.syslog_parse (each waits, directly or not, on its own output)",
        ),
        (
            lambda d: d["transforms"]["syslog_parse"].pop("source"),
            "transforms.syslog_parse: a remap needs `source` (or `file`) with a VRL program",
        ),
    ],
    ids=[
        "misspelt-option",
        "misspelt-required-option",
        "wrong-type",
        "duration-as-text",
        "bad-enum",
        "bad-codec",
        "small-buffer",
        "unknown-type",
        "misspelt-global",
        "dangling-input",
        "missing-route-output",
        "sink-as-input",
        "cycle",
        "remap-without-program",
    ],
)
def test_each_fault_is_one_readable_line(doc: Doc, break_it: Callable[[Doc], Any], expected: str) -> None:
    break_it(doc)

    assert validate_config(doc) == [expected]


@pytest.mark.parametrize(
    ("where", "vrl", "expected"),
    [
        (
            "transforms.nginx_access_parse.source",
            ".x = parse_json(.message)",
            "error[E103] unhandled fallible assignment at line 1, column 6",
        ),
        (
            f"transforms.{packing.ROUTE_ID}.route.small",
            "length(.message) <",
            "error[E204] syntax error at line 1, column 19",
        ),
    ],
)
def test_bad_vrl_is_one_line(doc: Doc, where: str, vrl: str, expected: str) -> None:
    section, component, *rest = where.split(".")
    target = doc[section][component]
    for key in rest[:-1]:
        target = target[key]
    target[rest[-1]] = vrl

    [problem] = validate_config(doc)

    assert problem.startswith(f"{where}: VRL does not compile: {as_reported(expected)}")


@pytest.mark.parametrize("fmt", ["toml", "yaml", "json"])
def test_load_config_file_substitutes_like_vector(make_settings: Settings, tmp_path: Path, fmt: str) -> None:
    config = build_config(make_settings(every_source(), SINKS["http"]))
    text = {"toml": to_toml, "yaml": to_yaml, "json": lambda c: json.dumps(to_dict(c))}[fmt](config)
    path = tmp_path / f"vector.{fmt}"
    path.write_text(text)

    loaded = load_config_file(path, {"DENDRO_TOKEN": "t0ken"})

    assert loaded["sinks"]["collector"]["auth"]["token"] == "t0ken"
    assert loaded == interpolate(to_dict(config), {"DENDRO_TOKEN": "t0ken"})
    assert validate_config(loaded) == []


def test_unset_variable_fails_like_vector(tmp_path: Path) -> None:
    path = tmp_path / "vector.toml"
    path.write_text('data_dir = "${STATE_DIR}"\n[api]\naddress = "${API_ADDR:-127.0.0.1:8686}"\n')

    assert load_config_file(path, {}) == {"data_dir": "", "api": {"address": "127.0.0.1:8686"}}
    with pytest.raises(InterpolationError, match="STATE_DIR"):
        load_config_file(path, {}, strict=True)


def test_substituted_numbers_are_checked_as_numbers(tmp_path: Path) -> None:
    # Vector substitutes before parsing: "${N}" in a quoted field stays a string and fails the schema.
    path = tmp_path / "vector.yaml"
    path.write_text('sources:\n  m:\n    type: host_metrics\n    scrape_interval_secs: "${N}"\n')

    assert validate_config(load_config_file(path, {"N": "15"})) == [
        "sources.m.scrape_interval_secs: '15' is not of type 'integer'"
    ]


def test_time_to_generate_and_validate_everything(make_settings: Settings) -> None:
    settings = make_settings(every_source(), SINKS["timestream"], api=True)
    validate_config(rendered(settings))  # warm: schema loaded, validators built, VRL compiled once

    started = time.perf_counter()
    report = check_generated(build_config(settings), {})
    elapsed = time.perf_counter() - started

    print(f"\ngenerate + validate, every catalog source, timestream packing: {elapsed * 1000:.0f} ms (warm)")
    assert report.problems == []
    assert elapsed < 5


def test_unreadable_files_are_value_errors(tmp_path: Path) -> None:
    bad_yaml, a_list = tmp_path / "bad.yaml", tmp_path / "list.yaml"
    bad_yaml.write_text("sources: [unclosed\n")
    a_list.write_text("- sources\n")

    with pytest.raises(ValueError, match="not valid YAML"):
        load_config_file(bad_yaml)
    assert validate_config(load_config_file(a_list)) == [
        "the config must be a table (data_dir, sources, transforms, sinks...)"
    ]
