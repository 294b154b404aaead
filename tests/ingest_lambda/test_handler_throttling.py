"""Timestream throttling and request-level errors: back off and retry, or isolate the bad record."""

from __future__ import annotations

import pytest

from dendro.ingest_lambda.staged_ingest import IngestRetryError, ingest_event
from tests.events import s3_event
from tests.ingest_lambda.handler_fakes import dead_letters, gz, harness, ndjson, nginx_event

KEY = "staging/2026/11/27/03/Dendro-1-2026-11-27-03-00-01-throttle.gz"


def test_throttling_then_success_retries_the_same_batch_with_growing_backoff() -> None:
    # Given Timestream throttles twice, then accepts
    h = harness(max_attempts=4)
    h.get_object(KEY, gz(ndjson(nginx_event(i) for i in range(3))))
    attempts = [h.write_error("nginx_access", "ThrottlingException") for _ in range(2)]
    attempts.append(h.write_records("nginx_access"))

    # When
    result = ingest_event(s3_event(KEY), h.runtime)

    # Then the very same records were offered three times, 0.1 s then 0.2 s apart, and all written
    assert attempts[0].value == attempts[1].value == attempts[2].value
    assert h.sleeps == [0.1, 0.2]
    assert result["objects"][0]["written"] == 3
    h.assert_done()


def test_throttling_that_outlasts_the_backoff_fails_the_invocation_for_a_retry() -> None:
    # Given Timestream throttles every attempt
    h = harness(max_attempts=3)
    h.get_object(KEY, gz(ndjson([nginx_event(1)])))
    for _ in range(3):
        h.write_error("nginx_access", "ThrottlingException")

    # When / Then: nothing is dead-lettered (the data is fine), the invocation fails and S3 retries it
    with pytest.raises(IngestRetryError, match="still failing after 3 attempts"):
        ingest_event(s3_event(KEY), h.runtime)
    assert h.metrics() == []  # a retried object must not be counted twice
    h.assert_done()


def test_a_record_the_api_refuses_is_isolated_by_halving_and_dead_lettered_alone() -> None:
    # Given a call of four records that fails validation because of the last one
    h = harness()
    h.get_object(KEY, gz(ndjson(nginx_event(i) for i in range(4))))
    first = h.write_error("nginx_access", "ValidationException")
    left = h.write_records("nginx_access")  # records 0-1
    right = h.write_error("nginx_access", "ValidationException")  # records 2-3
    third = h.write_records("nginx_access")  # record 2
    fourth = h.write_error("nginx_access", "ValidationException")  # record 3
    dlq = h.put_dead_letters(KEY)

    # When
    result = ingest_event(s3_event(KEY), h.runtime)

    # Then
    assert [len(c.value) for c in (first, left, right, third, fourth)] == [4, 2, 2, 1, 1]
    [letter] = dead_letters(dlq)
    assert letter["reason"] == "timestream_rejected" and letter["detail"].startswith("ValidationException")
    assert '"/items/3"' in letter["raw"]
    assert result["objects"][0]["written"] == 3
    h.assert_done()
