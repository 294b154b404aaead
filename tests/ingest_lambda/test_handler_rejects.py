"""Bad records and bad objects: each becomes a dead letter with its reason; good ones are written."""

from __future__ import annotations

import gzip

import orjson
import pytest

from dendro.ingest_lambda.staged_ingest import IngestRetryError, ingest_event
from tests.events import s3_event
from tests.ingest_lambda.handler_fakes import dead_letters, gz, harness, ndjson, nginx_event

KEY = "staging/2026/11/27/03/Dendro-1-2026-11-27-03-00-01-mixed.gz"
OTHER = "staging/2026/11/27/03/Dendro-1-2026-11-27-03-01-01-good.gz"


def test_records_timestream_rejects_are_dead_lettered_and_the_others_written() -> None:
    # Given three events, the second of which Timestream refuses (say, a version conflict)
    h = harness()
    h.get_object(KEY, gz(ndjson(nginx_event(i) for i in range(3))))
    reason = "A record with the same dimensions, time and measure name already exists with a higher version."
    sent = h.write_error(
        "nginx_access",
        "RejectedRecordsException",
        RejectedRecords=[{"RecordIndex": 1, "Reason": reason, "ExistingVersion": 7}],
    )
    dlq = h.put_dead_letters(KEY)

    # When
    result = ingest_event(s3_event(KEY), h.runtime)

    # Then only the refused one is dead-lettered, with Timestream's reason and the row it came from
    assert len(sent.value) == 3
    [letter] = dead_letters(dlq)
    assert (letter["reason"], letter["detail"], letter["type"]) == (
        "timestream_rejected",
        reason,
        "nginx_access",
    )
    assert orjson.loads(letter["raw"])["path"] == "/items/1"
    assert result["objects"][0]["written"] == 2 and result["objects"][0]["rejected"] == 1
    [counts] = [m for m in h.metrics() if "RecordsWritten" in m]
    assert (counts["RecordsWritten"], counts["RecordsRejected"]) == (2, 1)
    assert counts["rejected"] == {"nginx_access": 1}
    h.assert_done()


def test_a_mixed_object_stores_every_good_record_and_dead_letters_each_bad_one() -> None:
    # Given one staged object mixing good events with every kind of bad record
    good = [nginx_event(i) for i in range(5)]
    bad = {
        b"this is not json": "invalid_json",
        orjson.dumps(
            {"type": "no_such_source", "host": "web-1", "timestamp": "2026-11-27T03:00:00Z"}
        ): "unknown_type",
        orjson.dumps({k: v for k, v in nginx_event(90).items() if k != "host"}): "missing_field",
        orjson.dumps({**nginx_event(91), "status": "two hundred"}): "bad_type",
        orjson.dumps(nginx_event(92, timestamp="27/Nov/2026:03:00:00")): "bad_timestamp",
        orjson.dumps(nginx_event(93, user_agent="x" * 2_000_000)): "oversize",
    }
    lines = [orjson.dumps(good[0]), *bad, *(orjson.dumps(e) for e in good[1:])]
    h = harness()
    h.get_object(KEY, gz(b"\n".join(lines) + b"\n"))
    sent = h.write_records("nginx_access")
    dlq = h.put_dead_letters(KEY)

    # When
    result = ingest_event(s3_event(KEY), h.runtime)

    # Then the five good ones are written, and each bad one is dead-lettered with its own reason and bytes
    assert len(sent.value) == 5
    letters = dead_letters(dlq)
    assert [letter["reason"] for letter in letters] == list(bad.values())
    assert [letter["raw"].encode() for letter in letters] == list(bad)
    assert all(letter["source"] == f"s3://{h.runtime.env.errors_bucket}/{KEY}" for letter in letters)
    assert result["objects"][0]["reasons"] == dict.fromkeys(bad.values(), 1)
    h.assert_done()


def test_a_poison_object_is_dead_lettered_whole_and_the_next_object_still_written() -> None:
    # Given an event naming a corrupt gzip object and then a good one
    h = harness()
    corrupt = gzip.compress(ndjson([nginx_event(1)]))[:-12] + b"garbage!"
    h.get_object(KEY, corrupt)
    dlq = h.put_dead_letters(KEY)
    h.get_object(OTHER, gz(ndjson([nginx_event(2)])))
    sent = h.write_records("nginx_access")

    # When
    result = ingest_event(s3_event(KEY, OTHER), h.runtime)

    # Then the poison is one dead letter carrying the object's bytes; the good object is written
    [letter] = dead_letters(dlq)
    assert letter["reason"] == "undecodable_object"
    assert "raw_base64" in letter
    assert len(sent.value) == 1
    assert [o["written"] for o in result["objects"]] == [0, 1]
    h.assert_done()


def test_an_object_deleted_before_it_was_read_is_dead_lettered_not_retried() -> None:
    h = harness()
    h.get_object_error(KEY, "NoSuchKey", 404)
    dlq = h.put_dead_letters(KEY)

    result = ingest_event(s3_event(KEY), h.runtime)

    [letter] = dead_letters(dlq)
    assert letter["reason"] == "unreadable_object" and "NoSuchKey" in letter["detail"]
    assert result["objects"][0]["rejected"] == 1
    h.assert_done()


def test_an_s3_outage_fails_the_invocation_after_the_other_objects_are_done() -> None:
    # Given S3 answering 503 for the first object and the second readable
    h = harness()
    h.get_object_error(KEY, "SlowDown", 503)
    h.get_object(OTHER, gz(ndjson([nginx_event(2)])))
    sent = h.write_records("nginx_access")

    # When / Then: the second object is written, then the invocation fails so that S3 retries it
    with pytest.raises(IngestRetryError, match="SlowDown"):
        ingest_event(s3_event(KEY, OTHER), h.runtime)
    assert len(sent.value) == 1
    assert [line["level"] for line in h.logs()] == ["ERROR", "INFO"]
    h.assert_done()


def test_a_source_without_a_table_in_this_stack_is_dead_lettered_with_the_fix() -> None:
    h = harness(sources=["nginx_access"])
    syslog = {"type": "syslog", "host": "web-1", "timestamp": "2026-11-27T03:00:00Z", "message": "hello",
              "appname": "cron", "severity": "info", "facility": "cron"}  # fmt: skip
    h.get_object(KEY, gz(ndjson([nginx_event(1), syslog])))
    h.write_records("nginx_access")
    dlq = h.put_dead_letters(KEY)

    ingest_event(s3_event(KEY), h.runtime)

    [letter] = dead_letters(dlq)
    assert letter["reason"] == "source_not_enabled"
    assert "dendro deploy --source syslog" in letter["detail"]
    h.assert_done()
