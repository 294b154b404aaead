"""What the handler writes: multi-measure records from the catalog, deterministic, within 2 KB."""

from __future__ import annotations

from typing import Any

import pytest

from dendro.catalog import SOURCES, Role
from dendro.ingest_lambda.staged_ingest import ingest_event
from dendro.ingest_lambda.timestream import (
    COMMON_ATTRIBUTES,
    EVENT_ID,
    RECORD_LIMIT,
    TRUNCATED,
    RecordMapper,
    record_size,
)
from dendro.ingest_lambda.validate import row_builder
from tests.events import s3_event
from tests.ingest_lambda.handler_fakes import gz, harness, ndjson, nginx_event

KEY = "staging/2026/11/27/03/Dendro-1-2026-11-27-03-00-01-records.gz"


def _measures(record: dict[str, Any]) -> dict[str, tuple[str, str]]:
    return {m["Name"]: (m["Value"], m["Type"]) for m in record["MeasureValues"]}


def _dimensions(record: dict[str, Any]) -> dict[str, str]:
    return {d["Name"]: d["Value"] for d in record["Dimensions"]}


def _size(record: dict[str, Any]) -> int:
    kinds = {m["Name"]: m["Type"] for m in record["MeasureValues"]}
    texts = {m["Name"]: m["Value"] for m in record["MeasureValues"]}
    return record_size(_dimensions(record), texts, kinds)


def test_an_event_becomes_one_multi_measure_record_shaped_by_the_catalog() -> None:
    h = harness()
    h.get_object(KEY, gz(ndjson([nginx_event(7, status=503, timestamp="2026-11-27T03:00:07.123456+01:00")])))
    sent = h.write_records("nginx_access")

    ingest_event(s3_event(KEY), h.runtime)

    [record] = sent.value
    # Dimensions are the catalog's dimension fields (plus the row's id); measures are its measures.
    catalog = SOURCES["nginx_access"].columns
    assert set(_dimensions(record)) == {f.name for f in catalog if f.role is Role.DIMENSION} - {"vhost"} | {
        EVENT_ID
    }
    assert _measures(record)["status"] == ("503", "BIGINT")
    assert _measures(record)["request_time"] == ("0.012", "DOUBLE")
    assert _measures(record)["path"] == ("/items/7", "VARCHAR")
    assert "timestamp" not in _measures(record)
    # Event time in UTC microseconds: 02:00:07.123456Z
    assert record["Time"] == "1795744807123456"
    # Name, MULTI and the time unit go once per call as CommonAttributes (the stub checks them).
    assert COMMON_ATTRIBUTES == {
        "MeasureName": "event",
        "MeasureValueType": "MULTI",
        "TimeUnit": "MICROSECONDS",
    }
    assert set(record) == {"Dimensions", "MeasureValues", "Time"}
    h.assert_done()


def test_the_same_object_processed_twice_sends_identical_records() -> None:
    # S3 delivers events at least once; identical records are an idempotent upsert in Timestream.
    body = gz(ndjson([nginx_event(1), nginx_event(1), nginx_event(2)]))  # a repeated line included
    sent = []
    for _ in range(2):
        h = harness()
        h.get_object(KEY, body)
        sent.append(h.write_records("nginx_access"))
        ingest_event(s3_event(KEY), h.runtime)
    assert sent[0].value == sent[1].value
    # Two identical lines are two requests: they get two ids, so neither overwrites the other.
    ids = [_dimensions(r)[EVENT_ID] for r in sent[0].value]
    assert len(set(ids)) == 3 and ids[0].endswith("-0") and ids[1].endswith("-1")


def test_an_event_over_the_2kb_record_limit_is_truncated_marked_and_never_dropped() -> None:
    # Given an error-log event whose message alone is 5 KB of multi-byte text
    message = "Ünïcødé stack frame " * 250
    event = {"type": "nginx_error", "host": "web-1", "timestamp": "2026-11-27T03:00:00Z", "service": "nginx",
             "level": "error", "message": message, "request": "GET /" + "a" * 900 + " HTTP/1.1"}  # fmt: skip
    h = harness()
    h.get_object(KEY, gz(ndjson([event])))
    sent = h.write_records("nginx_error")

    result = ingest_event(s3_event(KEY), h.runtime)

    [record] = sent.value
    measures = _measures(record)
    assert _size(record) <= RECORD_LIMIT
    assert measures[TRUNCATED] == ("message", "VARCHAR")
    assert measures["message"][0].endswith("\u2026") and message.startswith(measures["message"][0][:-1])
    assert measures["request"][0] == event["request"]  # the shorter field is kept whole
    assert result["objects"][0] | {"written": 1, "truncated": 1} == result["objects"][0]
    h.assert_done()


