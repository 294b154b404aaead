"""Pack many events into one Firehose record, for the `timestream` store (S3 staging path).

Firehose bills every Direct PUT record rounded up to 5 KB, and Vector sends one record per event:
a 300-byte access-log line is billed as 5 KB, about 17 times its size. For the timestream store
the record only lands in S3 for the ingest Lambda to split again, so Vector packs events into
records of newline-delimited JSON (and the stack appends the delimiter Firehose itself omits):

    encode  remap   . = {"message": encode_json(.)}     one JSON line per event
    route   route   by the line's size in bytes, into lanes; lines over the last lane go alone
    lanes   reduce  concat_newline on .message, at most `max_events` lines per record

Vector's reduce has no byte limit, so a record is bounded by lane: `max_events` lines of at most
`max_event_bytes` each (plus newlines) stay within RECORD_BUDGET_BYTES, well below Firehose's
1,000 KiB record limit. Two lanes keep the rounding small for both kinds of traffic: short lines
fill large records, and long ones (multi-line statements) still share records instead of each
paying up to twice its size. Every lane flushes at least every FLUSH_EVERY_MS, and after
EXPIRE_AFTER_MS without a new line, so packing adds at most a few seconds of delay.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from dendro.vector_configs.models import Reduce, Remap, Route, Transform

RECORD_LIMIT_BYTES = 1_000 * 1024  # PutRecordBatch: 1,000 KiB per record, before base64
RECORD_BUDGET_BYTES = 800 * 1024  # a packed record stays 20% below the limit
BILLING_UNIT_BYTES = 5 * 1024  # Direct PUT: each record billed rounded up to 5 KB
LANE_MAX_EVENT_BYTES = (2 * 1024, 64 * 1024)
FLUSH_EVERY_MS = 5_000
EXPIRE_AFTER_MS = 2_000
FLUSH_PERIOD_MS = 500

ENCODE_ID = "dendro_pack_encode"
ROUTE_ID = "dendro_pack_route"
UNMATCHED = f"{ROUTE_ID}._unmatched"

ENCODE_VRL = '. = {"message": encode_json(.)}\n'
_LINE_BYTES = 'length(string(.message) ?? "")'  # VRL `length` of a string counts bytes


@dataclass(frozen=True)
class Lane:
    name: str
    min_event_bytes: int  # exclusive
    max_event_bytes: int  # inclusive

    @property
    def component_id(self) -> str:
        return f"dendro_pack_{self.name}"

    @property
    def max_events(self) -> int:
        # Each line but the last is followed by "\n".
        return (RECORD_BUDGET_BYTES + 1) // (self.max_event_bytes + 1)

    @property
    def condition(self) -> str:
        upper = f"{_LINE_BYTES} <= {self.max_event_bytes}"
        return upper if self.min_event_bytes == 0 else f"{_LINE_BYTES} > {self.min_event_bytes} && {upper}"


def lanes() -> tuple[Lane, ...]:
    bounds = (0, *LANE_MAX_EVENT_BYTES)
    names = ("small", "medium", "large", "huge")
    return tuple(Lane(names[i], bounds[i], bounds[i + 1]) for i in range(len(LANE_MAX_EVENT_BYTES)))


def packing_transforms(inputs: list[str]) -> tuple[dict[str, Transform], list[str]]:
    """The encode/route/reduce components, and the inputs the sink should read."""
    transforms: dict[str, Transform] = {
        ENCODE_ID: Remap(inputs=inputs, source=ENCODE_VRL),
        ROUTE_ID: Route(inputs=[ENCODE_ID], route={lane.name: lane.condition for lane in lanes()}),
    }
    for lane in lanes():
        transforms[lane.component_id] = Reduce(
            inputs=[f"{ROUTE_ID}.{lane.name}"],
            merge_strategies={"message": "concat_newline"},
            max_events=lane.max_events,
            expire_after_ms=EXPIRE_AFTER_MS,
            end_every_period_ms=FLUSH_EVERY_MS,
            flush_period_ms=FLUSH_PERIOD_MS,
        )
    return transforms, [*(lane.component_id for lane in lanes()), UNMATCHED]


def billed_bytes(record_bytes: int) -> int:
    """What Firehose Direct PUT bills for one record."""
    return max(1, math.ceil(record_bytes / BILLING_UNIT_BYTES)) * BILLING_UNIT_BYTES
