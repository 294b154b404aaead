"""Server-log variants (issue 13), one test each, by the real VRL runtime (pyvrl), on lines written
here to vary one thing at a time. Where tests/samples holds real lines of a variant, they are
checked line by line in test_sample_fields.py and the comment here names the file; each written
line's comment says what it is built from."""

from __future__ import annotations

from typing import Any

import pytest

from dendro.catalog import SOURCES
from dendro.vector_configs.programs import parse_program
from tests.support.samples import jsonable
from tests.support.vrl import compile_program


def parse(type_id: str, raw: str, **settings: str) -> dict[str, Any]:
    program = compile_program(parse_program(SOURCES[type_id], host="h", settings=settings))
    return jsonable(program.remap({"message": raw, "host": "h"}))


def test_mysql_51_stamp_glued_to_the_message() -> None:
    # MySQL 5.0/5.1 write "YYMMDD HH:MM:SS" and, for some InnoDB notes, no space before the text; the
    # real lines are in tests/samples/mysql/percona_errlog006.log and percona_errlog008.log (checked in
    # test_sample_fields.py). This one is beats_mysql-ubuntu-5.5.53.log's "161209 14:18:51 InnoDB: ..."
    # glued, read in a zone other than those files'.
    event = parse(
        "mysql", "161209 14:18:51InnoDB: 5.5.53 started; log sequence number 0", timezone="Europe/Paris"
    )

    assert event["message"] == "InnoDB: 5.5.53 started; log sequence number 0"
    assert event["timestamp"] == "2016-12-09T13:18:51.000000Z"


def test_mysql_iso_stamp_without_zone_is_read_in_the_timezone() -> None:
    # A real such line is tests/samples/mysql/fail2ban_mysqld-auth.log's eighth (test_sample_fields.py);
    # this one is lnav_mysql_error.log's first line without its "Z", read in two zones.
    raw = "2020-08-06T14:25:02.835618 0 [Note] [MY-012487] [InnoDB] DDL log recovery : begin"

    assert parse("mysql", raw)["timestamp"] == "2020-08-06T14:25:02.835618Z"
    assert parse("mysql", raw, timezone="Asia/Tokyo")["timestamp"] == "2020-08-06T05:25:02.835618Z"


def test_mysql_rejects_name_the_variant() -> None:
    assert (
        "looks like a MySQL 5.0/5.1/5.5 error-log line"
        in parse("mysql", "161309 14:18:51 [Note] x")["_parse_error"]
    )


def test_postgres_pg_ctl_output_around_entries() -> None:
    # A log that is pg_ctl's stdout: pg_ctl's own strings (src/bin/pg_ctl/pg_ctl.c) around the
    # server's lines, here tests/samples/postgres/lnav_postgres_0.log's first line. A real pg_ctl
    # line is tests/samples/postgres/percona_pg-log-010.log (test_sample_fields.py).
    entry = "2025-08-13 01:45:01.123 PDT [12345] LOG:  starting PostgreSQL 15.4 on x86_64-pc-linux-gnu"
    first = parse("postgres", "waiting for server to start...." + entry)
    joined = parse("postgres", entry + "\n done\nserver started")

    assert (first["pid"], first["timestamp"]) == (12345, "2025-08-13T08:45:01.123000Z")
    assert joined["message"] == "starting PostgreSQL 15.4 on x86_64-pc-linux-gnu"


@pytest.mark.parametrize(
    "raw",
    [
        "pg_ctl: another server might be running; trying to start server anyway",
        "waiting for server to shut down.... done\nserver stopped",
        "server started",
        "stopped waiting",
    ],
)
def test_postgres_pg_ctl_line_is_an_event_at_its_read_time(raw: str) -> None:
    # pg_ctl's lines carry no time: like the MySQL slow log's file header, they are stored at the
    # time the line was read (Vector's file source stamps it in .timestamp), not flagged.
    program = compile_program(parse_program(SOURCES["postgres"], host="h", settings={}))
    event = jsonable(program.remap({"message": raw, "host": "h", "timestamp": "2026-12-02T17:00:00Z"}))
    unread = parse("postgres", raw)

    assert (event.get("_parse_error"), event["level"]) == (None, "pg_ctl")
    assert (event["timestamp"], event["message"]) == ("2026-12-02T17:00:00.000000Z", raw)
    assert unread["_parse_error"].startswith("pg_ctl message, and no read time")


def test_postgres_rejects_name_the_variant() -> None:
    csv = (
        '2019-07-07 10:23:11.332 CEST,"postgres","postgres",11830,"[local]",5d21ac2f.2e36,1,"idle",,'
        'LOG,00000,"x"'
    )
    other_prefix = "[12345] 2025-08-13 LOG:  starting PostgreSQL 15.4"

    assert "csvlog" in parse("postgres", csv)["_parse_error"]
    assert "set log_line_prefix" in parse("postgres", other_prefix)["_parse_error"]


