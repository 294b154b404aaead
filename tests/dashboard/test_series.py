"""Chart rows to drawn columns: every bucket present, the fill per kind of chart, the busiest series."""

from __future__ import annotations

from dendro.dashboard.series import by_column, by_group, used_share
from dendro.dashboard.timerange import Window

WINDOW = Window(start=1000, end=1060, bucket=10)  # buckets 1000 .. 1050


def test_counts_fill_empty_buckets_with_zero() -> None:
    data = by_group([(1000, "a", 3), (1020, "a", 1), (1050, "b", 2)], WINDOW, fill=0, unit="count")
    assert data.x == [1000, 1010, 1020, 1030, 1040, 1050]
    assert data.series == [
        {"label": "a", "values": [3.0, 0, 1.0, 0, 0, 0]},
        {"label": "b", "values": [0, 0, 0, 0, 0, 2.0]},
    ]


def test_gauges_leave_gaps() -> None:
    data = by_group([(1010, "a", 0.5)], WINDOW, fill=None, unit="%")
    assert data.series[0]["values"] == [None, 0.5, None, None, None, None]


def test_rows_outside_the_window_are_not_drawn() -> None:
    data = by_group([(990, "a", 1), (1060, "a", 1), (1000, "a", 2)], WINDOW, fill=0, unit="")
    assert data.series[0]["values"][0] == 2.0 and sum(data.series[0]["values"]) == 2.0


def test_only_the_busiest_series_are_kept() -> None:
    rows = [(1000, f"host-{i:02}", i) for i in range(15)]
    data = by_group(rows, WINDOW, fill=0, unit="", limit=10)
    assert [s["label"] for s in data.series] == [f"host-{i:02}" for i in range(5, 15)]
    assert data.hidden_series == 5


def test_by_column() -> None:
    data = by_column([(1000, 1, 2, 3)], ["p50", "p95", "p99"], WINDOW, unit="ms")
    assert [(s["label"], s["values"][0]) for s in data.series] == [("p50", 1.0), ("p95", 2.0), ("p99", 3.0)]


def test_disk_in_percent_when_totals_are_known_else_bytes() -> None:
    shares = used_share([(1000, "web-1:/", 25.0, 100.0)], WINDOW)
    assert shares.unit == "%" and shares.series[0]["values"][0] == 25.0
    raw = used_share([(1000, "web-1:/", 25.0, None)], WINDOW)
    assert raw.unit == "bytes" and raw.series[0]["values"][0] == 25.0
