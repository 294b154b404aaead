"""The charts' time range (15 minutes to 30 days) and the bucket width that goes with it.

A chart should have enough points to show a spike and few enough to draw fast and stay readable:
the bucket is the first "round" width that gives at most MAX_POINTS buckets, so 15 min -> 10 s
(90 points), 1 h -> 30 s, 6 h -> 2 min, 24 h -> 10 min, 7 d -> 1 h, 30 d -> 6 h. Round widths divide
a day, so buckets line up the same way in DuckDB's `time_bucket` and Timestream's `bin`.
"""

from __future__ import annotations

import re
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

MIN_RANGE = 15 * 60
MAX_RANGE = 30 * 86400
MAX_POINTS = 180
# Past 1 d, weeks and 30-day months: absolute ranges may span the years of a backfilled import.
BUCKETS = (10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400, 604800, 2592000)
# What the range picker offers; any other value between the limits works in a URL too.
PRESETS = ("15m", "1h", "3h", "6h", "12h", "24h", "2d", "7d", "30d")
DEFAULT_RANGE = "1h"

_UNITS = {"m": 60, "h": 3600, "d": 86400}
_RANGE = re.compile(r"^(\d{1,5})([mhd])$")


class RangeError(ValueError):
    pass


def parse_range(text: str) -> int:
    """'15m', '6h', '7d' -> seconds, between 15 minutes and 30 days."""
    match = _RANGE.match(text.strip().lower())
    if not match:
        raise RangeError(f"range {text!r} is not understood; use a number and m, h or d, e.g. 1h or 7d")
    seconds = int(match.group(1)) * _UNITS[match.group(2)]
    if not MIN_RANGE <= seconds <= MAX_RANGE:
        raise RangeError(f"range {text!r} is outside 15m .. 30d; pick a range in between")
    return seconds


def bucket_for(range_seconds: int) -> int:
    return next((b for b in BUCKETS if range_seconds / b <= MAX_POINTS), BUCKETS[-1])


@dataclass(frozen=True)
class Window:
    """[start, end) in epoch seconds, start on a bucket boundary, cut into `bucket`-second buckets."""

    start: int
    end: int
    bucket: int

    @classmethod
    def last(cls, range_seconds: int, now: float | None = None) -> Window:
        bucket = bucket_for(range_seconds)
        end = int(now if now is not None else time.time()) + 1
        start = (end - range_seconds) // bucket * bucket
        return cls(start, end, bucket)

    @classmethod
    def between(cls, start: int, end: int) -> Window:
        """An absolute range [start, end) in epoch seconds (from the URL's `from` and `to`)."""
        if end <= start:
            raise RangeError("the range ends before it starts; `to` must be after `from`")
        bucket = bucket_for(end - start)
        return cls(start // bucket * bucket, end, bucket)

    def buckets(self) -> list[int]:
        """Every bucket's start, so that a bucket without rows shows as 0 or a gap, not as nothing."""
        return list(range(self.start, self.end, self.bucket))

    @property
    def partial_from(self) -> int | None:
        """The start of the last bucket when the range ends inside it (it is still filling: a rate
        drawn from it would seem to fall off a cliff at "now"), else None."""
        last = self.buckets()[-1] if self.end > self.start else None
        return last if last is not None and last + self.bucket > self.end else None


def parse_instant(text: str) -> int:
    """'2026-12-02T14:00:00Z', '2026-12-02 14:00', '2026-12-02' (UTC unless an offset is given), or
    epoch seconds -> epoch seconds."""
    text = text.strip()
    if re.fullmatch(r"\d{9,11}(\.\d+)?", text):
        return int(float(text))
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise RangeError(
            f"time {text!r} is not understood; use ISO 8601 such as 2026-12-02T14:00:00Z"
        ) from None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return int(value.timestamp())


def window_from(params: Mapping[str, str], now: float | None = None) -> Window:
    """The window a URL asks for: `from` (and `to`, default now) as absolute times, else `range`."""
    if params.get("from"):
        end = (
            parse_instant(params["to"])
            if params.get("to")
            else int(now if now is not None else time.time()) + 1
        )
        return Window.between(parse_instant(params["from"]), end)
    return Window.last(parse_range(params.get("range") or DEFAULT_RANGE), now)


def describe_bucket(seconds: int) -> str:
    """10 -> '10 s', 120 -> '2 min', 21600 -> '6 h': chart subtitles say what one point covers."""
    if seconds < 60:
        return f"{seconds} s"
    if seconds < 3600:
        return f"{seconds // 60} min"
    if seconds < 86400:
        return f"{seconds // 3600} h"
    return f"{seconds // 86400} d"
