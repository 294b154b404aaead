"""The iceberg store's transform: Firehose's contract, on real samples parsed by the real VRL.

Every recordId comes back exactly once and in order; an accepted event comes back `Ok` with exactly
its normalized JSON and the table it routes to; every bad record comes back `ProcessingFailed` with
its reason; and the response never exceeds Lambda's 6 MB, whatever the batch.
"""

from __future__ import annotations

import base64
import copy
import json
import re
from collections import Counter
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from functools import cache
from itertools import islice
from typing import Any

import orjson
import pytest

from dendro.catalog import SOURCES
from dendro.catalog.model import FieldType
from dendro.ingest_lambda import constants, handler
from dendro.ingest_lambda.emf import RECORDS_REJECTED, RECORDS_WRITTEN
from dendro.ingest_lambda.env import IngestEnv
from dendro.ingest_lambda.firehose_transform import (
    FAILED,
    OK,
    RESPONSE_BUDGET,
    TransformRuntime,
    transform_event,
)
from dendro.ingest_lambda.validate import Invalid, normalize
from dendro.local_pipeline.replay import read_events
from dendro.vector_configs.programs import parse_program
from tests.events import load_event
from tests.support.samples import sample_files
from tests.support.vrl import compile_program, remap_all

DATABASE = "dendro"
SAMPLE_SOURCES = (
    "nginx_access",
    "nginx_error",
    "apache_access",
    "apache_error",
    "postgres",
    "mongodb",
    "syslog",
)
ENABLED = frozenset(SAMPLE_SOURCES) - {"mongodb"}  # one sampled source without a table in this stack
EVENTS_PER_FILE = 200


def runtime(emitted: list[bytes] | None = None) -> TransformRuntime:
    env = IngestEnv(
        store="iceberg",
        database=DATABASE,
        sources=ENABLED,
        errors_bucket="dendro-bucket",
        errors_prefix="errors/",
        metrics_namespace="Dendro/Dendro",
    )
    return TransformRuntime(env=env, emit=(emitted.append if emitted is not None else lambda _: None))


def firehose_event(payloads: Iterable[bytes]) -> dict[str, Any]:
    """The real event shape (tests/events/firehose_transform.json), one record per payload."""
    event = load_event("firehose_transform")
    template = event["records"][0]
    event["records"] = [
        {
            **copy.deepcopy(template),
            "recordId": f"{template['recordId'][:40]}{n:016d}",
            "data": base64.b64encode(payload).decode(),
        }  # fmt: skip
        for n, payload in enumerate(payloads)
    ]
    return event


@cache
def vector_events(type_id: str) -> tuple[bytes, ...]:
    """Sample lines as Vector sends them to Firehose: file source (multiline included), the generated
    VRL program, JSON-encoded; one event per record (the iceberg sink does not pack)."""
    source = SOURCES[type_id]
    program = compile_program(parse_program(source, host=f"{type_id}-host"))
    events = []
    for path in sample_files(type_id):
        read = islice(read_events(path.read_bytes(), source.default_collector.multiline), EVENTS_PER_FILE)
        inputs = [{"message": event.text, "host": "h", "file": str(path)} for event in read]
        events += [orjson.dumps(remapped) for remapped in remap_all(program, inputs)]
    return tuple(events)


def expected_json(row: dict[str, Any], type_id: str) -> dict[str, Any]:
    """The normalized JSON, computed independently of the transform: catalog columns, nulls out,
    timestamps as epoch microseconds."""
    kinds = {f.name: f.type for f in SOURCES[type_id].columns}
    out = {}
    for name, value in row.items():
        if value is None:
            continue
        if kinds[name] is FieldType.TIMESTAMP:
            value = int(value.timestamp()) * 1_000_000 + value.microsecond
        out[name] = value
    return out


def decoded(record: dict[str, Any]) -> Any:
    return orjson.loads(base64.b64decode(record["data"]))


