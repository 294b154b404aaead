"""Split a payload into records and decode each one: the first step of every store's ingest.

Payloads come in three shapes: NDJSON (Vector's `http` sink, `dendro local import`), JSON objects
concatenated with no delimiter (what Firehose writes to S3 when no record delimiter is configured),
or one JSON array (an `http` sink configured with `framing.method = "character_delimited"`), each
possibly gzip-compressed. Decoding is per record so that one bad record is rejected alone.
"""

from __future__ import annotations

import bisect
import json
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
        try:
            raw = orjson.dumps(item)
        except orjson.JSONEncodeError:  # nested deeper than orjson writes (255 levels; it reads 1,024)
            decoded.append((b"", Undecodable("too_deep", "the record nests more than 255 levels deep")))
            continue
        decoded.append((raw, _oversize(raw) if len(raw) > MAX_RECORD_BYTES else item))
    return decoded


# Where one object may end and the next begin. Zero-width, so the pieces join back byte for byte.
_BOUNDARY = re.compile(rb"(?<=\})(?=\s*\{)")
_WHITESPACE = re.compile(rb"\s*")
# Python's decoder finds where one JSON value ends (orjson cannot say); orjson then decodes the record.
_FINDER = json.JSONDecoder()
# Scanning work allowed per byte of a line, whatever its content: past it, the rest of the line is one
# reject, so no crafted line costs more than linear time.
_SCAN_BUDGET = 10


def records_in_line(line: bytes) -> Iterator[Decoded]:
    """The records of a line that is not one record of acceptable size: none if it is blank, several
    if they were written back to back
    ({"a":1}{"b":2}, as Firehose does without a delimiter), one oversize record, or garbage.

    The line is cut at every `}{`. A piece that parses alone is a record. Otherwise the decoder reads
    one JSON value from the piece's start; if it ends at a later cut, the pieces up to there are one
    record (a cut may fall inside a string, and JSON values are prefix-free, so this is the only
    candidate), else the piece is rejected alone and the next piece starts afresh. Each attempt stops
    where the value ends or fails, and the total work is capped at a few times the line's length.
    """
    if not line.strip():
        return
    if len(line) > MAX_RECORD_BYTES and _parses(line):
        yield line, _oversize(line)
        return
    cuts = [0, *(m.start() for m in _BOUNDARY.finditer(line) if m.start() > 0), len(line)]
    budget = _SCAN_BUDGET * len(line) + 4096
    index = 0
    while index < len(cuts) - 1:
        start, stop = cuts[index], cuts[index + 1]
        piece = line[start:stop]
        if budget <= 0:
            rest = line[start:]
            yield rest, Undecodable("invalid_json", f"not JSON: {len(rest)} bytes of unreadable records")
            return
        budget -= len(piece)
        if len(piece) <= MAX_RECORD_BYTES:
            try:
                yield piece, orjson.loads(piece)
                index += 1
                continue
            except orjson.JSONDecodeError:
                pass
        after, value, budget = _record_at(line, cuts, index, budget)
        if after is None:
            yield piece, _oversize(piece) if len(piece) > MAX_RECORD_BYTES else _invalid(piece)
            index += 1
        else:
            yield line[start : cuts[after]], value
            index = after


_NOTHING = object()


def _record_at(line: bytes, cuts: list[int], index: int, budget: int) -> tuple[int | None, Any, int]:
    """(the cut index where the record starting at cut `index` ends, its value, the budget left), or
    (None, _NOTHING, budget) when no record longer than one piece starts there."""
    start = cuts[index]
    begin = _WHITESPACE.match(line, start).end()  # type: ignore[union-attr]
    end, scanned = _value_end(line, begin, cuts[index + 1] - begin)
    budget -= scanned
    if end is None or end - start > MAX_RECORD_BYTES:
        return None, _NOTHING, budget
    after = bisect.bisect_left(cuts, end, lo=index + 2)
    if after >= len(cuts) or line[end : cuts[after]].strip():
        return None, _NOTHING, budget  # the value is followed by more than whitespace before a cut
    try:
        return after, orjson.loads(line[start : cuts[after]]), budget
    except orjson.JSONDecodeError:  # stricter than Python's decoder: NaN, lone surrogates
        return None, _NOTHING, budget


def _value_end(line: bytes, begin: int, piece: int) -> tuple[int | None, int]:
    """(where the JSON value starting at `begin` ends, or None if none does; the bytes read). The
    decoder reads a window of the line, doubled while its verdict may be the window's end rather than
    the line's: the work stays near what the value needs (a decode error also costs a scan back to
    the start of the text it was given, to count lines) and never goes past MAX_RECORD_BYTES."""
    window = 2 * piece + 16
    scanned = 0
    while True:
        stop = min(len(line), begin + window)
        chunk = line[begin:stop].decode("utf-8", errors="surrogateescape")  # round-trips every byte
        scanned += stop - begin
        try:
            end = _FINDER.raw_decode(chunk)[1]
            return begin + len(chunk[:end].encode("utf-8", errors="surrogateescape")), scanned
        except json.JSONDecodeError as error:
            cut_short = stop < len(line) and (
                error.msg.startswith("Unterminated string") or error.pos >= len(chunk) - 6
            )
            if not cut_short or window > MAX_RECORD_BYTES:
                return None, scanned
        except RecursionError:  # nested deeper than Python's decoder goes: orjson refuses it too
            return None, scanned
        window *= 2


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
