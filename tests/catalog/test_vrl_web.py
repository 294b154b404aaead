"""The nginx and Apache parsers on chosen lines, through the real VRL runtime and the full envelope.

Each case states every column of the stored row, so a field parsed wrong, or set where it should be
absent, fails. Lines come from tests/samples unless marked as written for the variant they show.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from dendro.catalog import SOURCES
from dendro.catalog.model import LINE
from dendro.ingest_lambda.validate import Invalid, normalize
from dendro.vector_configs.programs import parse_program
from tests.support.samples import join_multiline, jsonable
from tests.support.vrl import compile_program

HOST = "web-1"


def _event(type_id: str, raw: str) -> dict[str, Any]:
    program = compile_program(parse_program(SOURCES[type_id], host=HOST))
    return jsonable(program.remap({"message": raw, "host": HOST, "file": "/var/log/test.log"}))


def parse(type_id: str, raw: str) -> dict[str, Any]:
    row = normalize(_event(type_id, raw), SOURCES[type_id])
    assert not isinstance(row, Invalid), f"{row} for {raw!r}"
    assert row.pop(LINE.name) == raw  # the envelope keeps the line as written, whole
    return row


def expected(type_id: str, **fields: Any) -> dict[str, Any]:
    """The full row: every column the case does not name must come out NULL."""
    source = SOURCES[type_id]
    row: dict[str, Any] = dict.fromkeys(f.name for f in source.columns if f is not LINE)
    row.update(type=type_id, host=HOST, service=source.service)
    row.update(fields)
    return row


def assert_flagged(type_id: str, raw: str) -> str:
    event = _event(type_id, raw)
    row = normalize(event, SOURCES[type_id])
    assert isinstance(row, Invalid) and row.reason == "unparsed", f"{row} for {raw!r}"
    assert event["message"] == raw
    return row.detail


def ts(year: int, month: int, day: int, hour: int, minute: int, second: int, micro: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, second, micro, tzinfo=UTC)


UA_FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:123.0) Gecko/20100101 Firefox/123.0"
UA_MAC = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10.12; rv:49.0) Gecko/20100101 Firefox/49.0"

NGINX_ACCESS_CASES = [
    pytest.param(
        '77.179.66.156 - - [25/Oct/2016:14:49:34 +0200] "GET /favicon.ico HTTP/1.1" 404 571 '
        '"http://localhost:8080/" "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_12_0)"',
        {
            "timestamp": ts(2016, 10, 25, 12, 49, 34),
            "method": "GET",
            "protocol": "HTTP/1.1",
            "status_class": "4xx",
            "status": 404,
            "client": "77.179.66.156",
            "request": "GET /favicon.ico HTTP/1.1",
            "path": "/favicon.ico",
            "bytes": 571,
            "referer": "http://localhost:8080/",
            "user_agent": "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_12_0)",
        },
        id="combined",
    ),
    pytest.param(
        # Written for the variant: combined + " $request_time $upstream_response_time", the request
        # retried on a second server of the group, then internally redirected to a third.
        '203.0.113.7 - alice [12/Mar/2024:08:15:02 +0000] "POST /api/orders?page=2 HTTP/2.0" 502 157 '
        f'"https://shop.example.com/cart" "{UA_FIREFOX}" 0.245 0.002, 0.010 : 0.005',
        {
            "timestamp": ts(2024, 3, 12, 8, 15, 2),
            "method": "POST",
            "protocol": "HTTP/2.0",
            "status_class": "5xx",
            "status": 502,
            "client": "203.0.113.7",
            "remote_user": "alice",
            "request": "POST /api/orders?page=2 HTTP/2.0",
            "path": "/api/orders?page=2",
            "bytes": 157,
            "referer": "https://shop.example.com/cart",
            "user_agent": UA_FIREFOX,
            "request_time": 0.245,
            "upstream_response_time": 0.017,
        },
        id="request-time-upstream-list",
    ),
    pytest.param(
        # Written for the variant: "main" (with $http_x_forwarded_for) + timings, served from cache, so
        # no upstream was contacted.
        '10.0.3.12 - - [12/Mar/2024:08:15:03 +0100] "GET /static/app.js HTTP/1.1" 200 48213 "-" '
        f'"{UA_FIREFOX}" "198.51.100.23" 0.000 -',
        {
            "timestamp": ts(2024, 3, 12, 7, 15, 3),
            "method": "GET",
            "protocol": "HTTP/1.1",
            "status_class": "2xx",
            "status": 200,
            "client": "10.0.3.12",
            "request": "GET /static/app.js HTTP/1.1",
            "path": "/static/app.js",
            "bytes": 48213,
            "user_agent": UA_FIREFOX,
            "request_time": 0.0,
        },
        id="xff-field-then-timings-no-upstream",
    ),
    pytest.param(
        # Written for the variant: the key=value timings of nginx's logging guide.
        '192.0.2.10 - - [12/Mar/2024:08:15:04 +0000] "GET /health HTTP/1.1" 200 2 "-" "kube-probe/1.29" '
        'rt=1.503 uct="0.000" uht="1.500" urt="1.500"',
        {
            "timestamp": ts(2024, 3, 12, 8, 15, 4),
            "method": "GET",
            "protocol": "HTTP/1.1",
            "status_class": "2xx",
            "status": 200,
            "client": "192.0.2.10",
            "request": "GET /health HTTP/1.1",
            "path": "/health",
            "bytes": 2,
            "user_agent": "kube-probe/1.29",
            "request_time": 1.503,
            "upstream_response_time": 1.5,
        },
        id="key-value-timings",
    ),
    pytest.param(
        'example.com 10.0.0.2, 10.0.0.1, 81.2.69.143 - - [07/Dec/2016:11:05:07 +0100] "GET /ocelot HTTP/1.1" '
        '200 571 "-" "Mozilla/5.0 (Macintosh; Intel Mac OS X 10.12; rv:49.0) Gecko/20100101 Firefox/49.0"',
        {
            "timestamp": ts(2016, 12, 7, 10, 5, 7),
            "vhost": "example.com",
            "method": "GET",
            "protocol": "HTTP/1.1",
            "status_class": "2xx",
            "status": 200,
            "client": "10.0.0.2",
            "forwarded_for": "10.0.0.2, 10.0.0.1, 81.2.69.143",
            "request": "GET /ocelot HTTP/1.1",
            "path": "/ocelot",
            "bytes": 571,
            "user_agent": UA_MAC,
        },
        id="vhost-and-forwarded-list",
    ),
    pytest.param(
        'example.com:80 "10.5.102.222, 175.16.199.1, 204.246.1.1" 10.2.1.185 - - '
        "[22/Jan/2016:13:18:29 +0000] "
        '"GET /assets/xxxx?q=100 HTTP/1.1" 200 25507 "-" "Amazon CloudFront"',
        {
            "timestamp": ts(2016, 1, 22, 13, 18, 29),
            "vhost": "example.com:80",
            "method": "GET",
            "protocol": "HTTP/1.1",
            "status_class": "2xx",
            "status": 200,
            "client": "10.5.102.222",
            "forwarded_for": "10.5.102.222, 175.16.199.1, 204.246.1.1, 10.2.1.185",
            "request": "GET /assets/xxxx?q=100 HTTP/1.1",
            "path": "/assets/xxxx?q=100",
            "bytes": 25507,
            "user_agent": "Amazon CloudFront",
        },
        id="quoted-client-list",
    ),
    pytest.param(
        "2a03:0000:10ff:f00f:0000:0000:0:8000, 10.225.192.17 10.2.2.121 - - [30/Dec/2016:06:47:09 +0000] "
        '"GET /test.html HTTP/1.1" 404 8571 "-" "Mozilla/5.0 (compatible; Facebot 1.0)"',
        {
            "timestamp": ts(2016, 12, 30, 6, 47, 9),
            "method": "GET",
            "protocol": "HTTP/1.1",
            "status_class": "4xx",
            "status": 404,
            "client": "2a03:0000:10ff:f00f:0000:0000:0:8000",
            "forwarded_for": "2a03:0000:10ff:f00f:0000:0000:0:8000, 10.225.192.17, 10.2.2.121",
            "request": "GET /test.html HTTP/1.1",
            "path": "/test.html",
            "bytes": 8571,
            "user_agent": "Mozilla/5.0 (compatible; Facebot 1.0)",
        },
        id="ipv6-first-in-list",
    ),
    pytest.param(
        'example.com:80 unix: - - [26/Feb/2019:15:39:42 +0100] "hello" 400 173 "-" "-"',
        {
            "timestamp": ts(2019, 2, 26, 14, 39, 42),
            "vhost": "example.com:80",
            "status_class": "4xx",
            "status": 400,
            "client": "unix:",
            "request": "hello",
            "bytes": 173,
        },
        id="unix-socket-client-bogus-request",
    ),
    pytest.param(
        '1.128.3.4:80 127.0.0.1 - - [12/Apr/2018:09:48:40 +0200] "" 400 0 "-" "-"',
        {
            "timestamp": ts(2018, 4, 12, 7, 48, 40),
            "vhost": "1.128.3.4:80",
            "status_class": "4xx",
            "status": 400,
            "client": "127.0.0.1",
            "request": "",
            "bytes": 0,
        },
        id="empty-request",
    ),
    pytest.param(
        r'1.2.3.4 - - [29/Jul/2023:10:26:07 -0700] "\x16\x03\x01\x00t\x01\x00\x00p\x03\x01YF}" '
        '400 157 "-" "-"',
        {
            "timestamp": ts(2023, 7, 29, 17, 26, 7),
            "status_class": "4xx",
            "status": 400,
            "client": "1.2.3.4",
            "request": r"\x16\x03\x01\x00t\x01\x00\x00p\x03\x01YF}",
            "bytes": 157,
        },
        id="tls-handshake-on-http-port",
    ),
]


@pytest.mark.parametrize(("raw", "fields"), NGINX_ACCESS_CASES)
def test_nginx_access(raw: str, fields: dict[str, Any]) -> None:
    assert parse("nginx_access", raw) == expected("nginx_access", **fields)


APACHE_ACCESS_CASES = [
    pytest.param(
        '::1 - - [26/Dec/2016:16:16:29 +0200] "GET /favicon.ico HTTP/1.1" 404 209',
        {
            "timestamp": ts(2016, 12, 26, 14, 16, 29),
            "method": "GET",
            "protocol": "HTTP/1.1",
            "status_class": "4xx",
            "status": 404,
            "client": "::1",
            "request": "GET /favicon.ico HTTP/1.1",
            "path": "/favicon.ico",
            "bytes": 209,
        },
        id="common-ipv6",
    ),
    pytest.param(
        '::1 - - [26/Dec/2016:16:16:48 +0200] "-" 408 -',
        {
            "timestamp": ts(2016, 12, 26, 14, 16, 48),
            "status_class": "4xx",
            "status": 408,
            "client": "::1",
            "request": "-",
        },
        id="timeout-no-request-no-bytes",
    ),
    pytest.param(
        'monitoring-server - - [29/May/2017:19:02:48 +0000] "GET /status HTTP/1.1" 200 612 "-" '
        '"Mozilla/5.0 (Windows NT 6.1; rv:15.0) Gecko/20120716 Firefox/15.0a2" "-"',
        {
            "timestamp": ts(2017, 5, 29, 19, 2, 48),
            "method": "GET",
            "protocol": "HTTP/1.1",
            "status_class": "2xx",
            "status": 200,
            "client": "monitoring-server",
            "request": "GET /status HTTP/1.1",
            "path": "/status",
            "bytes": 612,
            "user_agent": "Mozilla/5.0 (Windows NT 6.1; rv:15.0) Gecko/20120716 Firefox/15.0a2",
        },
        id="hostname-client-extra-field",
    ),
    pytest.param(
        'website.com:443 1.2.3.4 - - [25/Oct/2021:11:05:52 +0200] "GET /web/.well-known HTTP/1.1" 403 6963 '
        '"abc.com" "User-agent-string"',
        {
            "timestamp": ts(2021, 10, 25, 9, 5, 52),
            "vhost": "website.com:443",
            "method": "GET",
            "protocol": "HTTP/1.1",
            "status_class": "4xx",
            "status": 403,
            "client": "1.2.3.4",
            "request": "GET /web/.well-known HTTP/1.1",
            "path": "/web/.well-known",
            "bytes": 6963,
            "referer": "abc.com",
            "user_agent": "User-agent-string",
        },
        id="vhost-combined",
    ),
    pytest.param(
        # Written for the variant: combined + %D (microseconds), with a \" escaped by Apache.
        '198.51.100.4 - bob [05/Mar/2024:22:01:09 -0500] "GET /search?q=\\"x\\" HTTP/1.1" 200 1043 '
        '"-" "curl/8.5.0" 183211',
        {
            "timestamp": ts(2024, 3, 6, 3, 1, 9),
            "method": "GET",
            "protocol": "HTTP/1.1",
            "status_class": "2xx",
            "status": 200,
            "client": "198.51.100.4",
            "remote_user": "bob",
            "request": 'GET /search?q=\\"x\\" HTTP/1.1',
            "path": '/search?q=\\"x\\"',
            "bytes": 1043,
            "user_agent": "curl/8.5.0",
            "request_time": 0.183211,
        },
        id="combined-with-D",
    ),
    pytest.param(
        # Written for the variant: Debian's "combinedio" (%I %O): byte counts, not a duration.
        '198.51.100.4 - - [05/Mar/2024:22:01:10 +0000] "GET / HTTP/1.1" 200 512 "-" "curl/8.5.0" 402 811',
        {
            "timestamp": ts(2024, 3, 5, 22, 1, 10),
            "method": "GET",
            "protocol": "HTTP/1.1",
            "status_class": "2xx",
            "status": 200,
            "client": "198.51.100.4",
            "request": "GET / HTTP/1.1",
            "path": "/",
            "bytes": 512,
            "user_agent": "curl/8.5.0",
        },
        id="combinedio-is-not-a-duration",
    ),
    pytest.param(
        '172.17.0.1 - - [29/Sep/2021:12:37:05 +0000] "GET /studip-1.3.0-2/studip-phplib/oohforms.inc?cmd=ls '
        '-al&_PHPLIB[libdir]=http://cirt.net/rfiinc.txt??" 400 226',
        {
            "timestamp": ts(2021, 9, 29, 12, 37, 5),
            "method": "GET",
            "status_class": "4xx",
            "status": 400,
            "client": "172.17.0.1",
            "request": "GET /studip-1.3.0-2/studip-phplib/oohforms.inc?cmd=ls -al&_PHPLIB[libdir]=http://cirt.net/rfiinc.txt??",
            "path": "/studip-1.3.0-2/studip-phplib/oohforms.inc?cmd=ls -al&_PHPLIB[libdir]=http://cirt.net/rfiinc.txt??",
            "bytes": 226,
        },
        id="unencoded-space-no-protocol",
    ),
]


@pytest.mark.parametrize(("raw", "fields"), APACHE_ACCESS_CASES)
def test_apache_access(raw: str, fields: dict[str, Any]) -> None:
    assert parse("apache_access", raw) == expected("apache_access", **fields)


ACCESS_GARBAGE = [
    pytest.param("", "access line", id="empty"),
    pytest.param("hello world", "access line", id="words"),
    pytest.param('{"remote_addr": "1.2.3.4", "status": 200}', "looks like a JSON access log", id="json-log"),
    pytest.param(
        '1.2.3.4 - - [29/Jul/2023:10:26:06 -0700] "GET / HTTP/1.1" 2',
        "another log_format (or cut short)",
        id="truncated",
    ),
    pytest.param(
        '1.2.3.4 - - [31/Feb/2023:10:26:06 -0700] "GET / HTTP/1.1" 200 5 "-" "-"',
        "bad time",
        id="no-such-date",
    ),
    pytest.param(
        '1.2.3.4 - - [29/Jul/2023:10:26:06 -0700] "GET / HTTP/1.1" 200 5 "-" "Mozilla/5.0 (X11; Li',
        "unterminated quoted field",
        id="cut-inside-user-agent",
    ),
    pytest.param(
        '- - - [29/Jul/2023:10:26:06 -0700] "GET / HTTP/1.1" 200 5 "-" "-"',
        "no client address",
        id="no-client",
    ),
    pytest.param(
        '<script> - - [29/Jul/2023:10:26:06 -0700] "GET / HTTP/1.1" 200 5 "-" "-"',
        "unrecognised client address",
        id="junk-client",
    ),
    pytest.param(
        '2016/10/25 14:49:34 [error] 54053#0: *1 open() "/x" failed, client: 127.0.0.1',
        "looks like an nginx error-log line: collect it as source nginx_error",
        id="error-log-line",
    ),
]


@pytest.mark.parametrize("type_id", ["nginx_access", "apache_access"])
@pytest.mark.parametrize(("raw", "reason"), ACCESS_GARBAGE)
def test_access_garbage_is_flagged_with_its_line(type_id: str, raw: str, reason: str) -> None:
    assert reason in assert_flagged(type_id, raw)


NGINX_ERROR_CASES = [
    pytest.param(
        '2016/10/25 14:49:34 [error] 54053#0: *1 open() "/usr/local/Cellar/nginx/1.10.2_1/html/favicon.ico" '
        "failed (2: No such file or directory), client: 127.0.0.1, server: localhost, request: "
        '"GET /favicon.ico HTTP/1.1", host: "localhost:8080", referrer: "http://localhost:8080/"',
        {
            "timestamp": ts(2016, 10, 25, 14, 49, 34),
            "level": "error",
            "pid": 54053,
            "tid": 0,
            "connection": 1,
            "message": 'open() "/usr/local/Cellar/nginx/1.10.2_1/html/favicon.ico" failed (2: No such file '
            "or "
            'directory), client: 127.0.0.1, server: localhost, request: "GET /favicon.ico HTTP/1.1", '
            'host: "localhost:8080", referrer: "http://localhost:8080/"',
            "client": "127.0.0.1",
            "server": "localhost",
            "request": "GET /favicon.ico HTTP/1.1",
        },
        id="http-context",
    ),
    pytest.param(
        # Written for the variant: a proxied request whose URI holds ", " and a quoted upstream URL.
        "2024/03/12 08:15:02 [error] 812#812: *4411 connect() failed (111: Connection refused) while "
        "connecting to upstream, client: 203.0.113.7, server: shop.example.com, request: "
        '"GET /api/items?tags=a, b HTTP/1.1", upstream: "http://127.0.0.1:8080/api/items?tags=a, b", '
        'host: "shop.example.com"',
        {
            "timestamp": ts(2024, 3, 12, 8, 15, 2),
            "level": "error",
            "pid": 812,
            "tid": 812,
            "connection": 4411,
            "message": "connect() failed (111: Connection refused) while connecting to upstream, client: "
            '203.0.113.7, server: shop.example.com, request: "GET /api/items?tags=a, b HTTP/1.1", '
            'upstream: "http://127.0.0.1:8080/api/items?tags=a, b", host: "shop.example.com"',
            "client": "203.0.113.7",
            "server": "shop.example.com",
            "request": "GET /api/items?tags=a, b HTTP/1.1",
            "upstream": "http://127.0.0.1:8080/api/items?tags=a, b",
        },
        id="upstream",
    ),
    pytest.param(
        "2022/04/05 13:25:31 [info] 8#8: *24790 client logged in, client: 174.233.1.144, server: "
        '0.0.0.0:11587, login: "admin@example.com", upstream: 172.69.69.9:10025',
        {
            "timestamp": ts(2022, 4, 5, 13, 25, 31),
            "level": "info",
            "pid": 8,
            "tid": 8,
            "connection": 24790,
            "message": "client logged in, client: 174.233.1.144, server: 0.0.0.0:11587, "
            'login: "admin@example.com", '
            "upstream: 172.69.69.9:10025",
            "client": "174.233.1.144",
            "server": "0.0.0.0:11587",
            "upstream": "172.69.69.9:10025",
        },
        id="mail-proxy",
    ),
    pytest.param(
        "2021/12/02 11:53:15 [error] 4065777#4065777: *42952950 limiting requests, excess: 5.428 by zone "
        '"default_root_zone", client: ::1, server: , request: "GET / HTTP/1.1", host: "la03.d.sb"',
        {
            "timestamp": ts(2021, 12, 2, 11, 53, 15),
            "level": "error",
            "pid": 4065777,
            "tid": 4065777,
            "connection": 42952950,
            "message": 'limiting requests, excess: 5.428 by zone "default_root_zone", client: ::1, server: , '
            'request: "GET / HTTP/1.1", host: "la03.d.sb"',
            "client": "::1",
            "request": "GET / HTTP/1.1",
        },
        id="empty-server-name",
    ),
    pytest.param(
        # Written: process-level lines carry no connection number and no request context.
        "2024/03/12 08:00:00 [notice] 1#1: signal process started",
        {
            "timestamp": ts(2024, 3, 12, 8, 0, 0),
            "level": "notice",
            "pid": 1,
            "tid": 1,
            "message": "signal process started",
        },
        id="no-connection",
    ),
]


@pytest.mark.parametrize(("raw", "fields"), NGINX_ERROR_CASES)
def test_nginx_error(raw: str, fields: dict[str, Any]) -> None:
    assert parse("nginx_error", raw) == expected("nginx_error", **fields)


def test_nginx_error_fastcgi_continuation_lines_join_their_entry() -> None:
    lines = [
        "2019/10/30 23:26:34 [error] 205860#205860: *180289 FastCGI sent in stderr: "
        '"PHP message: PHP Warning:  Declaration of A::wrap($c) should be compatible with '
        "B::wrap($c, $id = 0) in /var/www/a.php on line 0",
        "PHP message: PHP Warning:  Declaration of C::wrap($c) should be compatible with A::wrap($c) in "
        '/var/www/a.php on line 0" while reading response header from upstream, client: 10.1.2.3, server: '
        'blog.example.org, request: "GET / HTTP/1.1", upstream: "fastcgi://unix:/run/php/php7.3-fpm.sock:", '
        'host: "blog.example.org"',
        "2019/10/30 23:26:35 [error] 205860#205860: *180290 next entry, client: 10.1.2.3, server: b.example",
    ]
    collector = SOURCES["nginx_error"].default_collector

    events = list(join_multiline(lines, collector.multiline))

    assert events == ["\n".join(lines[:2]), lines[2]]
    assert parse("nginx_error", events[0]) == expected(
        "nginx_error",
        timestamp=ts(2019, 10, 30, 23, 26, 34),
        level="error",
        pid=205860,
        tid=205860,
        connection=180289,
        message=events[0].split(": *180289 ", 1)[1],
        client="10.1.2.3",
        server="blog.example.org",
        request="GET / HTTP/1.1",
        upstream="fastcgi://unix:/run/php/php7.3-fpm.sock:",
    )


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        pytest.param(
            "PHP message: PHP Warning:  orphaned continuation line", "not an", id="orphan-continuation"
        ),
        pytest.param("2016/10/25 14:49:34 [fatal] 1#0: no such level", "not an", id="unknown-level"),
        pytest.param("2016/13/25 14:49:34 [error] 1#0: *1 month thirteen", "bad time", id="no-such-date"),
        pytest.param(
            '127.0.0.1 - - [12/Apr/2018:09:48:40 +0200] "" 400 0 "-" "-"',
            "looks like an access-log line: collect it as source nginx_access",
            id="access-line",
        ),
    ],
)
def test_nginx_error_garbage_is_flagged_with_its_line(raw: str, reason: str) -> None:
    assert assert_flagged("nginx_error", raw).startswith(reason)


APACHE_ERROR_CASES = [
    pytest.param(
        "[Mon Dec 26 16:22:00 2016] [error] [client 192.168.33.1] File does not exist: /var/www/favicon.ico, "
        "referer: http://192.168.33.72/",
        {
            "timestamp": ts(2016, 12, 26, 16, 22, 0),
            "level": "error",
            "client": "192.168.33.1",
            "message": "File does not exist: /var/www/favicon.ico",
            "referer": "http://192.168.33.72/",
        },
        id="2.2-referer",
    ),
    pytest.param(
        "[Mon Dec 26 16:17:53 2016] [notice] Apache/2.2.22 (Ubuntu) configured -- resuming normal operations",
        {
            "timestamp": ts(2016, 12, 26, 16, 17, 53),
            "level": "notice",
            "message": "Apache/2.2.22 (Ubuntu) configured -- resuming normal operations",
        },
        id="2.2-no-client",
    ),
    pytest.param(
        "[Thu Oct 13 12:24:49.880562 2022] [auth_basic:error] [pid 10:tid 140120579262208] "
        "[client 31.33.58.75:50229] AH01618: user sss not found: /",
        {
            "timestamp": ts(2022, 10, 13, 12, 24, 49, 880562),
            "level": "error",
            "module": "auth_basic",
            "pid": 10,
            "tid": 140120579262208,
            "client": "31.33.58.75:50229",
            "error_code": "AH01618",
            "message": "AH01618: user sss not found: /",
        },
        id="2.4",
    ),
    pytest.param(
        "[Wed Apr 16 16:09:40.056610 2025] [ssl:info] [pid 120974:tid 120974] (70014)End of file found: "
        "[client 192.168.1.1:17036] AH02006: SSL handshake stopped: connection was closed",
        {
            "timestamp": ts(2025, 4, 16, 16, 9, 40, 56610),
            "level": "info",
            "module": "ssl",
            "pid": 120974,
            "tid": 120974,
            "client": "192.168.1.1:17036",
            "error_code": "AH02006",
            "message": "(70014)End of file found: AH02006: SSL handshake stopped: connection was closed",
        },
        id="2.4-os-error",
    ),
    pytest.param(
        "[Wed Oct 20 19:20:59.121211 2021] [rewrite:trace3] [pid 121591:tid 140413273032448] "
        "mod_rewrite.c(470): [client 10.121.192.8:38350] 10.121.192.8 - - [dev.elastic.co/sid#55a374e851c8]"
        "[rid#7fb438083ac0/initial] applying pattern '^/import/?(.*)$' to uri '/'",
        {
            "timestamp": ts(2021, 10, 20, 19, 20, 59, 121211),
            "level": "trace3",
            "module": "rewrite",
            "pid": 121591,
            "tid": 140413273032448,
            "client": "10.121.192.8:38350",
            "message": "mod_rewrite.c(470): 10.121.192.8 - - [dev.elastic.co/sid#55a374e851c8]"
            "[rid#7fb438083ac0/initial] applying pattern '^/import/?(.*)$' to uri '/'",
        },
        id="2.4-trace-sublevel",
    ),
    pytest.param(
        "[Fri Jun 14 04:48:20.093994 2024] [:error] [pid 1159:tid 1256] [remote 192.168.1.1:0] "
        '[client 192.168.1.1] ModSecurity: Access denied with code 403 (phase 2). [id "949110"]',
        {
            "timestamp": ts(2024, 6, 14, 4, 48, 20, 93994),
            "level": "error",
            "pid": 1159,
            "tid": 1256,
            "client": "192.168.1.1:0",
            "message": "[client 192.168.1.1] ModSecurity: Access denied with code 403 (phase 2). "
            '[id "949110"]',
        },
        id="modsecurity-empty-module",
    ),
    pytest.param(
        "[Mon Dec 26 16:15:55.103786 2016] [core:notice] [pid 11379] AH00094: Command line: "
        "'/usr/sbin/httpd'",
        {
            "timestamp": ts(2016, 12, 26, 16, 15, 55, 103786),
            "level": "notice",
            "module": "core",
            "pid": 11379,
            "error_code": "AH00094",
            "message": "AH00094: Command line: '/usr/sbin/httpd'",
        },
        id="2.4-no-tid",
    ),
]


@pytest.mark.parametrize(("raw", "fields"), APACHE_ERROR_CASES)
def test_apache_error(raw: str, fields: dict[str, Any]) -> None:
    assert parse("apache_error", raw) == expected("apache_error", **fields)


def test_apache_error_stack_trace_and_blank_lines_join_their_entry() -> None:
    # Written: mod_php writes an uncaught exception's trace as lines of their own.
    lines = [
        "[Tue Mar 12 08:15:02.412001 2024] [php:error] [pid 2211] [client 203.0.113.7:51234] "
        "PHP Fatal error:  Uncaught Exception: boom in /var/www/index.php:3",
        "Stack trace:",
        "#0 {main}",
        "  thrown in /var/www/index.php on line 3",
        "",
        "[Tue Mar 12 08:15:03 2024] [notice] next entry",
    ]
    collector = SOURCES["apache_error"].default_collector

    events = list(join_multiline(lines, collector.multiline))

    assert events == ["\n".join(lines[:5]), lines[5]]
    assert parse("apache_error", events[0]) == expected(
        "apache_error",
        timestamp=ts(2024, 3, 12, 8, 15, 2, 412001),
        level="error",
        module="php",
        pid=2211,
        client="203.0.113.7:51234",
        message="PHP Fatal error:  Uncaught Exception: boom in /var/www/index.php:3\n"
        "Stack trace:\n#0 {main}\n  thrown in /var/www/index.php on line 3",
    )


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        pytest.param("", "not an", id="blank-line-on-its-own"),
        pytest.param(
            # Apache prints this to stderr before its log is open: a real line, but with no time.
            "AH00558: apache2: Could not reliably determine the server's fully qualified domain name",
            "not an",
            id="startup-stderr-no-time",
        ),
        pytest.param("[Mon Dec 26 16:22:00 2016] [fatal] no such level", "not an", id="unknown-level"),
        pytest.param(
            "[Tue Dec 26 16:22:00 2016] [error] weekday is wrong for the date", "bad time", id="no-such-date"
        ),
        pytest.param(
            '::1 - - [26/Dec/2016:16:16:48 +0200] "-" 408 -',
            "looks like an access-log line: collect it as source apache_access",
            id="access-line",
        ),
    ],
)
def test_apache_error_garbage_is_flagged_with_its_line(raw: str, reason: str) -> None:
    assert assert_flagged("apache_error", raw).startswith(reason)
