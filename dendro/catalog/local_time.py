"""Zone-less timestamps: the per-source `timezone` setting and the VRL that applies it.

Many logs carry times without an offset: nginx and Apache error logs, MySQL before 5.7 (and 5.7+
with `log_timestamps=SYSTEM` in some builds), rsyslog's high-precision stamps without a zone, RFC 3164
syslog. Those times are the server's wall clock. A parser that meets one sets `dendro_wall` to it as
`%Y-%m-%dT%H:%M:%S%.f` text instead of setting `.timestamp`; the epilogue below reads it in the
source's `timezone` setting (an IANA zone or a fixed offset; UTC by default), as Vector's
`parse_timestamp` reads a zone-less time in its `timezone` option. It is written out in VRL rather
than passed as `parse_timestamp(..., timezone:)` because older VRL runtimes (pyvrl's) lack that
argument; `format_timestamp(..., timezone:)` is old and everywhere.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

SETTING = "timezone"
DEFAULT = "UTC"
WALL_FORMAT = "%Y-%m-%dT%H:%M:%S%.f"

_OFFSET = re.compile(r"^(?:UTC|GMT)?([+-])(\d{2}):?(\d{2})$")
_UTC_NAMES = frozenset({"utc", "z", "gmt", "etc/utc", "etc/gmt", "+00:00", "+0000", "-00:00", "-0000"})


class TimezoneError(ValueError):
    pass


def vrl_zone(value: str | None) -> str:
    """The zone as the VRL epilogue takes it: "+HHMM" for fixed offsets (and UTC), else an IANA name."""
    text = (value or DEFAULT).strip()
    if text.lower() in _UTC_NAMES:
        return "+0000"
    offset = _OFFSET.match(text)
    if offset:
        sign, hours, minutes = offset.groups()
        if int(hours) > 14 or int(minutes) > 59:
            raise TimezoneError(f"timezone {value!r} is not a valid UTC offset; use e.g. +04:00 or -05:30")
        return f"{sign}{hours}{minutes}"
    try:
        ZoneInfo(text)
    except (ZoneInfoNotFoundError, ValueError):
        raise TimezoneError(
            f"timezone {value!r} is neither an IANA zone name (e.g. Europe/Berlin, America/New_York) "
            "nor a UTC offset (e.g. +04:00): give the zone the server's clock is set to "
            "(`timedatectl` shows it)"
        ) from None
    return text


# Vector's file source stamps every line with the time it read it, in `.timestamp`. Left there, that
# stamp would pass for the event time wherever a parser sets none (a zone-less wall time waiting for
# the epilogue, a line without a time): so it is moved aside, for the parsers that want it (a file
# header with no time of its own). `dendro local import` sends it as RFC 3339 text.
READ_AT = """dendro_read_at = .timestamp
if !is_timestamp(dendro_read_at) {
  dendro_read_at = parse_timestamp(string(dendro_read_at) ?? "", "%+") ?? null
}
del(.timestamp)
"""


def prelude(settings: Mapping[str, str]) -> str:
    """VRL that the catalog program runs after: the zone, and no wall time yet."""
    zone = vrl_zone(settings.get(SETTING))
    return f'dendro_timezone = "{zone}"\ndendro_wall = null\n{READ_AT}'


# Read the wall time as UTC, take the zone's offset at that instant, then the offset at the instant
# that gives, which settles the hours around a DST change as chrono's local-time reading does.
EPILOGUE = f"""
# --- zone-less time: the wall clock in the source's `timezone` setting (catalog/local_time.py) ---
if !exists(._parse_error) && !is_timestamp(.timestamp) && is_string(dendro_wall) {{
  wall = string(dendro_wall) ?? ""
  wall_utc, wall_err = parse_timestamp(wall + "+0000", "{WALL_FORMAT}%z")
  if wall_err != null {{
    ._parse_error = "bad time: " + wall
  }} else {{
    offset = dendro_timezone
    if !match(offset, r'^[+-]\\d{{4}}$') {{
      offset = format_timestamp(wall_utc, "%z", timezone: dendro_timezone) ?? "+0000"
      first = parse_timestamp(wall + offset, "{WALL_FORMAT}%z") ?? wall_utc
      offset = format_timestamp(first, "%z", timezone: dendro_timezone) ?? offset
    }}
    .timestamp = parse_timestamp(wall + offset, "{WALL_FORMAT}%z") ?? null
  }}
}}
"""


def wrap(program: str, settings: Mapping[str, str]) -> str:
    """A catalog program with the zone before it and the wall-time reading after it."""
    return prelude(settings) + program.rstrip() + "\n" + EPILOGUE
