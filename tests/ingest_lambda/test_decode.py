"""Splitting payloads into records: NDJSON, Firehose's back-to-back objects, JSON arrays, gzip."""

from __future__ import annotations

import gzip

import orjson
import pytest

from dendro.ingest_lambda.decode import (
    MAX_RECORD_BYTES,
    DecodeError,
    PayloadTooLargeError,
    Undecodable,
    decode,
    decompress,
)


def values(body: bytes) -> list[object]:
    return [value if not isinstance(value, Undecodable) else value.reason for _, value in decode(body)]


def test_ndjson_skips_blank_lines_and_tolerates_crlf() -> None:
    assert values(b'{"a":1}\r\n\n  \n{"b":2}\n') == [{"a": 1}, {"b": 2}]


def test_concatenated_objects_as_firehose_writes_them() -> None:
    records = list(decode(b'{"a":1}{"b":"x}{y"} {"c":[{}]}'))

    # The raw bytes of each record join back to the input: nothing is lost or rewritten.
    assert [raw for raw, _ in records] == [b'{"a":1}', b'{"b":"x}{y"}', b' {"c":[{}]}']
    assert [value for _, value in records] == [{"a": 1}, {"b": "x}{y"}, {"c": [{}]}]


def test_a_broken_object_between_good_ones_is_rejected_alone() -> None:
    assert values(b'{"a":1}{"b":}{"c":3}') == [{"a": 1}, "invalid_json", {"c": 3}]


def test_json_array_body() -> None:
    assert values(b' [{"a":1}, {"b":2}]') == [{"a": 1}, {"b": 2}]


def test_a_line_that_is_not_json_is_one_reject_with_its_bytes() -> None:
    [(raw, value)] = decode(b"GET / HTTP/1.1 200")

    assert raw == b"GET / HTTP/1.1 200"
    assert isinstance(value, Undecodable) and value.reason == "invalid_json"
    assert "at byte" in value.detail


def test_oversize_record_is_rejected_even_when_valid() -> None:
    big = orjson.dumps({"type": "nginx_access", "message": "x" * (MAX_RECORD_BYTES + 1)})

    assert values(big + b'\n{"a":1}') == ["oversize", {"a": 1}]


def test_gzip_including_concatenated_members() -> None:
    body = gzip.compress(b'{"a":1}\n') + gzip.compress(b'{"b":2}\n')

    assert decompress(body, 1000) == b'{"a":1}\n{"b":2}\n'
    assert decompress(b'{"plain":true}', 1000) == b'{"plain":true}'


def test_gzip_bomb_is_refused_before_it_expands() -> None:
    bomb = gzip.compress(b"0" * 10_000_000)

    with pytest.raises(PayloadTooLargeError, match="over 1000000 bytes"):
        decompress(bomb, 1_000_000)


@pytest.mark.parametrize("body", [b"\x1f\x8bnot gzip at all", gzip.compress(b'{"a":1}')[:-6]])
def test_broken_gzip_is_a_decode_error(body: bytes) -> None:
    with pytest.raises(DecodeError, match="gzip"):
        decompress(body, 1000)
