"""Zone-less times read in the source's `timezone` setting, by the real VRL runtime (vector-vrl or pyvrl)."""

from __future__ import annotations

import pytest

from dendro.catalog import SOURCES
from dendro.catalog.local_time import TimezoneError, vrl_zone
from dendro.vector_configs.programs import parse_program
from tests.support.samples import jsonable
from tests.support.vrl import compile_program

# elastic/beats filebeat/module/nginx/error/test/error.log, first line (tests/samples/nginx_error).
NGINX_ERROR_LINE = (
    '2016/10/25 14:49:34 [error] 54053#0: *1 open() "/usr/local/Cellar/nginx/1.10.2_1/html/favicon.ico" '
    "failed (2: No such file or directory), client: 127.0.0.1, server: localhost"
)


def stamp(type_id: str, line: str, zone: str | None) -> str:
    settings = {} if zone is None else {"timezone": zone}
    program = compile_program(parse_program(SOURCES[type_id], host="h", settings=settings))
    event = jsonable(program.remap({"message": line}))
    assert "_parse_error" not in event, event
    return event["timestamp"]


@pytest.mark.parametrize(
    ("zone", "utc"),
    [
        (None, "2016-10-25T14:49:34.000000Z"),  # default UTC
        ("UTC", "2016-10-25T14:49:34.000000Z"),
        ("Europe/Berlin", "2016-10-25T12:49:34.000000Z"),  # CEST
        ("America/New_York", "2016-10-25T18:49:34.000000Z"),  # EDT
        ("+04:00", "2016-10-25T10:49:34.000000Z"),
        ("-0330", "2016-10-25T18:19:34.000000Z"),
        ("Asia/Kolkata", "2016-10-25T09:19:34.000000Z"),
    ],
)
def test_zone_less_error_log_time_is_read_in_the_setting(zone: str | None, utc: str) -> None:
    assert stamp("nginx_error", NGINX_ERROR_LINE, zone) == utc


def test_daylight_saving_is_taken_at_the_line_own_date() -> None:
    winter = NGINX_ERROR_LINE.replace("2016/10/25", "2016/01/25")

    assert stamp("nginx_error", winter, "Europe/Berlin") == "2016-01-25T13:49:34.000000Z"  # CET


@pytest.mark.parametrize("bad", ["Berlin", "Mars/Olympus", "+25:00", "EST5EDT6"])
def test_unknown_zone_is_refused_with_an_example(bad: str) -> None:
    with pytest.raises(TimezoneError, match="e.g."):
        vrl_zone(bad)
