"""The metric parser: samples as Vector's `metric_to_log` emits them, run through the real VRL runtime
inside each metric source's envelope, then normalized exactly as the ingest side stores them."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from dendro.catalog import SOURCES
from dendro.ingest_lambda.validate import Invalid, normalize
from dendro.vector_configs.programs import parse_program
from tests.support.samples import jsonable
from tests.support.vrl import compile_program

EVENTS = Path(__file__).resolve().parents[1] / "events"
VECTOR_SCHEMA = (
    Path(__file__).resolve().parents[2] / "dendro" / "vector_configs" / "schema" / "vector-config.schema.json"
)
METRIC_SOURCES = ("host_metrics", "postgres_metrics", "mongodb_metrics", "nginx_metrics", "apache_metrics")
# Every fixture sample carries this scrape time, nanoseconds and all, as Vector serializes it.
SCRAPED = datetime(2026, 11, 27, 9, 15, 0, 482913, tzinfo=UTC)


def load_event(name: str) -> dict[str, Any]:
    return json.loads((EVENTS / "metric_to_log" / name).read_text())


def run(type_id: str, event: dict[str, Any]) -> dict[str, Any]:
    program = compile_program(parse_program(SOURCES[type_id], host="sample-host"))
    return jsonable(program.remap(event))


def parse(type_id: str, event: dict[str, Any]) -> dict[str, Any] | Invalid:
    return normalize(run(type_id, event), SOURCES[type_id])


def row(type_id: str, **fields: Any) -> dict[str, Any]:
    empty = dict.fromkeys(f.name for f in SOURCES[type_id].columns)
    return {**empty, "type": type_id, "host": "sample-host", "timestamp": SCRAPED, **fields}


PG_ENDPOINT = "postgresql:///postgres?host=%2Fvar%2Frun%2Fpostgresql"

EXPECTED = [
    (
        "host_metrics",
        "host_cpu_seconds_total.json",
        {"metric": "cpu_seconds_total", "kind": "counter", "value": 183205.73, "collector": "cpu", "cpu": "3"}
        | {"mode": "idle"},
    ),
    (
        "host_metrics",
        "host_memory_used_bytes.json",
        {"metric": "memory_used_bytes", "kind": "gauge", "value": 2871754752.0, "collector": "memory"},
    ),
    (
        "host_metrics",
        "host_load1.json",
        {"metric": "load1", "kind": "gauge", "value": 0.42, "collector": "load"},
    ),
    (
        "host_metrics",
        "host_filesystem_used_bytes.json",
        {
            "metric": "filesystem_used_bytes",
            "kind": "gauge",
            "value": 12683247616.0,
            "collector": "filesystem",
        }
        | {"device": "/dev/nvme0n1p1", "filesystem": "ext4", "mountpoint": "/"},
    ),
    (
        "host_metrics",
        "host_disk_read_bytes_total.json",
        {"metric": "disk_read_bytes_total", "kind": "counter", "value": 7516192768.0, "collector": "disk"}
        | {"device": "nvme0n1"},
    ),
    (
        "host_metrics",
        "host_network_receive_bytes_total.json",
        {"metric": "network_receive_bytes_total", "kind": "counter", "value": 98325114880.0}
        | {"collector": "network", "device": "ens5"},
    ),
    (
        "postgres_metrics",
        "postgresql_pg_stat_database_xact_commit_total.json",
        {"metric": "pg_stat_database_xact_commit_total", "kind": "counter", "value": 4418302.0}
        | {"endpoint": PG_ENDPOINT, "db": "shop"},
    ),
    (
        "postgres_metrics",
        "postgresql_pg_stat_database_blks_read_total.json",
        {"metric": "pg_stat_database_blks_read_total", "kind": "counter", "value": 86120.0}
        | {"endpoint": PG_ENDPOINT, "db": "shop"},
    ),
    (
        "postgres_metrics",
        "postgresql_up.json",
        {"metric": "up", "kind": "gauge", "value": 1.0, "endpoint": PG_ENDPOINT},
    ),
    (
        "mongodb_metrics",
        "mongodb_connections.json",
        {"metric": "connections", "kind": "counter", "value": 12.0, "endpoint": "mongodb://localhost:27017/"}
        | {"tags": '{"state":"current"}'},
    ),
    (
        "mongodb_metrics",
        "mongodb_op_latencies_latency.json",
        {"metric": "mongod_op_latencies_latency", "kind": "gauge", "value": 1843297.0}
        | {"endpoint": "mongodb://localhost:27017/", "tags": '{"type":"reads"}'},
    ),
    (
        "nginx_metrics",
        "nginx_connections_active.json",
        {
            "metric": "connections_active",
            "kind": "gauge",
            "value": 7.0,
            "endpoint": "http://localhost/nginx_status",
        },
    ),
    (
        "nginx_metrics",
        "nginx_http_requests_total.json",
        {"metric": "http_requests_total", "kind": "counter", "value": 2210487.0}
        | {"endpoint": "http://localhost/nginx_status"},
    ),
    (
        "apache_metrics",
        "apache_connections.json",
        {
            "metric": "connections",
            "kind": "gauge",
            "value": 3.0,
            "endpoint": "http://localhost/server-status?auto",
        }
        | {"tags": '{"state":"total"}'},
    ),
    (
        "apache_metrics",
        "apache_scoreboard.json",
        {
            "metric": "scoreboard",
            "kind": "gauge",
            "value": 145.0,
            "endpoint": "http://localhost/server-status?auto",
        }
        | {"tags": '{"state":"open"}'},
    ),
]


@pytest.mark.parametrize(("type_id", "fixture", "fields"), EXPECTED, ids=[e[1] for e in EXPECTED])
def test_sample_becomes_one_row(type_id: str, fixture: str, fields: dict[str, Any]) -> None:
    assert parse(type_id, load_event(fixture)) == row(type_id, **fields)


def test_every_metric_source_has_a_fixture() -> None:
    assert {type_id for type_id, _, _ in EXPECTED} == set(METRIC_SOURCES)


def test_tag_without_a_column_in_this_source_stays_in_tags() -> None:
    # "db" is a column of postgres_metrics only; elsewhere it must not vanish in the projection.
    event = load_event("host_load1.json")
    event["tags"] |= {"db": "shop", "cpu": ["0", "1"]}

    parsed = parse("host_metrics", event)

    assert isinstance(parsed, dict)
    assert parsed["cpu"] is None  # a multi-valued tag (metric_tag_values = "full") is not one dimension
    assert json.loads(parsed["tags"]) == {"db": "shop", "cpu": ["0", "1"]}


def test_host_tag_is_dropped() -> None:
    # Under Vector's log namespace metric_to_log leaves `host` among the tags; the envelope owns it.
    event = load_event("host_load1.json")
    event["tags"]["host"] = event.pop("host")

    assert parse("host_metrics", event) == row(
        "host_metrics", metric="load1", kind="gauge", value=0.42, collector="load"
    )


def test_histogram_is_stored_as_its_sum_with_the_count_in_tags() -> None:
    parsed = parse("nginx_metrics", load_event("aggregated_histogram.json"))

    assert parsed == row(
        "nginx_metrics",
        metric="request_duration_seconds",
        kind="aggregated_histogram",
        value=23.5,
        tags='{"_count":200,"route":"/checkout"}',
    )


def test_incremental_distribution_is_labelled_as_a_delta() -> None:
    parsed = parse("nginx_metrics", load_event("distribution_incremental.json"))

    assert parsed == row(
        "nginx_metrics",
        metric="payload_bytes",
        kind="incremental_distribution",
        value=3 * 512.0 + 2048.0,
        tags='{"_count":4}',
    )


def test_set_is_stored_as_its_size() -> None:
    parsed = parse("nginx_metrics", load_event("set.json"))

    assert parsed == row("nginx_metrics", metric="unique_users", kind="incremental_set", value=3.0)


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"gauge": {"value": None}}, "metric load1 has no finite value"),
        ({"name": None}, "not a metric_to_log event: no metric name"),
    ],
)
def test_unstorable_sample_is_flagged_and_kept_whole(change: dict[str, Any], reason: str) -> None:
    sample = load_event("host_load1.json") | change

    event = run("host_metrics", sample)

    assert normalize(event, SOURCES["host_metrics"]) == Invalid("unparsed", reason, "host_metrics")
    assert json.loads(event["message"]) == sample


def test_sketch_is_flagged() -> None:
    sample = load_event("host_load1.json")
    sample["sketch"] = {"AgentDDSketch": {"bins": {"k": [1], "n": [1]}, "count": 1}}
    del sample["gauge"]

    parsed = parse("host_metrics", sample)

    assert isinstance(parsed, Invalid)
    assert parsed.detail.startswith("unsupported metric value for load1")


@pytest.mark.parametrize("type_id", METRIC_SOURCES)
def test_collector_options_are_valid_vector_config(type_id: str) -> None:
    collector = SOURCES[type_id].default_collector
    config = {
        "sources": {"in": {"type": collector.kind, **collector.options}},
        "sinks": {"out": {"type": "blackhole", "inputs": ["in"]}},
    }
    schema = json.loads(VECTOR_SCHEMA.read_text())

    errors = [e.message for e in jsonschema.validators.validator_for(schema)(schema).iter_errors(config)]

    assert errors == []
