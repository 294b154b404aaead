"""The syslog parsers (file lines and journal entries), run through the real VRL runtime inside the
generated envelope, then normalized exactly as the ingest side stores them."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from dendro.catalog import SOURCES
from dendro.catalog.model import LINE
from dendro.ingest_lambda.validate import Invalid, normalize
from dendro.vector_configs.programs import parse_program
from tests.support.samples import jsonable
from tests.support.vrl import compile_program

EVENTS = Path(__file__).resolve().parents[1] / "events"
SYSLOG = SOURCES["syslog"]


def load_event(name: str) -> dict[str, Any]:
    return json.loads((EVENTS / name).read_text())


def run(collector: str, event: dict[str, Any]) -> dict[str, Any]:
    program = compile_program(parse_program(SYSLOG, SYSLOG.collector(collector), host="sample-host"))
    return jsonable(program.remap(event))


def parse_line(line: str) -> dict[str, Any] | Invalid:
    return kept_whole(normalize(run("file", {"message": line, "host": "sample-host"}), SYSLOG), line)


def kept_whole(parsed: dict[str, Any] | Invalid, raw: Any) -> dict[str, Any] | Invalid:
    """The envelope keeps the line as written (`line`); checked here, then left out of the comparison."""
    if isinstance(parsed, dict):
        assert parsed.pop(LINE.name) == raw
    return parsed


def row(**fields: Any) -> dict[str, Any]:
    empty = dict.fromkeys(f.name for f in SYSLOG.columns if f is not LINE)
    return {**empty, "type": "syslog", "host": "sample-host", **fields}


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)  # type: ignore[misc]


def bsd_time(month: int, day: int, hour: int, minute: int, second: int) -> datetime:
    """The year the parser must give a yearless RFC 3164 stamp: this year, unless that is more than a
    day ahead of now, which no logged line can be."""
    now = datetime.now(UTC)
    stamp = datetime(now.year, month, day, hour, minute, second, tzinfo=UTC)
    return stamp.replace(year=now.year - 1) if stamp > now + timedelta(days=1) else stamp


# --- RFC 3164 files ---------------------------------------------------------------------------------


def test_auth_log_line() -> None:
    parsed = parse_line("Mar 27 13:06:56 ip-10-77-20-248 sshd[1291]: Server listening on 0.0.0.0 port 22.")

    assert parsed == row(
        timestamp=bsd_time(3, 27, 13, 6, 56),
        appname="sshd",
        hostname="ip-10-77-20-248",
        procid="1291",
        message="Server listening on 0.0.0.0 port 22.",
    )


def test_3164_with_pri_gives_facility_and_severity() -> None:
    parsed = parse_line("<38>Jan  1 00:00:01 web-1 sshd[1291]: Accepted publickey for deploy")

    assert isinstance(parsed, dict)
    assert (parsed["facility"], parsed["severity"]) == ("auth", "info")
    # Only a line from the first second of the year could be ahead of now by more than a day: never.
    assert parsed["timestamp"] == utc(datetime.now(UTC).year, 1, 1, 0, 0, 1)


def test_yearless_stamp_ahead_of_now_belongs_to_last_year() -> None:
    ahead = datetime.now(UTC).replace(microsecond=0) + timedelta(days=3)
    if (ahead.month, ahead.day) == (2, 29):
        ahead += timedelta(days=1)
    line = (
        f"{ahead:%b} {ahead.day:2d} {ahead:%H:%M:%S} web-1 cron[77]: (root) CMD (run-parts /etc/cron.hourly)"
    )

    parsed = parse_line(line)

    assert isinstance(parsed, dict)
    assert parsed["timestamp"] == ahead.replace(year=ahead.year - 1)


def test_postgres_continuation_tag_stays_in_the_message() -> None:
    # parse_syslog alone would take "[7-2]" for RFC 5424 structured data and drop it from the text.
    parsed = parse_line(
        "Feb 11 13:15:40 test-pc postgres[10819]: [7-2] #011       pg_catalog.pg_get_userbyid(d.datdba)"
    )

    assert parsed == row(
        timestamp=bsd_time(2, 11, 13, 15, 40),
        appname="postgres",
        hostname="test-pc",
        procid="10819",
        message="[7-2] #011       pg_catalog.pg_get_userbyid(d.datdba)",
    )


def test_message_is_kept_as_written() -> None:
    # sudo pads the user name; the padding and trailing blanks are part of what it logged.
    parsed = parse_line("Mar 27 13:20:01 ip-10-77-20-248 sudo:   ubuntu : TTY=pts/0 ; USER=root  ")

    assert isinstance(parsed, dict)
    assert (parsed["appname"], parsed["procid"]) == ("sudo", None)
    assert parsed["message"] == "  ubuntu : TTY=pts/0 ; USER=root  "


# --- RFC 5424 ---------------------------------------------------------------------------------------


def test_5424_with_structured_data() -> None:
    parsed = parse_line(
        '<30>1 2024-02-18T02:29:57+08:00 exmaple.com charon 15894 - [meta sequenceId="31"] '
        "06[NET] <3fdb463d|83> sending packet: from 116.178.2.180[4500] to 116.178.2.170[28808] (1172 bytes)"
    )

    assert parsed == row(
        timestamp=utc(2024, 2, 17, 18, 29, 57),
        appname="charon",
        facility="daemon",
        severity="info",
        hostname="exmaple.com",
        procid="15894",
        structured_data='{"meta":{"sequenceId":"31"}}',
        message="06[NET] <3fdb463d|83> sending packet: from 116.178.2.180[4500] to 116.178.2.170[28808] "
        "(1172 bytes)",
    )


def test_5424_with_several_sd_elements_and_msgid() -> None:
    parsed = parse_line(
        "<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 "
        '[exampleSDID@32473 iut="3" eventSource="Application"][examplePriority@32473 class="high"] '
        "An application event log entry"
    )

    assert isinstance(parsed, dict)
    assert (parsed["facility"], parsed["severity"], parsed["msgid"]) == ("local4", "notice", "ID47")
    assert parsed["timestamp"] == utc(2003, 10, 11, 22, 14, 15) + timedelta(milliseconds=3)
    assert json.loads(parsed["structured_data"]) == {
        "exampleSDID@32473": {"iut": "3", "eventSource": "Application"},
        "examplePriority@32473": {"class": "high"},
    }
    assert parsed["message"] == "An application event log entry"


def test_5424_without_structured_data_and_a_named_procid() -> None:
    parsed = parse_line(
        "<134>1 2025-11-06T11:32:42.868451+00:00 firewall.lan filterlog worker-3 - - 7,,,1000000102"
    )

    assert parsed == row(
        timestamp=utc(2025, 11, 6, 11, 32, 42) + timedelta(microseconds=868451),
        appname="filterlog",
        facility="local0",
        severity="info",
        hostname="firewall.lan",
        procid="worker-3",
        message="7,,,1000000102",
    )


@pytest.mark.parametrize(
    "line",
    [
        "",
        "garbage",
        '{"t":{"$date":"2024-02-18T02:29:57Z"},"s":"I"}',
        '127.0.0.1 - - [10/Oct/2000:13:55:36 -0700] "GET / HTTP/1.0" 200 2326',
        "<13>1 - - - - - - a NILVALUE timestamp",
    ],
)
def test_unparsable_line_is_flagged_with_the_raw_line(line: str) -> None:
    event = run("file", {"message": line, "host": "sample-host"})

    assert normalize(event, SYSLOG) == Invalid("unparsed", "not syslog (RFC 3164 or RFC 5424)", "syslog")
    assert event["message"] == line


# --- journald ---------------------------------------------------------------------------------------


def parse_entry(event: dict[str, Any]) -> dict[str, Any] | Invalid:
    return kept_whole(normalize(run("journald", event), SYSLOG), event.get("message"))


def test_journal_entry_from_the_syslog_socket() -> None:
    parsed = parse_entry(load_event("journald/sshd_syslog_transport.json"))

    assert parsed == row(
        timestamp=utc(2026, 11, 26, 8, 15, 23) + timedelta(microseconds=583214),
        appname="sshd",
        facility="auth",
        severity="info",
        hostname="web-1",
        procid="48213",
        structured_data='{"journald":{"_SYSTEMD_UNIT":"ssh.service","_TRANSPORT":"syslog","_UID":"0"}}',
        message="Accepted publickey for deploy from 203.0.113.7 port 52144 ssh2: ED25519 "
        "SHA256:Zq0f1rUe6m3pX0bN8wqvY2kF4d9hJc7sL5aT1gR3uWc",
    )


def test_native_journal_entry_uses_the_senders_clock_and_message_id() -> None:
    parsed = parse_entry(load_event("journald/systemd_unit_started.json"))

    assert parsed == row(
        # _SOURCE_REALTIME_TIMESTAMP (…204377), not the reception time __REALTIME_TIMESTAMP (…204511).
        timestamp=utc(2026, 11, 26, 9, 2, 11) + timedelta(microseconds=204377),
        appname="systemd",
        facility="daemon",
        severity="info",
        hostname="web-1",
        procid="1",
        msgid="39f53479d3a045ac8e11786248231fbf",
        structured_data='{"journald":{"_SYSTEMD_UNIT":"init.scope","_TRANSPORT":"journal","_UID":"0"}}',
        message="Finished apt-daily-upgrade.service - Daily apt upgrade and clean activities.",
    )


def test_service_stdout_entry() -> None:
    parsed = parse_entry(load_event("journald/gunicorn_stdout.json"))

    assert isinstance(parsed, dict)
    assert (parsed["appname"], parsed["procid"], parsed["severity"]) == ("gunicorn", "7311", "info")
    assert json.loads(parsed["structured_data"])["journald"]["_SYSTEMD_UNIT"] == "shop.service"


def test_kernel_entry() -> None:
    parsed = parse_entry(load_event("journald/kernel_oom.json"))

    assert parsed == row(
        timestamp=utc(2026, 11, 26, 10, 5, 47) + timedelta(microseconds=901005),
        appname="kernel",
        facility="kern",
        severity="err",
        hostname="web-1",
        structured_data='{"journald":{"_TRANSPORT":"kernel"}}',
        message="Out of memory: Killed process 7390 (gunicorn) total-vm:1853220kB, anon-rss:1602188kB, "
        "file-rss:0kB, shmem-rss:0kB, UID:998 pgtables:3424kB oom_score_adj:0",
    )


@pytest.mark.parametrize(("priority", "severity"), [("4", "warning"), ("WARNING", "warning"), ("0", "emerg")])
def test_priority_as_number_or_as_remapped_name(priority: str, severity: str) -> None:
    event = {**load_event("journald/sshd_syslog_transport.json"), "PRIORITY": priority}

    parsed = parse_entry(event)

    assert isinstance(parsed, dict)
    assert parsed["severity"] == severity


def test_entry_without_journal_clock_falls_back_to_the_event_timestamp() -> None:
    event = load_event("journald/kernel_oom.json")
    del event["__REALTIME_TIMESTAMP"]
    event["timestamp"] = "2026-11-26T10:05:47.5Z"

    parsed = parse_entry(event)

    assert isinstance(parsed, dict)
    assert parsed["timestamp"] == utc(2026, 11, 26, 10, 5, 47) + timedelta(milliseconds=500)


def test_entry_without_message_is_flagged_and_kept_whole() -> None:
    entry = load_event("journald/kernel_oom.json")
    del entry["message"]

    event = run("journald", entry)

    assert normalize(event, SYSLOG) == Invalid("unparsed", "journal entry without a text MESSAGE", "syslog")
    assert json.loads(event["message"]) == entry


def test_entry_without_any_time_is_flagged() -> None:
    entry = load_event("journald/kernel_oom.json")
    del entry["__REALTIME_TIMESTAMP"]

    event = run("journald", entry)

    assert normalize(event, SYSLOG) == Invalid(
        "unparsed", "journal entry without a realtime timestamp", "syslog"
    )
    assert json.loads(event["message"])["message"] == entry["message"]
