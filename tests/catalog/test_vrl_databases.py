"""The PostgreSQL, MongoDB and MySQL parsers, line by line, through the full envelope and the schema."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from dendro.catalog.databases import MONGODB, MYSQL, POSTGRES
from dendro.catalog.model import Source
from dendro.ingest_lambda.validate import Invalid, normalize
from dendro.vector_configs.programs import parse_program
from tests.support.samples import SAMPLES, join_multiline, jsonable, read_lines, records_of
from tests.support.vrl import compile_program

MYSQL_FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "mysql"


def parse(source: Source, raw: str) -> dict[str, Any]:
    program = compile_program(parse_program(source, host="db-1"))
    return jsonable(program.remap({"message": raw, "host": "db-1"}))


def row(source: Source, raw: str) -> dict[str, Any]:
    result = normalize(parse(source, raw), source)
    assert not isinstance(result, Invalid), result
    return result


def assert_flagged(source: Source, raw: str, reason: str) -> None:
    event = parse(source, raw)
    result = normalize(event, source)
    assert isinstance(result, Invalid) and result.reason == "unparsed"
    assert reason in event["_parse_error"]
    assert event["message"] == raw


def local(*args: int) -> datetime:
    # Times written without a zone are read in the agent's local zone (Vector's `timezone`).
    return datetime(*args).astimezone(UTC)


# --- PostgreSQL -------------------------------------------------------------------------------


def test_postgres_verbose_line_splits_the_sqlstate_off() -> None:
    r = row(POSTGRES, "2019-07-23 12:06:33.732 UTC [44] ERROR:  42704: unrecognized configuration parameter")
    assert r["timestamp"] == datetime(2019, 7, 23, 12, 6, 33, 732000, tzinfo=UTC)
    assert (r["level"], r["sqlstate"], r["pid"]) == ("ERROR", "42704", 44)
    assert r["message"] == "unrecognized configuration parameter"
    assert r["service"] == "postgres" and r["host"] == "db-1"


def test_postgres_slow_statement_with_continuation_lines() -> None:
    raw = (
        "2017-07-31 13:36:43.557 CEST [4983] postgres@postgres LOG:  duration: 37.118 ms  statement: "
        'SELECT d.datname as "Name",\n\t       pg_catalog.pg_get_userbyid(d.datdba) as "Owner"\n'
        "\tFROM pg_catalog.pg_database d\n\tORDER BY 1;"
    )
    r = row(POSTGRES, raw)
    assert r["timestamp"] == datetime(2017, 7, 31, 11, 36, 43, 557000, tzinfo=UTC)
    assert (r["user"], r["database"], r["duration_ms"]) == ("postgres", "postgres", 37.118)
    assert r["statement"] == (
        'SELECT d.datname as "Name",\n       pg_catalog.pg_get_userbyid(d.datdba) as "Owner"\n'
        "FROM pg_catalog.pg_database d\nORDER BY 1;"
    )


def test_postgres_key_value_prefix() -> None:
    raw = (
        "2017-09-06 08:41:41 UTC [36]: [121-1] user=postgres,db=bench,app=pgbench,client=172.23.0.1 "
        "LOG:  duration: 2.280 ms  statement: END;"
    )
    r = row(POSTGRES, raw)
    assert (r["pid"], r["session_line"], r["user"], r["database"]) == (36, 121, "postgres", "bench")
    assert (r["application"], r["client"], r["statement"]) == ("pgbench", "172.23.0.1", "END;")


def test_postgres_empty_prefix_values_are_null() -> None:
    raw = '2024-06-27 00:00:07 CEST [58151]: [1-1] user=,db=,host=,app= LOG:  automatic analyze of table "t"'
    r = row(POSTGRES, raw)
    assert (r["user"], r["database"], r["client"], r["application"]) == (None, None, None, None)
    assert r["session_line"] == 1


def test_postgres_rds_prefix() -> None:
    raw = "2020-03-11 20:40:50 CET:192.168.1.201(50906):gilles@pgbench:[12795]:FATAL:  no pg_hba.conf entry"
    r = row(POSTGRES, raw)
    assert r["timestamp"] == datetime(2020, 3, 11, 19, 40, 50, tzinfo=UTC)
    assert (r["client"], r["user"], r["database"], r["pid"]) == ("192.168.1.201", "gilles", "pgbench", 12795)
    background = row(POSTGRES, "2020-03-11 20:40:43 CET::@:[12760]:LOG:  database system is ready")
    assert (background["client"], background["user"], background["pid"]) == (None, None, 12760)


def test_postgres_pid_and_session_line_in_one_bracket() -> None:
    r = row(
        POSTGRES, '2023-03-04 18:24:15.242 UTC [24915-2] sherlock@postgres FATAL:  password failed for "x"'
    )
    assert (r["pid"], r["session_line"], r["user"]) == (24915, 2, "sherlock")


def test_postgres_statement_level_and_execute() -> None:
    r = row(POSTGRES, "2025-08-13 01:46:12.212 PDT [12389] STATEMENT:  SELECT * FROM nonexistent_table;")
    assert r["timestamp"] == datetime(2025, 8, 13, 8, 46, 12, 212000, tzinfo=UTC)
    assert (r["level"], r["statement"]) == ("STATEMENT", "SELECT * FROM nonexistent_table;")
    r = row(POSTGRES, "2025-08-13 01:46:12.212 PDT [12389] LOG:  duration: 0.5 ms  execute S_1: SELECT 1")
    assert (r["duration_ms"], r["statement"]) == (0.5, "SELECT 1")
    r = row(POSTGRES, "2025-08-13 01:46:12.212 PDT [12389] LOG:  statement: SELECT 2")
    assert (r["duration_ms"], r["statement"]) == (None, "SELECT 2")
    r = row(POSTGRES, "2025-08-13 01:46:12.212 PDT [12389] LOG:  duration: 2.139 ms")
    assert (r["duration_ms"], r["statement"]) == (2.139, None)


@pytest.mark.parametrize(
    ("zone", "expected"),
    [
        ("+03", datetime(2024, 1, 2, 0, 4, 5, tzinfo=UTC)),
        ("-0330", datetime(2024, 1, 2, 6, 34, 5, tzinfo=UTC)),
        ("GMT", datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)),
        ("AEDT", datetime(2024, 1, 1, 16, 4, 5, tzinfo=UTC)),
        ("CST", local(2024, 1, 2, 3, 4, 5)),  # US Central and China Standard: the agent's zone decides
    ],
)
def test_postgres_zones(zone: str, expected: datetime) -> None:
    assert row(POSTGRES, f"2024-01-02 03:04:05 {zone} [1] LOG:  x")["timestamp"] == expected


def test_postgres_epoch_timestamp() -> None:
    r = row(POSTGRES, "1589371200.123 [9] LOG:  checkpoint starting: time")
    assert (r["timestamp"], r["pid"]) == (datetime(2020, 5, 13, 12, 0, 0, 123000, tzinfo=UTC), 9)


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "garbage without a prefix",
        "\tan orphan continuation line",
        "2024-01-02 03:04:05 UTC [1] no level here",
    ],
)
def test_postgres_garbage_is_flagged(raw: str) -> None:
    assert_flagged(POSTGRES, raw, "no log_line_prefix timestamp and severity")


def test_postgres_impossible_date_is_flagged() -> None:
    assert_flagged(POSTGRES, "2024-13-45 03:04:05 UTC [1] LOG:  x", "bad log_line_prefix timestamp")


# --- MongoDB ----------------------------------------------------------------------------------

SLOW_QUERY = (
    '{"t":{"$date":"2024-03-18T10:51:02.124-04:00"},"s":"I",  "c":"COMMAND",  "id":51803,   '
    '"ctx":"conn42","msg":"Slow query","attr":{"type":"command","ns":"shop.orders",'
    '"command":{"find":"orders","filter":{"status":"new"}},"planSummary":"COLLSCAN","durationMillis":212}}'
)


def test_mongodb_slow_query() -> None:
    r = row(MONGODB, SLOW_QUERY)
    assert r["timestamp"] == datetime(2024, 3, 18, 14, 51, 2, 124000, tzinfo=UTC)
    assert (r["severity"], r["component"], r["log_id"], r["context"]) == ("I", "COMMAND", 51803, "conn42")
    assert (r["message"], r["namespace"], r["duration_ms"]) == ("Slow query", "shop.orders", 212.0)
    assert r["attr"] == (
        '{"command":{"filter":{"status":"new"},"find":"orders"},"durationMillis":212,"ns":"shop.orders",'
        '"planSummary":"COLLSCAN","type":"command"}'
    )


def test_mongodb_line_without_attr() -> None:
    raw = (
        '{"t":{"$date":"2021-03-22T21:21:20.349Z"},"s":"W",  "c":"CONTROL",  "id":22120,   '
        '"ctx":"initandlisten","msg":"Access control is not enabled for the database"}'
    )
    r = row(MONGODB, raw)
    assert (r["severity"], r["attr"], r["namespace"], r["duration_ms"]) == ("W", None, None, None)
    assert r["timestamp"] == datetime(2021, 3, 22, 21, 21, 20, 349000, tzinfo=UTC)


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        # A text-format stamp, but no severity, component or [context] after it.
        ("2019-06-20T08:12:03.123+0000 end connection", "not a MongoDB log line"),
        ('{"s":"I","c":"NETWORK","msg":"no time"}', "without a valid t.$date"),
        ('{"t":{"$date":"2021-03-22T21:21:20.349Z"},"s":"I","msg":"no component"}', "without s, c or msg"),
        ("[1, 2]", "not a MongoDB log line"),
    ],
)
def test_mongodb_garbage_is_flagged(raw: str, reason: str) -> None:
    assert_flagged(MONGODB, raw, reason)


# --- MySQL ------------------------------------------------------------------------------------


def test_mysql_8_error_log() -> None:
    r = row(
        MYSQL, "2020-08-06T16:44:52.118205Z 0 [ERROR] [MY-012574] [InnoDB] Unable to lock ./ibdata1 error: 11"
    )
    assert r["timestamp"] == datetime(2020, 8, 6, 16, 44, 52, 118205, tzinfo=UTC)
    assert (r["kind"], r["level"], r["error_code"], r["subsystem"]) == (
        "error_log",
        "ERROR",
        "MY-012574",
        "InnoDB",
    )
    assert (r["thread_id"], r["message"]) == (0, "Unable to lock ./ibdata1 error: 11")


def test_mysql_57_error_log_with_offset_and_continuation() -> None:
    raw = (
        "2019-06-20T10:12:03.412398+02:00 0 [Note] /usr/sbin/mysqld: ready for connections.\n"
        "Version: '5.7.26-log'  socket: '/var/run/mysqld/mysqld.sock'  port: 3306  (Ubuntu)"
    )
    r = row(MYSQL, raw)
    assert r["timestamp"] == datetime(2019, 6, 20, 8, 12, 3, 412398, tzinfo=UTC)
    assert (r["level"], r["error_code"], r["subsystem"]) == ("Note", None, None)
    assert r["message"].endswith(
        "ready for connections.\nVersion: '5.7.26-log'  socket: "
        "'/var/run/mysqld/mysqld.sock'  port: 3306  (Ubuntu)"
    )


def test_mysql_legacy_error_logs_are_local_time() -> None:
    old = row(MYSQL, "190620  8:12:02 [Note] Plugin 'FEDERATED' is disabled.")
    assert (old["timestamp"], old["level"]) == (local(2019, 6, 20, 8, 12, 2), "Note")
    assert old["message"] == "Plugin 'FEDERATED' is disabled."
    innodb = row(MYSQL, "190620  8:12:02 InnoDB: Using Linux native AIO")
    assert (innodb["level"], innodb["message"]) == (None, "InnoDB: Using Linux native AIO")
    mariadb = row(MYSQL, "2021-01-06  9:58:31 8 [Warning] Access denied for user 'root'@'localhost'")
    assert (mariadb["timestamp"], mariadb["thread_id"]) == (local(2021, 1, 6, 9, 58, 31), 8)


def test_mysql_crash_report() -> None:
    r = row(MYSQL, "2020-08-07T09:13:44Z UTC - mysqld got signal 11 ;\nThread pointer: 0x7f3c1c000b70")
    assert r["timestamp"] == datetime(2020, 8, 7, 9, 13, 44, tzinfo=UTC)
    assert r["message"] == "mysqld got signal 11 ;\nThread pointer: 0x7f3c1c000b70"


def test_mysql_8_slow_query() -> None:
    raw = (
        "# Time: 2020-08-06T14:31:44.418807Z\n"
        "# User@Host: app[app] @ web1.internal [10.0.3.17]  Id:    12\n"
        "# Query_time: 3.418807  Lock_time: 0.000215 Rows_sent: 20  Rows_examined: 1048576\n"
        "use shop;\nSET timestamp=1596724301;\nSELECT id\nFROM orders\nLIMIT 20;"
    )
    r = row(MYSQL, raw)
    assert r["timestamp"] == datetime(2020, 8, 6, 14, 31, 44, 418807, tzinfo=UTC)
    assert (r["kind"], r["user"], r["client"], r["thread_id"]) == ("slow_query", "app", "10.0.3.17", 12)
    assert (r["query_time"], r["lock_time"], r["rows_sent"], r["rows_examined"]) == (
        3.418807,
        0.000215,
        20,
        1048576,
    )
    assert (r["statement"], r["message"]) == ("SELECT id\nFROM orders\nLIMIT 20;", None)


def test_mysql_slow_query_administrator_command() -> None:
    raw = (
        "# Time: 2020-08-06T14:39:48.000207Z\n# User@Host: app[app] @ localhost []  Id:    12\n"
        "# Query_time: 0.000011  Lock_time: 0.000000 Rows_sent: 0  Rows_examined: 0\n"
        "SET timestamp=1596724788;\n# administrator command: Quit;"
    )
    r = row(MYSQL, raw)
    assert (r["statement"], r["client"]) == ("# administrator command: Quit;", "localhost")


def test_mysql_legacy_slow_query_takes_set_timestamp() -> None:
    raw = (
        "# User@Host: wiki[wiki] @ localhost []\n# Thread_id: 31  Schema: wiki  QC_hit: No\n"
        "# Query_time: 2.211877  Lock_time: 0.000120  Rows_sent: 50  Rows_examined: 612044\n"
        "# Rows_affected: 0  Bytes_sent: 1843\nSET timestamp=1561018539;\nSELECT 1;"
    )
    r = row(MYSQL, raw)
    assert r["timestamp"] == datetime(2019, 6, 20, 8, 15, 39, tzinfo=UTC)
    assert (r["thread_id"], r["user"], r["statement"]) == (31, "wiki", "SELECT 1;")


def test_mysql_slow_entry_opening_without_time_line_still_groups() -> None:
    # After a multiline timeout (or at the top of a rotated file) nothing is open for '# User@Host:'
    # to join, so it must start the entry itself.
    lines = [
        "# User@Host: wiki[wiki] @ localhost []  Id:    32",
        "# Query_time: 2.100313  Lock_time: 0.000098 Rows_sent: 50  Rows_examined: 612044",
        "SET timestamp=1561018539;",
        "SELECT 1;",
    ]
    (joined,) = join_multiline(lines, MYSQL.default_collector.multiline)
    assert (row(MYSQL, joined)["thread_id"], row(MYSQL, joined)["statement"]) == (32, "SELECT 1;")


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("nohup: ignoring input", "not a MySQL error-log or slow-log entry"),
        (
            "2020-13-45T99:00:00Z 0 [Note] x",
            "looks like a MySQL 5.7/8.0 error-log line with an unreadable time",
        ),
        ("190231 25:17:58InnoDB: x", "looks like a MySQL 5.0/5.1/5.5 error-log line (YYMMDD HH:MM:SS)"),
        ("InnoDB: Doublewrite buffer created", "InnoDB diagnostic output without its timestamped first line"),
        (
            "/usr/sbin/mysqld, Version: 8.0.21 (MySQL Community Server - GPL). started with:\n"
            "Tcp port: 3306  Unix socket: /var/run/mysqld/mysqld.sock\n"
            "Time                 Id Command    Argument",
            "file header, and no read time",
        ),
        ("# User@Host: a[a] @ localhost []  Id: 1\nSET timestamp=1;\nSELECT 1;", "without a '# Query_time:'"),
    ],
)
def test_mysql_garbage_is_flagged(raw: str, reason: str) -> None:
    assert_flagged(MYSQL, raw, reason)


# Fixture file -> (events after multiline joining, records made of them, the flagged ones' reasons).
MYSQL_FIXTURE_EXPECTATIONS = {
    "error-8.0.log": (19, 19, []),
    "error-5.7.log": (21, 21, []),
    "error-5.5.log": (22, 22, []),
    "error-mariadb-10.log": (11, 11, []),
    "slow-8.0.log": (8, 8, []),
    "slow-5.6.log": (3, 4, []),  # the last two entries share a second: one event, two records
}
READ_AT = "2026-12-02T17:00:00Z"  # when Vector's file source (or `dendro local import`) read the line


@pytest.mark.parametrize(("name", "expected"), MYSQL_FIXTURE_EXPECTATIONS.items())
def test_mysql_fixture_replay(name: str, expected: tuple[int, int, list[str]]) -> None:
    events, records, flagged_reasons = expected
    lines = read_lines(MYSQL_FIXTURES / name)
    joined = list(join_multiline(lines, MYSQL.default_collector.multiline))
    program = compile_program(parse_program(MYSQL, host="db-1"))
    assert len(joined) == events
    made, flagged = 0, []
    for raw in joined:
        output = jsonable(program.remap({"message": raw, "host": "db-1", "timestamp": READ_AT}))
        for _, part, event in records_of(raw, output):
            made += 1
            result = normalize(event, MYSQL)
            if isinstance(result, Invalid):
                assert result.reason == "unparsed" and event["message"] == part
                flagged.append(event["_parse_error"])
    assert made == records
    assert len(flagged) == len(flagged_reasons)
    for got, want in zip(flagged, flagged_reasons, strict=True):
        assert want in got


# Real lines: elastic/beats filebeat/module/mysql/slowlog/test/mysql-ubuntu-5.5.53.log (Apache-2.0),
# copied whole as tests/samples/mysql/beats_mysql_slow-ubuntu-5.5.53.log.
SLOW_55 = SAMPLES / "mysql" / "beats_mysql_slow-ubuntu-5.5.53.log"


def slow_55_events() -> list[str]:
    return list(join_multiline(read_lines(SLOW_55), MYSQL.default_collector.multiline))


def test_mysql_slow_log_file_header_is_an_event_stored_at_its_read_time() -> None:
    header = slow_55_events()[0]
    program = compile_program(parse_program(MYSQL, host="db-1"))

    event = jsonable(program.remap({"message": header, "host": "db-1", "timestamp": READ_AT}))
    r = normalize(event, MYSQL)

    assert not isinstance(r, Invalid), r
    assert (r["kind"], r["timestamp"]) == ("file_header", datetime(2026, 12, 2, 17, tzinfo=UTC))
    assert r["message"] == "/usr/sbin/mysqld, Version: 5.5.53-0ubuntu0.12.04.1-log ((Ubuntu)). started with:"
    assert r["line"] == header and header.count("\n") == 2  # Tcp port: ... and the column titles


def test_mysql_same_second_slow_log_entries_become_one_row_each() -> None:
    # MySQL 5.5 wrote '# Time: 161209 14:37:59' once, then eleven entries of that second.
    group = slow_55_events()[1]
    assert group.startswith("# Time: 161209 14:37:59\n") and group.count("# User@Host: ") == 11
    program = compile_program(parse_program(MYSQL, host="db-1"))

    output = jsonable(program.remap({"message": group, "host": "db-1", "timestamp": READ_AT}))

    assert isinstance(output, list) and len(output) == 11
    rows = [normalize(event, MYSQL) for event in output]
    assert not any(isinstance(r, Invalid) for r in rows), rows
    assert {r["timestamp"] for r in rows} == {datetime(2016, 12, 9, 14, 37, 59, tzinfo=UTC)}
    assert [r["rows_examined"] for r in rows] == [5, 81, 808, 0, 0, 81, 23, 1, 0, 0, 0]
    assert rows[1]["statement"].startswith("select concat('select count(*) into @discard from `',\n")
    assert rows[10]["statement"] == "select count(*) into @discard from `information_schema`.`VIEWS`;"
    assert (rows[10]["user"], rows[10]["client"], rows[10]["query_time"]) == (
        "debian-sys-maint",
        "localhost",
        0.008782,
    )
    # Each row keeps its own lines; the first also the '# Time:' line written above it.
    assert rows[0]["line"].startswith("# Time: 161209 14:37:59\n# User@Host: ")
    assert rows[5]["line"].startswith("# User@Host: ") and rows[5]["line"].endswith("`PARTITIONS`;")
    assert "\n".join(r["line"] for r in rows) == group


def test_mysql_same_second_entry_that_fails_is_flagged_alone() -> None:
    group = (
        "# Time: 161209 14:37:59\n"
        "# User@Host: root[root] @ localhost []\n"
        "# Query_time: 0.000153  Lock_time: 0.000061 Rows_sent: 1  Rows_examined: 5\n"
        "SET timestamp=1481294279;\nSELECT 1;\n"
        "# User@Host: root[root] @ localhost []\nSET timestamp=1481294279;\nSELECT 2;"
    )
    output = parse(MYSQL, group)

    good, bad = output
    assert not isinstance(normalize(good, MYSQL), Invalid) and good["statement"] == "SELECT 1;"
    assert bad["_parse_error"] == "slow-log entry without a '# Query_time:' line"
    assert bad["message"] == "# User@Host: root[root] @ localhost []\nSET timestamp=1481294279;\nSELECT 2;"


def test_zone_less_wall_time_wins_over_the_read_stamp_of_vectors_file_source() -> None:
    # Vector's file source sets `.timestamp` to the time it read the line (a timestamp, which pyvrl
    # cannot take in, hence the first line). A MySQL 5.5 time is the server's wall clock: the parser
    # must not keep the read time for it.
    read_at = 'del(.timestamp)\n.timestamp = parse_timestamp!("2026-12-02T17:00:00Z", "%+")\n'
    program = compile_program(read_at + parse_program(MYSQL, host="db-1", settings={"timezone": "+01:00"}))

    event = jsonable(program.remap({"message": "161209 14:37:59 [Note] Plugin 'FEDERATED' is disabled."}))

    assert event["timestamp"] == "2016-12-09T13:37:59.000000Z"


def test_mysql_fixture_fileset_is_covered() -> None:
    assert sorted(p.name for p in MYSQL_FIXTURES.glob("*.log")) == sorted(MYSQL_FIXTURE_EXPECTATIONS)
