"""Split a payload into records and decode each one: the first step of every store's ingest.

Payloads come in three shapes: NDJSON (Vector's `http` sink, `dendro local import`), JSON objects
concatenated with no delimiter (what Firehose writes to S3 when no record delimiter is configured),
or one JSON array (an `http` sink configured with `framing.method = "character_delimited"`), each
possibly gzip-compressed. Decoding is per record so that one bad record is rejected alone.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Iterator
from typing import Any

import orjson

# Firehose refuses records over 1,000 KiB; the local collector applies the same limit, so a record
# that fits one store fits all of them.
MAX_RECORD_BYTES = 1_024_000
GZIP_MAGIC = b"\x1f\x8b"

# One decoded record: its raw bytes (kept for the dead-letter place) and the value, or why it has none.
Decoded = tuple[bytes, Any]


class DecodeError(ValueError):
    """The payload as a whole cannot be read (bad gzip, too large once decompressed)."""


class PayloadTooLargeError(DecodeError):
    pass


class Undecodable:
    """Marks a record whose bytes are not one JSON value; `reason` is a stable reject code."""

    __slots__ = ("reason", "detail")

    def __init__(self, reason: str, detail: str) -> None:
        self.reason = reason
        self.detail = detail

    def __repr__(self) -> str:
        return f"Undecodable({self.reason!r}, {self.detail!r})"


def decompress(payload: bytes, max_bytes: int) -> bytes:
    """Gunzip `payload` if it starts with the gzip magic (concatenated members too), else return it.

    The output is capped at `max_bytes`: a small gzip body can expand a thousandfold.
    """
    if not payload.startswith(GZIP_MAGIC):
        return payload
    out: list[bytes] = []
    size = 0
    data = payload
    while data:
        inflater = zlib.decompressobj(wbits=31)
        try:
            chunk = inflater.decompress(data, max_bytes - size + 1)
        except zlib.error as error:
            raise DecodeError(f"body is not valid gzip ({error}); send it plain or gzip-compressed") from None
        size += len(chunk)
        if size > max_bytes or inflater.unconsumed_tail:
            raise PayloadTooLargeError(f"body is over {max_bytes} bytes once decompressed")
        if not inflater.eof:
            raise DecodeError("gzip body is truncated; send the whole batch again")
        out.append(chunk)
        data = inflater.unused_data
    return b"".join(out)


def decode(body: bytes) -> Iterator[Decoded]:
    """Yield (raw bytes, decoded value or Undecodable) for every record in `body`. Blank lines are
    not records. (`Router.ingest` inlines the common case of this loop for speed.)"""
    items = json_array(body)
    if items is not None:
        yield from items
        return
    loads = orjson.loads
    for line in body.split(b"\n"):
        if len(line) <= MAX_RECORD_BYTES:
            try:
                yield line, loads(line)
                continue
            except orjson.JSONDecodeError:
                pass
        yield from records_in_line(line)


def json_array(body: bytes) -> list[Decoded] | None:
    """The records of a body that is one JSON array, or None when it is not one."""
    if body.lstrip()[:1] != b"[":
        return None
    return _json_array(body)


def _json_array(body: bytes) -> list[Decoded] | None:
    try:
        items = orjson.loads(body)
    except orjson.JSONDecodeError:
        return None
    if not isinstance(items, list):
        return None
    decoded: list[Decoded] = []
    for item in items:
        raw = orjson.dumps(item)
        decoded.append((raw, _oversize(raw) if len(raw) > MAX_RECORD_BYTES else item))
    return decoded


# Where one object may end and the next begin. Zero-width, so the pieces join back byte for byte.
_BOUNDARY = re.compile(rb"(?<=\})(?=\s*\{)")


def records_in_line(line: bytes) -> Iterator[Decoded]:
    """The records of a line that is not one record of acceptable size: none if it is blank, several
    if they were written back to back
    ({"a":1}{"b":2}, as Firehose does without a delimiter), one oversize record, or garbage.

    The line is cut at every `}{`; pieces are joined again until they parse, since a cut may fall
    inside a string. JSON values are prefix-free, so a prefix that parses is a whole record. A piece
    that starts no parseable record is rejected alone, and the next piece starts afresh.
    """
    if not line.strip():
        return
    if len(line) > MAX_RECORD_BYTES and _parses(line):
        yield line, _oversize(line)
        return
    pieces = _BOUNDARY.split(line)
    start = 0
    while start < len(pieces):
        buffer = b""
        for end in range(start, len(pieces)):
            buffer += pieces[end]
            if len(buffer) > MAX_RECORD_BYTES:
                break
            try:
                value = orjson.loads(buffer)
            except orjson.JSONDecodeError:
                continue
            yield buffer, value
            start = end + 1
            break
        else:
            yield pieces[start], _invalid(pieces[start])
            start += 1
            continue
        if len(buffer) > MAX_RECORD_BYTES:
            piece = pieces[start]
            yield piece, _oversize(piece) if len(piece) > MAX_RECORD_BYTES else _invalid(piece)
            start += 1


def _parses(raw: bytes) -> bool:
    try:
        orjson.loads(raw)
    except orjson.JSONDecodeError:
        return False
    return True


def _oversize(raw: bytes) -> Undecodable:
    return Undecodable("oversize", f"record is {len(raw)} bytes; the limit is {MAX_RECORD_BYTES}")


def _invalid(raw: bytes) -> Undecodable:
    try:
        orjson.loads(raw)
    except orjson.JSONDecodeError as error:
        return Undecodable("invalid_json", f"not JSON: {error.msg} at byte {error.pos}")
    return Undecodable("invalid_json", "not one JSON value")
