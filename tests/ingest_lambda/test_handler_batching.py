"""WriteRecords batching: 100 records per call (the API maximum), several calls in flight."""

from __future__ import annotations

import threading
import time
from collections import Counter

from dendro.ingest_lambda.staged_ingest import ingest_event
from tests.events import s3_event, s3_event_object
from tests.ingest_lambda.handler_fakes import gz, harness, ndjson, nginx_event

KEY = "staging/2026/11/27/03/Dendro-1-2026-11-27-03-00-01-batch.gz"


def test_250_events_are_written_in_calls_of_100_100_50() -> None:
    # Given a staged gzip object of 250 nginx access events
    h = harness(concurrency=1)
    h.get_object(KEY, gz(ndjson(nginx_event(i) for i in range(250))))
    calls = [h.write_records("nginx_access") for _ in range(3)]

    # When the S3 event for it arrives
    result = ingest_event(s3_event(KEY), h.runtime)

    # Then three calls carry every event once, in order, and nothing is dead-lettered
    assert [len(c.value) for c in calls] == [100, 100, 50]
    paths = [m["Value"] for c in calls for r in c.value for m in r["MeasureValues"] if m["Name"] == "path"]
    assert paths == [f"/items/{i}" for i in range(250)]
    bucket, _ = s3_event_object(s3_event(KEY))
    assert result["objects"] == [
        {
            "object": f"s3://{bucket}/{KEY}",
            "records": 250,
            "written": 250,
            "rejected": 0,
            "truncated": 0,
            "reasons": {},
        }
    ]
    h.assert_done()


def test_batches_of_two_tables_are_written_in_parallel() -> None:
    # Given 700 nginx events and 300 host metrics, with 8 calls allowed in flight
    h = harness(concurrency=8)
    events = [nginx_event(i) for i in range(700)]
    events += [
        {"type": "host_metrics", "host": "web-1", "timestamp": f"2026-11-27T03:00:{i % 60:02d}Z",
         "metric": "load1", "kind": "absolute", "value": i / 10, "collector": "load", "cpu": str(i)}
        for i in range(300)
    ]  # fmt: skip
    h.get_object(KEY, gz(ndjson(events)))
    calls = [h.write_records_any_table() for _ in range(10)]
    in_flight, peak = 0, 0
    lock, stub_lock = threading.Lock(), threading.Lock()
    write = h.runtime.writer.client.write_records

    def slow_write(**kwargs: object) -> object:
        # Each call takes 20 ms, as a real one would, so that overlapping calls show. Stubber's queue
        # is not thread-safe, so the stubbed call itself is made one at a time.
        nonlocal in_flight, peak
        with lock:
            in_flight += 1
            peak = max(peak, in_flight)
        time.sleep(0.02)
        try:
            with stub_lock:
                return write(**kwargs)
        finally:
            with lock:
                in_flight -= 1

    h.runtime.writer.client.write_records = slow_write

    # When
    ingest_event(s3_event(KEY), h.runtime)

    # Then ten calls of at most 100 records cover both tables, several at a time
    per_table = Counter()
    for table, records in calls:
        assert len(records.value) <= 100
        per_table[table.value] += len(records.value)
    assert per_table == {"nginx_access": 700, "host_metrics": 300}
    assert peak > 1
    h.assert_done()