def test_real_samples_come_back_once_each_ok_with_their_normalized_json_and_route() -> None:
    # Given every sampled event as one Firehose record
    payloads = [e for type_id in SAMPLE_SOURCES for e in vector_events(type_id)]
    event = firehose_event(payloads)

    # When the transform runs
    result = transform_event(event, runtime())

    # Then each recordId is answered exactly once, in order
    assert [r["recordId"] for r in result["records"]] == [r["recordId"] for r in event["records"]]
    results: Counter[str] = Counter()
    for payload, out in zip(payloads, result["records"], strict=True):
        source = SOURCES[orjson.loads(payload)["type"]]
        normalized = normalize(orjson.loads(payload), source)
        results[out["result"]] += 1
        if isinstance(normalized, Invalid):
            assert out["result"] == FAILED
            assert decoded(out)["reason"] == normalized.reason
        elif source.type not in ENABLED:
            assert (out["result"], decoded(out)["reason"]) == (FAILED, "source_not_enabled")
        else:
            assert out["result"] == OK
            # Exactly the normalized JSON: Firehose maps these first-level keys onto the columns;
            # plus the event's id (these samples carry none: a hash of the content).
            row = decoded(out)
            assert re.fullmatch(r"[0-9a-f]{16}", row.pop("event_id"))
            assert row == expected_json(normalized, source.type)
            assert out["metadata"] == {
                "otfMetadata": {
                    "destinationDatabaseName": DATABASE,
                    "destinationTableName": source.type,
                    "operation": "insert",
                }
            }
    assert results[OK] > 800  # the parsers really ran
    assert results[OK] + results[FAILED] == len(payloads)


def test_timestamps_are_utc_microseconds_and_absent_fields_are_left_out() -> None:
    payload = (
        b'{"type":"nginx_access","host":"web-1","timestamp":"2026-11-27T04:00:07.123456+01:00",'
        b'"service":"nginx","method":"GET","status":"503","status_class":"5xx","request_time":0,'
        b'"client":"10.0.0.1","request":"GET / HTTP/1.1","referer":null}'
    )
    [out] = transform_event(firehose_event([payload]), runtime())["records"]
    row = decoded(out)
    row.pop("event_id")
    assert row == {
        "type": "nginx_access", "host": "web-1", "service": "nginx", "method": "GET",
        "timestamp": int(datetime(2026, 11, 27, 3, 0, 7, tzinfo=UTC).timestamp()) * 1_000_000 + 123456,
        "status": 503, "status_class": "5xx", "request_time": 0.0, "client": "10.0.0.1",
        "request": "GET / HTTP/1.1",
    }  # fmt: skip


# The smallest event the contract allows (syslog requires only the envelope and a message).
TINY = b'{"type":"syslog","host":"h","timestamp":"2026-11-27T03:00:00Z","message":"m"}'
NGINX = {"type": "nginx_access", "host": "h", "timestamp": "2026-11-27T03:00:00Z", "service": "nginx",
         "status_class": "2xx", "status": 200, "client": "10.0.0.1", "request": "GET / HTTP/1.1"}  # fmt: skip
BAD_RECORDS = {
    "invalid_json": b"GET /index.html HTTP/1.1",
    "unknown_type": TINY.replace(b'"syslog"', b'"nginx"'),
    "missing_field": TINY.replace(b',"message":"m"', b""),
    "bad_type": orjson.dumps({**NGINX, "status": "OK"}),
    "bad_timestamp": TINY.replace(b"2026-11-27T03:00:00Z", b"yesterday"),
    "unparsed": TINY[:-1] + b',"_parse_error":"no match"}',
    "not_object": b'"just text"',
    "packed_record": TINY + b"\n" + TINY,
    "empty_record": b"\n",
    "source_not_enabled": orjson.dumps(
        {**NGINX, "type": "mongodb", "severity": "I", "component": "NETWORK", "message": "m"}
    ),
}


def test_each_bad_record_fails_alone_with_its_reason_and_raw_bytes_beside_good_ones() -> None:
    good = vector_events("syslog")[0]
    payloads = [good, *BAD_RECORDS.values(), good]
    event = firehose_event(payloads)

    records = transform_event(event, runtime())["records"]

    assert [r["result"] for r in records] == [OK] + [FAILED] * len(BAD_RECORDS) + [OK]
    for (reason, raw), out in zip(BAD_RECORDS.items(), records[1:-1], strict=True):
        # The dead-letter line of the timestream store: reason, detail and the record as it came.
        line = decoded(out)
        assert (line["reason"], line["raw"]) == (reason, raw.decode())
        assert line["detail"] and line["source"].endswith(out["recordId"])
        assert "metadata" not in out


