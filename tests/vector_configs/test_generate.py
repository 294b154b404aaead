"""The generated pipeline: what each source, transform and sink must hold, and why."""

from __future__ import annotations

import pytest

from dendro.catalog import SOURCES
from dendro.vector_configs import packing
from dendro.vector_configs.generate import ComponentIdClashError, build_config
from dendro.vector_configs.programs import parse_program
from dendro.vector_configs.render import to_dict, to_toml, to_yaml
from dendro.vector_configs.settings import MIN_DISK_BUFFER_BYTES
from tests.vector_configs.conftest import (
    CUSTOM_REGEX,
    FIREHOSE_ICEBERG,
    FIREHOSE_ROLE,
    FIREHOSE_TIMESTREAM,
    HTTP,
    Settings,
    every_source,
    rendered,
)


@pytest.mark.parametrize("type_id", SOURCES)
def test_each_catalog_source_becomes_a_pipeline(make_settings: Settings, type_id: str) -> None:
    source = SOURCES[type_id]
    collector = source.default_collector

    doc = rendered(make_settings([{"type": type_id}]))

    vector_source = doc["sources"][type_id]
    assert vector_source["type"] == collector.kind
    for option, value in collector.options.items():
        assert vector_source[option] == value
    parse = doc["transforms"][f"{type_id}_parse"]
    # A runtime error in the parser must send the line on untouched, never drop it.
    assert parse["drop_on_error"] is False
    assert parse["source"] == parse_program(source, collector)
    if collector.metrics:
        assert doc["transforms"][f"{type_id}_to_log"] == {"type": "metric_to_log", "inputs": [type_id]}
        assert parse["inputs"] == [f"{type_id}_to_log"]
    else:
        assert parse["inputs"] == [type_id]
    assert doc["sinks"]["collector"]["inputs"] == [f"{type_id}_parse"]


@pytest.mark.parametrize("type_id", [t for t, s in SOURCES.items() if s.default_collector.kind == "file"])
def test_file_sources_start_at_the_end_and_join_lines(make_settings: Settings, type_id: str) -> None:
    rule = SOURCES[type_id].default_collector.multiline

    file_source = rendered(make_settings([{"type": type_id}]))["sources"][type_id]

    # No checkpoint yet means first install: skip the history already on disk. Checkpoints (written
    # only for delivered lines, see the sink's acknowledgements) take over from then on.
    assert file_source["read_from"] == "end"
    if rule is None:
        assert "multiline" not in file_source
    else:
        assert file_source["multiline"] == {
            "start_pattern": rule.start_pattern,
            "condition_pattern": rule.condition_pattern,
            "mode": rule.mode,
            "timeout_ms": rule.timeout_ms,
        }


def test_overrides_reach_the_pipeline(make_settings: Settings) -> None:
    settings = make_settings(
        [
            {
                "type": "nginx_access",
                "name": "shop",
                "include": ["/srv/shop/logs/access.log"],
                "service": "shop",
                "transform": "del(.user_agent)",
                "options": {"read_from": "beginning", "ignore_older_secs": 86400},
            },
            {"type": "postgres_metrics", "options": {"endpoints": ["postgresql://dendro@db1:5432/app"]}},
            {"type": "syslog", "collector": "journald"},
            {"type": "postgres", "settings": {"log_line_prefix": "%m [%p] %q%u@%d "}},
        ],
        host="web-1",
    )

    doc = rendered(settings)

    shop = doc["sources"]["shop"]
    assert (shop["include"], shop["read_from"], shop["ignore_older_secs"]) == (
        ["/srv/shop/logs/access.log"],
        "beginning",
        86400,
    )
    assert doc["transforms"]["shop_parse"]["source"] == parse_program(
        SOURCES["nginx_access"], host="web-1", service="shop"
    )
    assert doc["transforms"]["shop_user"] == {
        "type": "remap",
        "inputs": ["shop_parse"],
        "source": "del(.user_agent)",
        "drop_on_error": False,
    }
    assert doc["sources"]["postgres_metrics"]["endpoints"] == ["postgresql://dendro@db1:5432/app"]
    assert doc["sources"]["syslog"] == {"type": "journald", "since_now": True}
    assert doc["transforms"]["postgres_parse"]["source"] == parse_program(
        SOURCES["postgres"], host="web-1", settings={"log_line_prefix": "%m [%p] %q%u@%d "}
    )
    assert doc["sinks"]["collector"]["inputs"] == [
        "shop_user",
        "postgres_metrics_parse",
        "syslog_parse",
        "postgres_parse",
    ]


def test_custom_source_pipeline(make_settings: Settings) -> None:
    settings = make_settings([], custom=[CUSTOM_REGEX])

    doc = rendered(settings)

    assert doc["sources"]["billing_worker"] == {
        "type": "file",
        "include": ["/var/log/billing/*.log"],
        "read_from": "end",
    }
    assert doc["transforms"]["billing_worker_parse"]["source"] == parse_program(settings.custom[0].source)


def test_globals(make_settings: Settings) -> None:
    assert "api" not in rendered(make_settings())
    doc = rendered(make_settings(api=True, data_dir="/srv/vector"))
    # The API can reconfigure nothing but shows the topology and events: keep it on loopback.
    assert doc["api"] == {"enabled": True, "address": "127.0.0.1:8686"}
    assert doc["data_dir"] == "/srv/vector"


def firehose_of(make_settings: Settings, sink: dict) -> dict:
    return rendered(make_settings(every_source(), sink))["sinks"]["firehose"]