@pytest.mark.parametrize(
    ("raw", "appname", "procid", "message"),
    [
        # dovecot's own log file (log_path): "<time> <process>: <level>: <text>", no hostname. Real
        # lines of it are in tests/samples/syslog/fail2ban_dovecot.log (test_sample_fields.py); these
        # three add a pid and a process with its user and session, written after dovecot's format.
        (
            "Jan 29 13:54:06 auth-worker(22401): Info: sql(a@b.c,10.0.0.5): unknown user",
            "auth-worker",
            "22401",
            "Info: sql(a@b.c,10.0.0.5): unknown user",
        ),
        (
            "Aug 15 19:30:47 imap-login: Info: Logged in: user=<tom>, method=PLAIN",
            "imap-login",
            None,
            "Info: Logged in: user=<tom>, method=PLAIN",
        ),
        (
            "Aug 15 19:31:22 auth(tom,172.17.0.1,sasl:plain)<Cvgx>: Info: user-only: unknown user",
            "auth",
            None,
            "Info: user-only: unknown user",
        ),
    ],
)
def test_syslog_without_hostname(raw: str, appname: str, procid: str | None, message: str) -> None:
    event = parse("syslog", raw)

    assert (event.get("hostname"), event["appname"], event.get("procid"), event["message"]) == (
        None,
        appname,
        procid,
        message,
    )


@pytest.mark.parametrize(
    "client",
    [
        # What Apache 2.4 writes: "%s:%d" (server/log.c, log_remote_address), the IPv6 address bare.
        "::1:50547",
        "2001:db8::1:51548",
        # Bracketed, as other writers and hand-made lines have it.
        "[2001:db8::1]:51548",
    ],
)
def test_apache_24_ipv6_client_keeps_the_error_code(client: str) -> None:
    # tests/samples/apache_error/crowdsec_apache_error.log's first line with an IPv6 client; no
    # fixture with a licence we can carry holds a real one (issue 13's notes).
    raw = (
        "[Fri Oct 08 17:08:41.203277 2021] [core:error] [pid 7005:tid 140667133085440] "
        f"[client {client}] AH00126: Invalid URI in request GET /cgi-bin/ HTTP/1.1"
    )
    event = parse("apache_error", raw)

    # Stored with its port, as IPv4 clients are ("127.0.0.1:51380").
    assert (event["client"], event["error_code"]) == (client, "AH00126")
    assert event["message"] == "AH00126: Invalid URI in request GET /cgi-bin/ HTTP/1.1"


@pytest.mark.parametrize("type_id", ["nginx_access", "apache_access"])
def test_vhost_port_then_client_port(type_id: str) -> None:
    # tests/samples/nginx_access/beats_nginx_access_with_host.log's fourth line with the client's
    # port logged too ("%v:%p %h:%{remote}p" in Apache terms).
    raw = (
        'example.com:80 81.2.69.143:51548 - - [07/Dec/2016:11:05:07 +0100] "GET /ocelot HTTP/1.1" 200 571 '
        '"-" "Mozilla/5.0"'
    )
    event = parse(type_id, raw)

    assert (event["vhost"], event["client"]) == ("example.com:80", "81.2.69.143")


NGINX_ERROR_LINE = (
    '2016/10/25 14:50:44 [error] 54053#0: *3 open() "/usr/local/Cellar/nginx/1.10.2_1/html/adsasd" failed '
    "(2: No such file or directory), client: 127.0.0.1, server: localhost"
)
APACHE_ERROR_LINE = (
    "[Mon Dec 26 16:22:08 2016] [error] [client 192.168.33.1] File does not exist: /var/www/favicon.ico"
)
ACCESS_LINE = '::1 - - [26/Dec/2016:16:16:29 +0200] "GET /favicon.ico HTTP/1.1" 404 209'


@pytest.mark.parametrize(
    ("type_id", "raw", "says"),
    [
        # Lines of tests/samples/*/beats_* files, given to the wrong source.
        (
            "nginx_access",
            NGINX_ERROR_LINE,
            "looks like an nginx error-log line: collect it as source nginx_error",
        ),
        (
            "apache_access",
            APACHE_ERROR_LINE,
            "looks like an Apache error-log line: collect it as source apache_error",
        ),
        ("nginx_error", ACCESS_LINE, "looks like an access-log line: collect it as source nginx_access"),
        (
            "apache_error",
            NGINX_ERROR_LINE,
            "looks like an nginx error-log line: collect it as source nginx_error",
        ),
        (
            "nginx_access",
            '{"time": "2016-12-26T16:16:29+02:00", "status": 404}',
            "looks like a JSON access log",
        ),
    ],
)
def test_web_rejects_name_the_source_a_line_belongs_to(type_id: str, raw: str, says: str) -> None:
    assert says in parse(type_id, raw)["_parse_error"]


@pytest.mark.parametrize(
    ("raw", "timezone", "utc"),
    [
        # Apache's ErrorLogFormat "%{cuz}t" (with the offset) and "%{cu}t" (without): the line of
        # tests/samples/apache_error/beats_apache_error_test.log with those stamps.
        (
            "[2016-12-26 16:15:55.103786 +0200] [core:notice] [pid 11379] AH00094: Command line: 'httpd'",
            "UTC",
            "2016-12-26T14:15:55.103786Z",
        ),
        (
            "[2016-12-26 16:15:55.103786] [core:notice] [pid 11379] AH00094: Command line: 'httpd'",
            "+02:00",
            "2016-12-26T14:15:55.103786Z",
        ),
    ],
)
def test_apache_iso_error_log_format(raw: str, timezone: str, utc: str) -> None:
    event = parse("apache_error", raw, timezone=timezone)

    assert (event["timestamp"], event["pid"], event["error_code"]) == (utc, 11379, "AH00094")


def test_mongodb_2x_text_line_is_flagged_as_such() -> None:
    # MongoDB 2.x wrote neither severity nor component: the first line of mtools'
    # mtools/test/logfiles/collscans.log (2.4.9), which tests/samples does not carry.
    raw = "Wed Mar  5 17:14:24.619 [initandlisten] MongoDB starting : pid=25983 port=27017"

    assert "MongoDB 2.x" in parse("mongodb", raw)["_parse_error"]