def test_data_that_is_not_base64_is_refused_with_its_reason() -> None:
    event = firehose_event([b"x"])
    event["records"][0]["data"] = "not base64!"
    [out] = transform_event(event, runtime())["records"]
    assert (out["result"], decoded(out)["reason"]) == (FAILED, "invalid_base64")


def test_a_batch_whose_answer_would_pass_6_mb_fails_only_what_does_not_fit() -> None:
    # Given far more tiny valid events than the stream's 0.5 MB processor buffer ever sends
    event = firehose_event([TINY] * 20_000 + [b"garbage"] * 2_000)
    assert len(json.dumps(event)) < 6 * 1024 * 1024  # a request Lambda accepts

    records = transform_event(event, runtime())["records"]

    # Then the response, serialized as the Python runtime does, fits the budget...
    assert len(json.dumps({"records": records})) <= RESPONSE_BUDGET
    # ...every record is answered once, nothing is dropped...
    assert [r["recordId"] for r in records] == [r["recordId"] for r in event["records"]]
    assert {r["result"] for r in records} == {OK, FAILED}
    # ...the garbage shrank to its original bytes first, and good records were failed only from the
    # end, with their original data (for replay from errors/) and the reason in the log.
    inputs = {r["recordId"]: r["data"] for r in event["records"]}
    assert all(r["data"] == inputs[r["recordId"]] for r in records[20_000:])
    first_failed = next(i for i, r in enumerate(records) if r["result"] == FAILED)
    assert all(r["result"] == OK for r in records[:first_failed])
    assert all(r["data"] == inputs[r["recordId"]] for r in records[first_failed:])


