"""Chart query rows -> the columns a uPlot chart draws: one x array (bucket starts, epoch seconds)
and one y array per series, every bucket of the window present.

An empty bucket means "nothing happened" for counts (0) but "not measured" for gauges and latencies
(a gap, null), so the fill value is the chart's choice.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from dendro.dashboard.timerange import Window

MAX_SERIES = 10  # more lines than this is noise: the busiest are kept, the others counted


@dataclass
class ChartData:
    x: list[int]
    series: list[dict[str, Any]] = field(default_factory=list)  # {"label": str, "values": [...]}
    unit: str = ""
    hidden_series: int = 0  # groups beyond MAX_SERIES, left out

    def to_json(self) -> dict[str, Any]:
        return {"x": self.x, "series": self.series, "unit": self.unit, "hidden_series": self.hidden_series}


def _number(value: Any) -> float | None:
    return None if value is None else round(float(value), 4)


def by_group(
    rows: Iterable[Sequence[Any]], window: Window, *, fill: float | None, unit: str, limit: int = MAX_SERIES
) -> ChartData:
    """Rows of (t, g, v): one series per g, the `limit` with the largest total first."""
    buckets = window.buckets()
    index = {t: i for i, t in enumerate(buckets)}
    groups: dict[str, list[float | None]] = {}
    for t, g, v, *_ in rows:
        i = index.get(int(t))
        if i is None:
            continue  # an event stamped in the future, or a bucket edge off by the clock; not drawn
        values = groups.setdefault(str(g), [fill] * len(buckets))
        values[i] = _number(v)
    ranked = sorted(groups.items(), key=lambda item: (-sum(v or 0 for v in item[1]), item[0]))
    kept = sorted(ranked[:limit])
    return ChartData(
        x=buckets,
        series=[{"label": g, "values": values} for g, values in kept],
        unit=unit,
        hidden_series=max(0, len(ranked) - limit),
    )


def by_column(
    rows: Iterable[Sequence[Any]], columns: Sequence[str], window: Window, *, unit: str
) -> ChartData:
    """Rows of (t, c1, c2, ...): one series per named column (latency's p50, p95, p99)."""
    buckets = window.buckets()
    index = {t: i for i, t in enumerate(buckets)}
    series: list[list[float | None]] = [[None] * len(buckets) for _ in columns]
    for t, *values in rows:
        i = index.get(int(t))
        if i is None:
            continue
        for column, value in zip(series, values, strict=False):
            column[i] = _number(value)
    return ChartData(
        x=buckets, series=[{"label": c, "values": v} for c, v in zip(columns, series, strict=True)], unit=unit
    )


def used_share(rows: Iterable[Sequence[Any]], window: Window) -> ChartData:
    """Rows of (t, g, used, total): percent used where totals are known, bytes used otherwise."""
    rows = list(rows)
    if any(total for *_, total in rows):
        shares = [
            (t, g, 100.0 * used / total if used is not None and total else None) for t, g, used, total in rows
        ]
        return by_group(shares, window, fill=None, unit="%")
    return by_group(rows, window, fill=None, unit="bytes")