def test_over_2kb_the_original_line_is_cut_first_and_the_parsed_fields_stay_whole() -> None:
    # Given an error-log event whose parsed message (1.5 KB) is even longer than its line (1.3 KB):
    # longest-first would cut the message, a field queries filter on, and keep the line whole.
    message = "upstream sent too big header " * 52
    line = "2026/11/27 03:00:00 [error] 10#10: *1 " + "x" * 1262
    event = {"type": "nginx_error", "host": "web-1", "timestamp": "2026-11-27T03:00:00Z", "service": "nginx",
             "level": "error", "line": line, "message": message, "request": "GET /a HTTP/1.1"}  # fmt: skip
    h = harness()
    h.get_object(KEY, gz(ndjson([event])))
    sent = h.write_records("nginx_error")

    ingest_event(s3_event(KEY), h.runtime)

    [record] = sent.value
    measures = _measures(record)
    assert _size(record) <= RECORD_LIMIT
    assert measures[TRUNCATED] == ("line", "VARCHAR")  # marked: the Logs page shows it in `fields`
    assert measures["line"][0].endswith("\u2026") and line.startswith(measures["line"][0][:-1])
    assert len(measures["line"][0]) > 100  # cut only as far as it must
    assert measures["message"][0] == message and measures["request"][0] == event["request"]
    h.assert_done()


@pytest.mark.parametrize("type_id", sorted(SOURCES))
def test_every_catalog_source_maps_a_minimal_event_to_a_writable_record(type_id: str) -> None:
    # An event with only the required fields still has a measure (a stand-in when the catalog's are
    # all optional), since Timestream refuses a MULTI record without one.
    source = SOURCES[type_id]
    event = {"type": type_id, "host": "web-1", "timestamp": "2026-11-27T03:00:00Z"}
    samples = {"string": "x", "int": 1, "float": 1.5, "bool": True}
    for field in source.fields:
        if field.required:
            event[field.name] = samples.get(field.type.value, "x")
    row = row_builder(source)(event)
    mapped = RecordMapper(source).to_record(row, "id-0")
    assert mapped.record["MeasureValues"]


def test_emf_lines_count_records_red_and_heartbeat() -> None:
    h = harness()
    events = [nginx_event(i, status=500 if i < 3 else 200) for i in range(10)]
    events.append(nginx_event(10, host="web-2"))
    h.get_object(KEY, gz(ndjson(events) + b"not json\n"))
    h.write_records("nginx_access")
    h.put_dead_letters(KEY)

    ingest_event(s3_event(KEY), h.runtime, now_ms=lambda: 1_795_744_800_000)

    metrics = h.metrics()
    for line in metrics:
        [directive] = line["_aws"]["CloudWatchMetrics"]
        assert line["_aws"]["Timestamp"] == 1_795_744_800_000 and directive["Namespace"] == "Dendro/Dendro"
        # EMF requires each named dimension and metric as a root key of the line.
        assert all(name in line for dims in directive["Dimensions"] for name in dims)
        assert all(m["Name"] in line for m in directive["Metrics"])
    by_key = {tuple(sorted(k for k in line if k != "_aws" and not k[0].isupper())): line for line in metrics}
    red = [line for line in metrics if "Requests" in line]
    # One line per service, not per host: hosts would multiply the metrics CloudWatch bills.
    assert [(r["service"], r["Requests"], r["Http5xx"]) for r in red] == [("nginx", 11, 3)]
    assert red[0]["_aws"]["CloudWatchMetrics"][0]["Dimensions"] == [["service"]]
    beats = {line["host"]: line["Heartbeat"] for line in metrics if "Heartbeat" in line}
    assert beats == {"web-1": 10, "web-2": 1}
    [records] = [line for line in metrics if "RecordsWritten" in line]
    assert (records["RecordsWritten"], records["RecordsRejected"]) == (11, 1)
    assert records["written"] == {"nginx_access": 11} and records["rejected"] == {"unknown": 1}
    assert records["_aws"]["CloudWatchMetrics"][0]["Dimensions"] == [[]]
    assert by_key