def test_a_full_processor_buffer_of_the_smallest_events_answers_without_failing_any() -> None:
    # 0.5 MB (IcebergDeliveryStream.LAMBDA_BUFFER_MB) of the smallest event the contract allows.
    event = firehose_event([TINY] * (500_000 // len(TINY)))
    emitted: list[bytes] = []
    records = transform_event(event, runtime(emitted))["records"]
    assert {r["result"] for r in records} == {OK}
    assert len(json.dumps({"records": records})) < RESPONSE_BUDGET / 2
    assert orjson.loads(emitted[0])["level"] == "INFO"


def test_the_metrics_are_the_timestream_paths_emf_lines() -> None:
    emitted: list[bytes] = []
    good = vector_events("nginx_access")[:5]
    event = firehose_event([*good, BAD_RECORDS["bad_type"]])

    transform_event(event, runtime(emitted), now_ms=lambda: 1795744807000)

    summary, *metrics = (orjson.loads(line) for line in emitted)
    assert (summary["records"], summary["ok"], summary["failed"]) == (6, 5, 1)
    assert summary["reasons"] == {"bad_type": 1}
    [records] = [m for m in metrics if RECORDS_WRITTEN in m]
    assert (records[RECORDS_WRITTEN], records[RECORDS_REJECTED]) == (5, 1)
    assert records["written"] == {"nginx_access": 5} and records["rejected"] == {"nginx_access": 1}
    assert records["_aws"]["Timestamp"] == 1795744807000
    assert any("Requests" in m for m in metrics) and any("Heartbeat" in m for m in metrics)


@pytest.fixture
def fresh_runtimes() -> Any:
    saved = handler._TRANSFORM, handler._RUNTIME
    handler._TRANSFORM = handler._RUNTIME = None
    yield
    handler._TRANSFORM, handler._RUNTIME = saved


def test_the_entry_point_sends_firehose_events_to_the_transform(
    monkeypatch: pytest.MonkeyPatch, fresh_runtimes: None, capsys: pytest.CaptureFixture[str]
) -> None:
    environment = {
        constants.STORE: "iceberg", constants.DATABASE: DATABASE, constants.SOURCES: "syslog",
        constants.ERRORS_BUCKET: "b", constants.ERRORS_PREFIX: "errors/",
        constants.METRICS_NAMESPACE: "Dendro/Dendro",
    }  # fmt: skip
    for name, value in environment.items():
        monkeypatch.setenv(name, value)

    result = handler.handler(load_event("firehose_transform"), None)

    [out] = result["records"]
    assert out["result"] == OK and decoded(out)["appname"] == "sshd"
    assert handler._RUNTIME is None  # no boto3 client was built for the transform
    assert '"ok":1' in capsys.readouterr().out


def test_the_event_id_is_the_agents_for_every_copy_or_a_hash_of_the_content() -> None:
    """Issue 14 item 8: a record delivered twice carries one id, so the `_unique` views keep one row;
    identical lines that are distinct events keep distinct ids when the agent numbered them."""
    event = orjson.loads(vector_events("nginx_access")[0])
    twins = [orjson.dumps({**event, "event_id": f"0190-{n}"}) for n in (1, 2)]
    resent = [twins[0], twins[0], twins[1], orjson.dumps(event), orjson.dumps(event)]
    records = transform_event(firehose_event(resent), runtime())["records"]
    ids = [decoded(r)["event_id"] for r in records]
    assert ids[:3] == ["0190-1", "0190-1", "0190-2"]
    assert ids[3] == ids[4] and re.fullmatch(r"[0-9a-f]{16}", ids[3])
    # A malformed id (not a short string) is not trusted: the content hash stands in.
    odd = transform_event(firehose_event([orjson.dumps({**event, "event_id": 7})]), runtime())["records"]
    assert decoded(odd[0])["event_id"] == ids[3]


def test_the_event_time_window_comes_from_the_functions_environment(
    monkeypatch: pytest.MonkeyPatch, fresh_runtimes: None
) -> None:
    """The stack's event_earliest / event_ahead_hours reach the Lambda as environment variables: an
    event before the earliest date, or further ahead than allowed, is dead-lettered as bad_timestamp
    with the window named, beside an event inside it."""
    environment = {
        constants.STORE: "iceberg", constants.DATABASE: DATABASE, constants.SOURCES: "syslog",
        constants.ERRORS_BUCKET: "b", constants.ERRORS_PREFIX: "errors/",
        constants.METRICS_NAMESPACE: "Dendro/Dendro",
        constants.EVENT_EARLIEST: "2026-11-28", constants.EVENT_AHEAD_SECONDS: "3600",
    }  # fmt: skip
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    now = datetime.now(UTC)
    soon = (now + timedelta(minutes=30)).isoformat().encode()
    later = (now + timedelta(hours=3)).isoformat().encode()  # inside the default day, not this hour
    payloads = [
        TINY,
        TINY.replace(b"2026-11-27T03:00:00Z", soon),
        TINY.replace(b"2026-11-27T03:00:00Z", later),
    ]

    records = handler.handler(firehose_event(payloads), None)["records"]

    assert [r["result"] for r in records] == [FAILED, OK, FAILED]
    for out in (records[0], records[2]):
        assert decoded(out)["reason"] == "bad_timestamp"
        assert "outside 2026-11-28 to now + 1:00:00" in decoded(out)["detail"]
    # Without the variables, the default window: both past-dated and 3-hours-ahead events pass.
    default = transform_event(firehose_event(payloads), runtime())["records"]
    assert [r["result"] for r in default] == [OK, OK, OK]


def test_the_cost_models_growth_factor_is_what_the_transform_adds_to_the_samples() -> None:
    """Firehose bills the bytes a Lambda transform adds (cost/prices.py): `dendro cost` assumes the
    output is `Usage.transform_growth` times the input; measured here on every sampled source."""
    from dendro.cost.estimate import Usage

    payloads = [e for type_id in SAMPLE_SOURCES if type_id in ENABLED for e in vector_events(type_id)]
    records = transform_event(firehose_event(payloads), runtime())["records"]
    kept = [(p, r) for p, r in zip(payloads, records, strict=True) if r["result"] == OK]
    growth = sum(len(base64.b64decode(r["data"])) for _, r in kept) / sum(len(p) for p, _ in kept)
    assert len(kept) > 1500
    assert growth > 1.0  # the event_id it adds when the agent sent none
    assert Usage().transform_growth == pytest.approx(growth, abs=0.005)
