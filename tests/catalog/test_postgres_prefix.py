"""log_line_prefix -> exact header regex, and the postgres program specialized with it."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from dendro.catalog.databases import POSTGRES
from dendro.catalog.postgres_prefix import LogLinePrefixError, prefix_regex, render_program
from dendro.ingest_lambda.validate import Invalid, normalize
from dendro.local_pipeline.vrl import Program
from dendro.vector_configs.programs import parse_program
from tests.support.samples import SAMPLES, join_multiline, jsonable, read_lines
from tests.support.vrl import compile_program, remap_all

# Each sample file with the log_line_prefix its server ran (tests/samples/README.md).
SAMPLE_PREFIXES = {
    "beats_postgresql-11.4.log": "%m [%p] ",
    "lnav_postgres_0.log": "%m [%p] ",
    "lnav_postgres_1.log": "%m [%p] ",
    "lnav_postgres_2.log": "%m [%p] ",
    "beats_postgresql-13-default.log": "%m [%p-%l] %q%u@%d ",
    "beats_postgresql-9.6-debian-with-slowlog.log": "%m [%p] %q%u@%d ",
    "pgbadger_light.postgres.log": "%t [%p]: [%l-1] user=%u,db=%d,app=%a,client=%h ",
    "pgbadger_pg_vacuums.log": "%t [%p]: [%l-1] user=%u,db=%d,host=%h,app=%a ",
    "pgbadger_rds.log": "%t:%r:%u@%d:[%p]:",
}


def program_for(prefix: str | None) -> Program:
    settings = {"log_line_prefix": prefix} if prefix is not None else None
    return compile_program(parse_program(POSTGRES, host="db-1", settings=settings))


def parse(raw: str, prefix: str | None) -> dict[str, Any]:
    return jsonable(program_for(prefix).remap({"message": raw, "host": "db-1"}))


def row(raw: str, prefix: str | None) -> dict[str, Any]:
    result = normalize(parse(raw, prefix), POSTGRES)
    assert not isinstance(result, Invalid), result
    return result


def test_default_prefix_translates_to_an_anchored_exact_regex() -> None:
    assert prefix_regex("%m [%p] ") == (
        r"^(?:waiting for server to [a-z ]+?\.*|\.+)?"
        r"(?P<ts>\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{3}) (?P<tz>(?:[A-Za-z]+|[+-]\d{2}(?:\d{2})?))"
        r" \[(?P<pid>\d+)\] (?P<level>[^\s:]+): {1,2}(?P<body>(?s:.*))$"
    )


@pytest.mark.parametrize(("name", "prefix"), SAMPLE_PREFIXES.items())
def test_exact_prefix_reads_its_sample_as_the_default_guess_does(name: str, prefix: str) -> None:
    # The 13-default file holds one line written without -%l, by another configuration.
    other_config = {"2023-03-04 15:10:01.278 UTC [15902] sherlock@finance FATAL:  "}
    raws = list(join_multiline(read_lines(SAMPLES / "postgres" / name), POSTGRES.default_collector.multiline))
    events = [{"message": raw, "host": "db-1"} for raw in raws]
    exacts = remap_all(program_for(prefix), events)  # one batch per program: see local_pipeline/vrl.py
    guesses = remap_all(program_for(None), events)
    for raw, exact_event, guessed in zip(raws, exacts, guesses, strict=True):
        exact = normalize(exact_event, POSTGRES)
        if any(raw.startswith(start) for start in other_config):
            assert isinstance(exact, Invalid) and exact.reason == "unparsed"
            continue
        assert not isinstance(exact, Invalid), f"{exact} for {raw!r}"
        assert exact == normalize(guessed, POSTGRES)


def test_rendered_program_swaps_only_the_header_regex() -> None:
    default = render_program({})
    exact = render_program({"log_line_prefix": "%m [%p] "})
    changed = [(a, b) for a, b in zip(default.splitlines(), exact.splitlines(), strict=True) if a != b]
    assert len(changed) == 1
    assert prefix_regex("%m [%p] ") in changed[0][1]
    assert render_program({"log_line_prefix": ""}) == default


def test_exact_prefix_reads_a_layout_the_default_cannot_guess() -> None:
    raw = '2024-05-02 10:00:00.125 UTC|app_rw|shop|4711|psql| ERROR:  relation "x" does not exist'
    prefix = "%m|%u|%d|%p|%a| "
    exact = row(raw, prefix)
    assert (exact["user"], exact["database"], exact["pid"], exact["application"]) == (
        "app_rw",
        "shop",
        4711,
        "psql",
    )
    assert exact["level"] == "ERROR"
    assert exact["message"] == 'relation "x" does not exist'
    guessed = row(raw, None)
    assert guessed["pid"] is None and guessed["user"] is None


def test_exact_prefix_accepts_translated_severities() -> None:
    raw = "2024-05-02 10:00:00.125 CEST [42] FEHLER:  Relation »x« existiert nicht"
    exact = row(raw, "%m [%p] ")
    assert (exact["level"], exact["message"]) == ("FEHLER", "Relation »x« existiert nicht")
    assert exact["timestamp"] == datetime(2024, 5, 2, 8, 0, 0, 125000, tzinfo=UTC)
    assert parse(raw, None)["_parse_error"]


def test_q_makes_the_session_part_optional() -> None:
    prefix = "%m [%p] %q%u@%d "
    background = row("2017-07-31 13:36:42.615 CEST [4978] LOG:  autovacuum launcher started", prefix)
    assert (background["user"], background["database"], background["message"]) == (
        None,
        None,
        "autovacuum launcher started",
    )
    session = row("2017-07-31 13:39:16.249 CEST [5407] postgres@users FATAL:  database gone", prefix)
    assert (session["user"], session["database"], session["level"]) == ("postgres", "users", "FATAL")


def test_padding_literals_and_unknown_escapes() -> None:
    # %-10u pads right, %5p pads left, %% is a percent sign, %Z is no escape and prints nothing,
    # and the regex metacharacters and the quote are literal.
    prefix = "%m %-10u|%5p| 100%% (%Z) 'x' "
    raw = "2024-05-02 10:00:00.125 UTC bob       |   42| 100% () 'x' LOG:  hello"
    result = row(raw, prefix)
    assert (result["user"], result["pid"], result["message"]) == ("bob", 42, "hello")


def test_repeated_escapes_fill_their_field_once() -> None:
    raw = "2024-05-02 10:00:00 UTC 2024-05-02 10:00:01.500 UTC [7] [7] LOG:  hi"
    result = row(raw, "%t %m [%p] [%p] ")
    assert result["timestamp"] == datetime(2024, 5, 2, 10, 0, 0, tzinfo=UTC)
    assert result["pid"] == 7


def test_r_keeps_the_host_and_drops_the_port() -> None:
    prefix = "%t:%r:%u@%d:[%p]:"
    ipv6 = row("2020-03-11 20:40:50 CET:::1(50906):gilles@pgbench:[12795]:LOG:  hi", prefix)
    assert ipv6["client"] == "::1"
    local = row("2020-03-11 20:40:44 CET:[local]:postgres@template1:[12774]:LOG:  hi", prefix)
    assert local["client"] == "[local]"


def test_prefix_without_a_time_is_refused_with_the_fix() -> None:
    with pytest.raises(LogLinePrefixError, match=r"'\[%p\] '.*add %m"):
        prefix_regex("[%p] ")
