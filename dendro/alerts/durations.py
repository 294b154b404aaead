"""Durations as dendro.toml writes them: "30s", "2m", "1h30m", "800ms", "1d" (or a number of seconds)."""

from __future__ import annotations

import re

_PART = re.compile(r"(\d+(?:\.\d+)?)(ms|s|m|h|d)")
_UNITS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_duration(value: object) -> float:
    """Seconds in `value`: '2m' -> 120.0, '1h30m' -> 5400.0, '800ms' -> 0.8, 45 -> 45.0."""
    if isinstance(value, bool):
        raise ValueError(f"{value!r} is not a duration; write e.g. 30s, 5m or 1h")
    if isinstance(value, int | float):
        seconds = float(value)
    elif isinstance(value, str):
        text = value.strip().lower().replace(" ", "")
        parts = _PART.findall(text)
        if not text or "".join(n + u for n, u in parts) != text:
            raise ValueError(f"{value!r} is not a duration; write e.g. 30s, 5m, 1h30m or 800ms")
        seconds = sum(float(n) * _UNITS[u] for n, u in parts)
    else:
        raise ValueError(f"{value!r} is not a duration; write e.g. 30s, 5m or 1h")
    if seconds < 0:
        raise ValueError(f"{value!r} is negative; durations count forward, e.g. 5m")
    return seconds


def format_duration(seconds: float) -> str:
    """The short form back: 120 -> '2m', 5400 -> '1h30m', 0.8 -> '800ms'."""
    if seconds < 1 and seconds != 0:
        return f"{round(seconds * 1000)}ms"
    whole = round(seconds)
    out = ""
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        if whole >= size:
            out += f"{whole // size}{unit}"
            whole %= size
    return out or "0s"