@pytest.mark.parametrize("sink", [FIREHOSE_ICEBERG, FIREHOSE_TIMESTREAM])
def test_firehose_sink_loses_nothing(make_settings: Settings, sink: dict) -> None:
    firehose = firehose_of(make_settings, sink)

    assert (firehose["stream_name"], firehose["region"]) == ("dendro-events", "us-east-1")
    # Default AWS credential chain (instance role, env, profile) unless a role is given.
    assert "auth" not in firehose
    # PutRecordBatch: at most 500 records and 4 MiB a call.
    assert firehose["batch"]["max_events"] <= 500
    assert firehose["batch"]["max_bytes"] <= 4 * 1024 * 1024
    # A partial failure is an HTTP 200; Vector's default would drop the failed records.
    assert firehose["request_retry_partial"] is True
    # Retries forever (Vector's default retry_attempts) with a bounded backoff.
    assert "retry_attempts" not in firehose["request"]
    assert firehose["request"]["retry_max_duration_secs"] <= 300
    assert firehose["buffer"]["type"] == "disk"
    assert firehose["buffer"]["when_full"] == "block"
    assert firehose["buffer"]["max_size"] >= 12 * 3600 * 64 * 1024  # 12 h at 64 KiB/s
    # File sources checkpoint only what reached the disk buffer.
    assert firehose["acknowledgements"] == {"enabled": True}
    # The agent policy grants PutRecord/PutRecordBatch only, so the DescribeDeliveryStream
    # healthcheck would fail on every start.
    assert firehose["healthcheck"] == {"enabled": False}


def test_firehose_assumes_the_given_role(make_settings: Settings) -> None:
    firehose = firehose_of(make_settings, FIREHOSE_ROLE)

    assert firehose["auth"] == {"assume_role": "arn:aws:iam::123456789012:role/dendro-agent"}


def test_iceberg_sends_one_json_event_per_record(make_settings: Settings) -> None:
    doc = rendered(make_settings(every_source(), FIREHOSE_ICEBERG))

    firehose = doc["sinks"]["firehose"]
    assert firehose["encoding"] == {"codec": "json"}
    # Each event gets its id once, before the sink's disk buffer, so every resent copy carries it.
    assert firehose["inputs"] == ["event_id"]
    ids = doc["transforms"]["event_id"]
    assert (ids["type"], ids["inputs"]) == ("remap", [f"{t}_parse" for t in SOURCES])
    assert "uuid_v4()" in ids["source"]
    assert not [t for t in doc["transforms"] if t.startswith("dendro_pack")]


def test_timestream_packs_events_into_records(make_settings: Settings) -> None:
    doc = rendered(make_settings(every_source(), FIREHOSE_TIMESTREAM))

    transforms = doc["transforms"]
    firehose = doc["sinks"]["firehose"]
    assert firehose["encoding"] == {"codec": "text"}  # the packed NDJSON, as is
    assert transforms[packing.ENCODE_ID]["inputs"] == [f"{t}_parse" for t in SOURCES]
    assert transforms[packing.ROUTE_ID]["inputs"] == [packing.ENCODE_ID]
    lanes = [transforms[lane.component_id] for lane in packing.lanes()]
    assert firehose["inputs"] == [*(lane.component_id for lane in packing.lanes()), packing.UNMATCHED]
    for lane, reduce in zip(packing.lanes(), lanes, strict=True):
        assert reduce["inputs"] == [f"{packing.ROUTE_ID}.{lane.name}"]
        assert reduce["group_by"] == []
        assert reduce["merge_strategies"] == {"message": "concat_newline"}
        # Bounded: a record never nears Firehose's 1,000 KiB, and lines wait a few seconds at most.
        assert reduce["max_events"] * (lane.max_event_bytes + 1) - 1 <= packing.RECORD_BUDGET_BYTES
        assert packing.RECORD_BUDGET_BYTES <= 0.8 * packing.RECORD_LIMIT_BYTES
        assert reduce["end_every_period_ms"] <= 5_000
        assert reduce["expire_after_ms"] <= reduce["end_every_period_ms"]


def test_http_sink_for_the_local_collector(make_settings: Settings) -> None:
    settings = make_settings(every_source(), {**HTTP, "token_env": "COLLECTOR_TOKEN"})
    config = build_config(settings)

    collector = to_dict(config)["sinks"]["collector"]

    assert collector["uri"] == "http://127.0.0.1:8080/ingest"
    assert collector["method"] == "post"
    assert (collector["encoding"], collector["framing"]) == (
        {"codec": "json"},
        {"method": "newline_delimited"},
    )
    assert collector["compression"] == "gzip"
    assert collector["auth"] == {"strategy": "bearer", "token": "${COLLECTOR_TOKEN}"}
    assert collector["acknowledgements"] == {"enabled": True}
    assert (collector["buffer"]["type"], collector["buffer"]["when_full"]) == ("disk", "block")
    assert collector["buffer"]["max_size"] >= MIN_DISK_BUFFER_BYTES


def test_token_is_never_written(make_settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DENDRO_TOKEN", "s3cr3t-value")
    config = build_config(make_settings(every_source(), HTTP))

    for text in (to_toml(config), to_yaml(config)):
        assert "s3cr3t-value" not in text
        assert "${DENDRO_TOKEN}" in text


def test_component_ids_cannot_clash(make_settings: Settings) -> None:
    settings = make_settings([{"type": "syslog", "name": "dendro_pack_encode"}], FIREHOSE_TIMESTREAM)

    with pytest.raises(ComponentIdClashError, match="'dendro_pack_encode'"):
        build_config(settings)


def test_every_catalog_source_is_generated(make_settings: Settings) -> None:
    # Like a docs test: a new catalog entry must show up in the generated config.
    doc = rendered(make_settings(every_source()))

    assert set(doc["sources"]) == set(SOURCES)
