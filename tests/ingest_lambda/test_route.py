"""The whole pure core: a payload in, rows per table and rejects out, every record accounted for."""

from __future__ import annotations

import gzip
from typing import Any

import orjson
import pytest

from dendro.ingest_lambda.decode import MAX_RECORD_BYTES
from dendro.ingest_lambda.route import Router, ingest
from tests.events import load_event


def line(event: dict[str, Any]) -> bytes:
    return orjson.dumps(event)


def mixed_batch() -> tuple[bytes, dict[str, str]]:
    """Good records around one of each kind of bad record; returns the body and, per bad record's
    marker, the reason it must be rejected with."""
    good = load_event("nginx_access_event")
    metric = load_event("host_metrics_event")
    bad = {
        "not json": (b"this is not json", "invalid_json"),
        "unknown type": (line({**good, "type": "nginx_acess"}), "unknown_type"),
        "missing host": (line({k: v for k, v in good.items() if k != "host"}), "missing_field"),
        "wrong type": (line({**good, "status": "two hundred"}), "bad_type"),
        "bad timestamp": (line({**good, "timestamp": "yesterday"}), "bad_timestamp"),
        "2 MB record": (line({**good, "user_agent": "x" * 2_000_000}), "oversize"),
    }
    lines = [line(good), line(metric)]
    for raw, _ in bad.values():
        lines += [raw, line(good)]
    return b"\n".join(lines) + b"\n", {name: reason for name, (_, reason) in bad.items()}


def test_a_mixed_batch_keeps_every_good_record_and_rejects_each_bad_one_with_its_reason() -> None:
    body, expected = mixed_batch()

    batch = Router().ingest(gzip.compress(body))

    assert {t: len(rows) for t, rows in batch.rows.items()} == {"nginx_access": 7, "host_metrics": 1}
    assert [r.reason for r in batch.rejects] == list(expected.values())
    assert batch.records == 8 + len(expected) == batch.stored + batch.rejected
    oversize = batch.rejects[-1]
    assert len(oversize.raw) > MAX_RECORD_BYTES  # the raw bytes travel whole to the dead-letter place
    assert batch.rejects[0].raw == b"this is not json"
    assert batch.rejects[3].type == "nginx_access"  # known for rejects that got as far as validation


def test_counts() -> None:
    body, expected = mixed_batch()

    counts = ingest(body).counts()

    assert counts["records"] == counts["stored"] + counts["rejected"] == 14
    assert counts["tables"] == {"host_metrics": 1, "nginx_access": 7}
    assert sum(counts["reasons"].values()) == len(expected)


@pytest.mark.parametrize(
    ("record", "reason"),
    [
        (b"42", "not_object"),
        (b'"text"', "not_object"),
        (b'{"host": "a"}', "missing_field"),
        (b'{"type": ["nginx_access"]}', "unknown_type"),
        (b'{"type": {"a": 1}}', "unknown_type"),
    ],
)
def test_records_that_cannot_be_routed(record: bytes, reason: str) -> None:
    [reject] = ingest(record).rejects

    assert (reject.reason, reject.raw, reject.type) == (reason, record, None)


def test_concatenated_and_ndjson_payloads_route_alike() -> None:
    records = [line(load_event("nginx_access_event")), line(load_event("host_metrics_event"))]

    assert ingest(b"".join(records)).counts() == ingest(b"\n".join(records)).counts()


def test_a_table_whose_records_are_all_rejected_is_not_in_the_batch() -> None:
    batch = ingest(line({**load_event("nginx_access_event"), "status": "none"}))

    assert batch.rows == {} and [r.reason for r in batch.rejects] == ["bad_type"]


def test_a_router_over_a_subset_of_the_catalog_rejects_the_rest() -> None:
    from dendro.catalog import SOURCES

    router = Router({"host_metrics": SOURCES["host_metrics"]})

    batch = router.ingest(line(load_event("nginx_access_event")))

    assert [r.reason for r in batch.rejects] == ["unknown_type"]


def hostile_records() -> list[tuple[bytes, str]]:
    """Records that raised in the core before (OverflowError, RecursionError, ValueError, TypeError),
    with the reason each must now be rejected with."""
    good = load_event("nginx_access_event")

    def status(text: bytes) -> bytes:
        return line({**good, "status": 200}).replace(b'"status":200', b'"status":' + text)

    deep = b"[" * 600 + b"]" * 600
    return [
        (deep, "too_deep|not_object"),  # nested deeper than orjson writes
        (
            line({**good, "host": None}).replace(b'"host":null', b'"host":' + b"[" * 900 + b"]" * 900),
            "bad_type|too_deep",
        ),
        (line({**good, "timestamp": "0001-01-01T00:00:00+01:00"}), "bad_timestamp"),
        (line({**good, "timestamp": "9999-12-31T23:59:59-01:00"}), "bad_timestamp"),
        (line({**good, "timestamp": "0001-01-01T00:00:00Z"}), "bad_timestamp"),
        (status(b"-9223372036854775809"), "bad_type"),
        (status(b"18446744073709551616"), "bad_type"),
        (status(b'"' + b"9" * 5000 + b'"'), "bad_type"),
        (status(b'"+-5"'), "bad_type"),
        (status('"\u00b2"'.encode()), "bad_type"),
        (status(b"1e400"), "invalid_json"),
    ]


@pytest.mark.parametrize("shape", ["ndjson", "array", "gzip"])
def test_the_core_never_raises_on_a_record(shape: str) -> None:
    """Issue 10: one unrepresentable value raised and lost its whole batch; every such record is now
    a reject with its reason beside the good ones, in every body shape."""
    good = line(load_event("nginx_access_event"))
    cases = hostile_records()
    if shape == "array":  # a JSON array holds only JSON: the invalid one cannot be in it
        cases = [(raw, reason) for raw, reason in cases if reason != "invalid_json"]
        body = b"[" + b",".join([raw for raw, _ in cases] + [good]) + b"]"
    else:
        body = b"\n".join([raw for raw, _ in cases] + [good]) + b"\n"
        body = gzip.compress(body) if shape == "gzip" else body

    batch = Router().ingest(body)

    assert batch.stored == 1 and batch.records == len(cases) + 1 == batch.stored + batch.rejected
    for reject, (_, reason) in zip(batch.rejects, cases, strict=True):
        assert reject.reason in reason.split("|"), (reject, reason)
