"""Ranges from 15 minutes to 30 days, and the bucket width each gets."""

from __future__ import annotations

import pytest

from dendro.dashboard.timerange import (
    MAX_POINTS,
    PRESETS,
    RangeError,
    Window,
    bucket_for,
    describe_bucket,
    parse_range,
)


@pytest.mark.parametrize(
    ("text", "bucket", "label"),
    [
        ("15m", 10, "10 s"),
        ("1h", 30, "30 s"),
        ("6h", 120, "2 min"),
        ("24h", 600, "10 min"),
        ("7d", 3600, "1 h"),
        ("30d", 21600, "6 h"),
    ],
)
def test_buckets(text: str, bucket: int, label: str) -> None:
    assert bucket_for(parse_range(text)) == bucket
    assert describe_bucket(bucket) == label


@pytest.mark.parametrize("text", PRESETS)
def test_every_preset_has_a_readable_number_of_points(text: str) -> None:
    seconds = parse_range(text)
    assert 60 <= seconds / bucket_for(seconds) <= MAX_POINTS
    assert 86400 % bucket_for(seconds) == 0  # buckets line up on days, as Timestream's bin() does


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("5m", "outside"),
        ("31d", "outside"),
        ("1w", "not understood"),
        ("", "not understood"),
        ("-1h", "not understood"),
    ],
)
def test_bad_ranges(text: str, message: str) -> None:
    with pytest.raises(RangeError, match=message):
        parse_range(text)


def test_window_starts_on_a_bucket_and_covers_now() -> None:
    window = Window.last(3600, now=1_767_265_215.5)
    assert window.bucket == 30
    assert window.start % 30 == 0 and window.start <= 1_767_265_215 - 3600
    assert window.end == 1_767_265_216
    assert window.buckets()[-1] <= 1_767_265_215 < window.buckets()[-1] + 30
