"""Field-level checks on the real samples: for every sample file, the values a few of its lines must
give (client, status, request_time, level, error code, time in UTC ...), read off the raw lines by
hand. Run through the real VRL runtime (pyvrl) exactly as `dendro local import` runs them.

Keys: a field name expects that value (None: absent); "field~" expects the value to contain the text.
A timestamp starting with "*" is an RFC 3164 stamp, which has no year: only the rest is compared.
"""

from __future__ import annotations

from fnmatch import fnmatch
from pathlib import Path
from typing import Any

import pytest

from dendro.catalog import SOURCES
from dendro.local_pipeline.replay import LineEvent, join_events
from dendro.vector_configs.programs import parse_program
from tests.support.samples import SAMPLES, read_at, read_lines, records_of
from tests.support.vrl import compile_program, remap_all

Row = dict[str, Any]
# sample file -> (settings, [(1-based line where the event starts, expected fields), ...])
TABLE: dict[str, tuple[dict[str, str], list[tuple[int, Row]]]] = {
    "nginx_access/beats_nginx_access.log": (
        {},
        [
            (
                1,
                {
                    "client": "77.179.66.156",
                    "status": 200,
                    "bytes": 612,
                    "path": "/",
                    "timestamp": "2016-10-25T12:49:33.000000Z",
                },
            ),
            (
                13,
                {
                    "vhost": "lessons.example.com",
                    "client": "192.168.0.1",
                    "status": 206,
                    "bytes": 7648063,
                    "timestamp": "2020-06-09T19:10:39.000000Z",
                },
            ),
        ],
    ),
    "nginx_access/beats_nginx_access_test.log": (
        {},
        [
            (
                1,
                {
                    "client": "10.0.0.2",
                    "forwarded_for": "10.0.0.2, 10.0.0.1, 127.0.0.1",
                    "status": 200,
                    "timestamp": "2016-12-07T10:05:07.000000Z",
                },
            ),
        ],
    ),
    "nginx_access/beats_nginx_access_with_host.log": (
        {},
        [
            (4, {"vhost": "example.com:80", "client": "81.2.69.143", "status": 200, "bytes": 571}),
            (
                8,
                {
                    "vhost": "example.com:80",
                    "client": "unix:",
                    "request": "hello",
                    "method": None,
                    "status": 400,
                    "timestamp": "2019-02-26T14:39:42.000000Z",
                },
            ),
        ],
    ),
    "nginx_access/beats_nginx_ingress_controller.log": (
        {},
        [
            (
                1,
                {
                    "client": "192.168.64.1",
                    "method": "POST",
                    "status": 200,
                    "bytes": 59,
                    "request_time": 0.001,
                    "upstream_response_time": 0.0,
                    "timestamp": "2020-02-07T11:48:51.000000Z",
                },
            ),
            (
                5,
                {
                    "method": None,
                    "path": "/products/42",
                    "protocol": "HTTP/1.1",
                    "status": 400,
                    "request_time": 0.0,
                    "upstream_response_time": None,
                },
            ),
            (23, {"client": "192.168.64.14", "request_time": 0.001, "upstream_response_time": 0.104}),
            (
                25,
                {
                    "client": "2a02:cf40::",
                    "remote_user": "remote_monitoring_user",
                    "request_time": 0.033,
                    "upstream_response_time": 0.036,
                },
            ),
            (26, {"client": "2a02:cf40::4e36", "status": 502, "protocol": "HTTP/2.0", "request_time": 0.0}),
        ],
    ),
    "nginx_access/crowdsec_nginx_access_attacks.log": (
        {},
        [
            (
                1,
                {
                    "client": "127.0.0.1",
                    "method": "HEAD",
                    "status": 200,
                    "bytes": 0,
                    "timestamp": "2021-09-29T12:11:34.000000Z",
                    "user_agent~": "Nikto/2.1.5",
                },
            ),
        ],
    ),
    "nginx_access/lnav_zanbil_shop_access.log": (
        {},
        [
            (
                1,
                {
                    "client": "54.36.149.41",
                    "status": 200,
                    "bytes": 30577,
                    "timestamp": "2019-01-22T00:26:14.000000Z",
                    "user_agent~": "AhrefsBot/6.1",
                },
            ),
        ],
    ),
    "apache_access/beats_apache_access_darwin-2.4.23.log": (
        {},
        [
            (1, {"client": "::1", "status": 200, "bytes": 45, "timestamp": "2016-12-26T14:16:28.000000Z"}),
        ],
    ),
    "apache_access/beats_apache_access_test.log": (
        {},
        [
            (
                1,
                {
                    "client": "::1",
                    "status": 404,
                    "bytes": 209,
                    "path": "/favicon.ico",
                    "timestamp": "2016-12-26T14:16:29.000000Z",
                },
            ),
            (3, {"status": 408, "bytes": None, "method": None, "request": "-"}),
            (5, {"client": "monitoring-server", "status": 200}),
            (7, {"vhost": "vhost1.domaine.fr", "client": "123.123.123.123", "bytes": 32953}),
        ],
    ),
    "apache_access/crowdsec_apache_access_attacks.log": (
        {},
        [
            (
                1,
                {
                    "client": "172.17.0.1",
                    "method": "POST",
                    "status": 200,
                    "bytes": 7,
                    "timestamp": "2021-10-11T06:40:52.000000Z",
                },
            ),
        ],
    ),
    "apache_access/elastic_examples_apache_logs.log": (
        {},
        [
            (
                1,
                {
                    "client": "83.149.9.216",
                    "status": 200,
                    "bytes": 203023,
                    "referer": "http://semicomplete.com/presentations/logstash-monitorama-2013/",
                    "timestamp": "2015-05-17T10:05:03.000000Z",
                },
            ),
        ],
    ),
    "nginx_error/beats_nginx_error.log": (
        {"timezone": "-02:00"},
        [
            (
                1,
                {
                    "level": "error",
                    "pid": 54053,
                    "tid": 0,
                    "connection": 1,
                    "client": "127.0.0.1",
                    "server": "localhost",
                    "request": "GET /favicon.ico HTTP/1.1",
                    "timestamp": "2016-10-25T16:49:34.000000Z",
                },
            ),
            (
                3,
                {
                    "pid": 205860,
                    "connection": 180289,
                    "message~": "\nPHP message: PHP Warning:",
                    "timestamp": "2019-10-31T01:26:34.000000Z",
                },
            ),
        ],
    ),
    "nginx_error/crowdsec_nginx_error.log": (
        {"timezone": "Europe/Paris"},
        [
            (
                1,
                {
                    "level": "info",
                    "pid": 86596,
                    "tid": 86596,
                    "connection": 1083,
                    "timestamp": "2021-11-18T07:34:27.000000Z",
                },
            ),
        ],
    ),
    "apache_error/beats_apache_error_test.log": (
        {"timezone": "-02:00"},
        [
            (
                1,
                {
                    "level": "error",
                    "client": "192.168.33.1",
                    "message": "File does not exist: /var/www/favicon.ico",
                    "timestamp": "2016-12-26T18:22:08.000000Z",
                },
            ),
            (
                2,
                {
                    "module": "core",
                    "level": "notice",
                    "pid": 11379,
                    "error_code": "AH00094",
                    "timestamp": "2016-12-26T18:15:55.103786Z",
                },
            ),
        ],
    ),
    "apache_error/beats_apache_error_ubuntu-2.2.22.log": (
        {},
        [
            (
                2,
                {
                    "level": "error",
                    "client": "192.168.33.1",
                    "referer": "http://192.168.33.72/",
                    "message": "File does not exist: /var/www/favicon.ico",
                    "timestamp": "2016-12-26T16:22:00.000000Z",
                },
            ),
        ],
    ),
    "apache_error/beats_apache_error_sublevel.log": (
        {},
        [
            (
                1,
                {
                    "level": "trace3",
                    "module": "rewrite",
                    "pid": 121591,
                    "tid": 140413273032448,
                    "client": "10.121.192.8:38350",
                    "timestamp": "2021-10-20T19:20:59.121211Z",
                },
            ),
        ],
    ),
    "apache_error/crowdsec_apache_error.log": (
        {},
        [
            (
                1,
                {
                    "module": "core",
                    "level": "error",
                    "pid": 7005,
                    "client": "88.168.206.87:14532",
                    "error_code": "AH00126",
                },
            ),
            (3, {"module": "ssl", "level": "info", "client": "192.168.1.1:17036", "error_code": "AH02006"}),
        ],
    ),
    "postgres/beats_postgresql-11.4.log": (
        {},
        [
            (1, {"level": "LOG", "pid": 25, "sqlstate": "00000", "timestamp": "2019-07-23T12:06:24.406000Z"}),
        ],
    ),
    "postgres/beats_postgresql-12-default.log": (
        {},
        [
            # "CEST" is a zone abbreviation PostgreSQL writes with %m: UTC+2 in April.
            (1, {"level": "LOG", "pid": 26953, "timestamp": "2020-04-16T09:45:11.844000Z"}),
            (9, {"pid": 26955, "message": "shutting down", "timestamp": "2020-04-16T10:22:22.582000Z"}),
        ],
    ),
    "postgres/beats_postgresql-13-default.log": (
        {},
        [
            (
                1,
                {
                    "level": "FATAL",
                    "pid": 24915,
                    "session_line": 2,
                    "user": "sherlock",
                    "database": "postgres",
                    "timestamp": "2023-03-04T18:24:15.242000Z",
                },
            ),
        ],
    ),
    "postgres/beats_postgresql-9.6-new-timestamp.log": (
        {},
        [
            # EST (PostgreSQL's %t writes the zone abbreviation) is UTC-5 all year.
            (1, {"level": "LOG", "pid": 835, "session_line": 1, "timestamp": "2017-07-31T18:36:43.000000Z"}),
            (4, {"level": "FATAL", "user": "postgres", "database": "postgres", "pid": 768}),
        ],
    ),
    "postgres/beats_postgresql-9.6-debian-with-slowlog.log": (
        {},
        [
            (1, {"level": "LOG", "pid": 4974, "timestamp": "2017-07-31T11:36:42.585000Z"}),
        ],
    ),
    # pg_ctl's own start message (PostgreSQL 8.0/8.1) at the top of a server log that an init
    # script wrote pg_ctl's output into: an event at the time it was read, not a parse error.
    "postgres/percona_pg-log-010.log": (
        {},
        [(1, {"level": "pg_ctl", "message": "postmaster starting", "pid": None})],
    ),
    "postgres/lnav_postgres_0.log": (
        {},
        [
            (1, {"level": "LOG", "pid": 12345, "timestamp": "2025-08-13T08:45:01.123000Z"}),
        ],
    ),
    "postgres/lnav_postgres_1.log": (
        {},
        [
            (1, {"level": "ERROR", "pid": 1329108, "timestamp": "2025-04-11T22:14:12.837000Z"}),
        ],
    ),
    "postgres/lnav_postgres_2.log": (
        {},
        [
            (1, {"level": "ERROR", "pid": 885178, "timestamp": "2025-08-16T11:02:58.095000Z"}),
        ],
    ),
    "postgres/pgbadger_light.postgres.log": (
        {},
        [
            (1, {"level": "LOG", "pid": 20, "session_line": 1, "timestamp": "2017-09-06T08:40:10.000000Z"}),
        ],
    ),
    "postgres/pgbadger_pg_vacuums.log": (
        {},
        [
            (1, {"level": "LOG", "pid": 58151, "timestamp": "2024-06-26T22:00:07.000000Z"}),
        ],
    ),
    "postgres/pgbadger_rds.log": (
        {},
        [
            (1, {"level": "LOG", "pid": 12760, "timestamp": "2020-03-11T19:40:43.000000Z"}),
        ],
    ),
    "postgres/pgbadger_pg-timezones.log": (
        {"log_line_prefix": "%t:%h:%u@%d:[%p]:"},
        [
            (
                1,
                {
                    "level": "LOG",
                    "pid": 24743,
                    "client": "10.1.91.65",
                    "user": "user",
                    "database": "my_db",
                    "duration_ms": 0.054,
                    "statement": "SELECT * FROM t1;",
                    "timestamp": "2021-05-27T17:00:00.000000Z",
                },
            ),
        ],
    ),
    "postgres/pgbadger_two.log": (
        {},
        [
            (
                1,
                {
                    "level": "LOG",
                    "pid": 120936,
                    "user": "foo",
                    "database": "bardb",
                    "client": "10.10.1.21",
                    "duration_ms": 184.291,
                    "timestamp": "2021-04-26T11:49:56.303000Z",
                },
            ),
        ],
    ),
    "mongodb/beats_mongodb-debian-4.4.4-json.log": (
        {},
        [
            (
                1,
                {
                    "severity": "I",
                    "component": "CONTROL",
                    "log_id": 23285,
                    "context": "main",
                    "timestamp": "2021-03-22T21:21:20.328000Z",
                },
            ),
        ],
    ),
    # MongoDB 3.2's text log (before 4.4's JSON): "<time> <severity> <component> [<context>] <text>".
    "mongodb/beats_mongodb-debian-3.2.11.log": (
        {},
        [
            (
                1,
                {
                    "severity": "I",
                    "component": "CONTROL",
                    "context": "initandlisten",
                    "message": "git version: 009580ad490190ba33d1c6253ebd8d91808923e4",
                    "log_id": None,
                    "timestamp": "2018-02-05T12:44:56.657000Z",
                },
            ),
            (
                8,
                {
                    "context": "conn1",
                    "message": "end connection 127.0.0.1:55404 (0 connections now open)",
                    "timestamp": "2018-02-05T12:50:55.170000Z",
                },
            ),
            (18, {"message": "distarch: x86_64"}),
            (
                35,
                {
                    "component": "ASIO",
                    "context": "NetworkInterfaceASIO-Replication-0",
                    "timestamp": "2019-03-07T15:10:26.960000Z",
                },
            ),
        ],
    ),
    # MongoDB 4.0's text log, from mtools' test logs: slow operations end in "<N>ms", a startup
    # warning block has empty lines, an index build line starts with a tab.
    "mongodb/mtools_mongod_4.0.10_slowdns.log": (
        {},
        [
            (3, {"component": "CONTROL", "message": "", "timestamp": "2019-06-18T10:58:58.898000Z"}),
            (5, {"component": "INDEX", "message~": "building index using bulk method"}),
            (
                7,
                {
                    "component": "COMMAND",
                    "context": "conn2",
                    "namespace": "local.startup_log",
                    "duration_ms": 1.0,
                    "timestamp": "2019-06-18T11:03:05.860000Z",
                },
            ),
            (8, {"component": "WRITE", "namespace": "config.system.sessions", "duration_ms": 2.0}),
            (9, {"namespace": "local.myCollection", "duration_ms": 37.0}),
        ],
    ),
    # timeStampFormat ctime (no year, no zone): read like an RFC 3164 syslog stamp, in the timezone.
    "mongodb/mtools_mongod_306_ctime.log": (
        {"timezone": "Europe/Berlin"},
        [
            (
                1,
                {
                    "severity": "I",
                    "component": "QUERY",
                    "context": "conn39",
                    "namespace": "db.collection",
                    "duration_ms": 220.0,
                    "timestamp": "*-07-13T14:14:35.324000Z",
                },
            )
        ],
    ),
    "mongodb/beats_mongodb-ubuntu-4.4.4-json.log": (
        {},
        [
            (1, {"component": "STORAGE", "log_id": 4615611, "message": "MongoDB starting"}),
        ],
    ),
    "mongodb/hatchet_replica_rs1.log": (
        {},
        [
            (1, {"context": "thread2", "timestamp": "2024-03-18T14:49:06.979000Z"}),
        ],
    ),
    "syslog/crowdsec_rfc5424.log": (
        {},
        [
            (
                1,
                {
                    "hostname": "exmaple.com",
                    "appname": "charon",
                    "procid": "15894",
                    "facility": "daemon",
                    "severity": "info",
                    "timestamp": "2024-02-17T18:29:57.000000Z",
                },
            ),
        ],
    ),
    "syslog/elastic_examples_auth.log": (
        {},
        [
            (
                1,
                {
                    "hostname": "ip-10-77-20-248",
                    "appname": "sshd",
                    "procid": "1291",
                    "timestamp": "*-03-27T13:06:56.000000Z",
                },
            ),
        ],
    ),
    "syslog/pgbadger_pg-syslog.log": (
        {},
        [
            (
                1,
                {
                    "hostname": "test-pc",
                    "appname": "postgres",
                    "procid": "10808",
                    "timestamp": "*-02-11T13:15:39.000000Z",
                },
            ),
        ],
    ),
    "syslog/beats_darwin-syslog-sample.log": (
        {"timezone": "Europe/Berlin"},
        [
            (
                1,
                {
                    "hostname": "a-mac-with-esc-key",
                    "appname": "GoogleSoftwareUpdateAgent",
                    "procid": "21412",
                    "message~": "\n\t\tticketStore=",
                    "timestamp": "*-12-13T10:35:28.000000Z",
                },
            ),
            (
                21,
                {
                    "hostname": None,
                    "appname": None,
                    "message": "--- last message repeated 1 time ---",
                    "timestamp": "*-04-04T01:39:57.000000Z",
                },
            ),
        ],
    ),
    "syslog/beats_suse-syslog.log": (
        {},
        [
            (
                2,
                {
                    "hostname": "linux-sqrz",
                    "appname": "systemd",
                    "procid": "4179",
                    "message": "Stopped target Paths.",
                    "timestamp": "2018-08-14T12:30:02.203251Z",
                },
            ),
        ],
    ),
    "syslog/beats_tz-offset.log": (
        {"timezone": "America/New_York"},
        [
            (
                1,
                {
                    "hostname": "rmbkmonitor04",
                    "appname": "shutdown",
                    "procid": "2649",
                    "timestamp": "1986-04-25T21:23:45.101000Z",
                },
            ),
            (3, {"hostname": "localhost", "appname": "sudo", "timestamp": "2019-06-14T14:40:20.912134Z"}),
        ],
    ),
    "syslog/beats_iso8601_timestamp_multiline_syslog.log": (
        {},
        [
            (
                1,
                {
                    "appname": "GoogleSoftwareUpdateAgent",
                    "message~": "\n\t\tinstalled products",
                    "timestamp": "2020-12-25T21:59:59.000000Z",
                },
            ),
        ],
    ),
    # dovecot lines from fail2ban's filter fixtures: through syslog (host, then "dovecot:" or
    # "dovecot[442]:"), and from dovecot's own log_path file, which has no hostname field.
    "syslog/fail2ban_dovecot.log": (
        {},
        [
            (
                1,
                {
                    "hostname": "dunnart",
                    "appname": "dovecot",
                    "message": "pop3-login: Aborted login (tried to use disabled plaintext auth): "
                    "rip=190.210.136.21, lip=113.212.99.193",
                    "timestamp": "*-12-12T11:19:11.000000Z",
                },
            ),
            (6, {"hostname": "hostname", "appname": "dovecot", "procid": "442"}),
            (11, {"hostname": "vm5", "appname": "auth", "message~": "ruser=informix rhost=80.255.3.104"}),
            (
                14,
                {
                    "hostname": None,
                    "appname": "pop3-login",
                    "procid": None,
                    "message": "Info: Aborted login (auth failed, 1 attempts in 2 secs): user=<grace>, "
                    "method=PLAIN, rip=212.9.180.3",
                    "timestamp": "*-01-29T09:33:58.000000Z",
                },
            ),
            (17, {"hostname": None, "appname": "pop3-login", "message~": "SSL23_GET_CLIENT_HELLO:unknown"}),
        ],
    ),
    "syslog/lnav_syslog_with_mixed_times.log": (
        {},
        [
            (
                2,
                {
                    "hostname": "Tim-Stacks-iMac.local",
                    "appname": "airportd",
                    "procid": "59",
                    "timestamp": "*-09-13T00:59:30.000000Z",
                },
            ),
        ],
    ),
    "mysql/beats_mariadb_error-10.4.8.log": (
        {"timezone": "-02:00"},
        [
            # A general-query-log style line ("YYMMDD H:MM:SS<tab> id Command<tab>Arg") in the error log.
            (
                1,
                {
                    "thread_id": 13,
                    "message": "Query\tSHOW /*!50002 GLOBAL */ STATUS",
                    "timestamp": "2019-10-15T11:46:45.000000Z",
                },
            ),
            (
                2,
                {
                    "level": "Note",
                    "thread_id": 0,
                    "message": "InnoDB: Using Linux native AIO",
                    "timestamp": "2019-10-16T19:24:15.000000Z",
                },
            ),
            (23, {"message~": "ready for connections.\nVersion: '10.4.8-MariaDB-log'"}),
            (28, {"level": "ERROR", "thread_id": 12, "message~": "hi from the error log"}),
        ],
    ),
    "mysql/beats_mysql_error-ubuntu-8.0.15.log": (
        {},
        [
            (
                1,
                {
                    "kind": "error_log",
                    "level": "System",
                    "error_code": "MY-013169",
                    "subsystem": "Server",
                    "thread_id": 0,
                    "timestamp": "2019-03-24T13:44:25.484123Z",
                },
            ),
            # 5.7-style line (no [MY-code]) in an 8.0 log; the account is named in the note.
            (
                13,
                {
                    "level": "Note",
                    "error_code": None,
                    "thread_id": 4016575,
                    "user": "sherlock",
                    "client": "localhost",
                },
            ),
            (14, {"error_code": "MY-010909", "user": "sherlock", "message~": "Forcing close of thread 14"}),
        ],
    ),
    "mysql/beats_mysql_error.log": (
        {},
        [
            (
                1,
                {
                    "kind": "error_log",
                    "message": "mysqld_safe Starting mysqld daemon with databases from /usr/local/var/mysql",
                    "timestamp": "2016-12-09T13:08:33.000000Z",
                },
            ),
            (
                7,
                {
                    "level": "Note",
                    "thread_id": 0,
                    "message~": "\nVersion: '5.7.10'",
                    "timestamp": "2016-12-09T12:08:33.784722Z",
                },
            ),
        ],
    ),
    "mysql/beats_mysql-ubuntu-5.5.53.log": (
        {"timezone": "Europe/Paris"},
        [
            (1, {"level": "Warning", "timestamp": "2016-12-09T13:18:50.000000Z"}),
            (7, {"message~": "\nInnoDB: a new database to be created!", "level": None}),
            (36, {"message~": "\nERROR: 1064", "timestamp": "2016-12-09T13:18:53.000000Z"}),
        ],
    ),
    # MySQL 5.0 error logs from percona-toolkit's ErrorLogParser fixtures: InnoDB writes its
    # "YYMMDD HH:MM:SS" stamp glued to "InnoDB:" (errlog006, errlog008), and mysqld_safe's own
    # "mysqld started"/"mysqld ended" lines carry a zero-padded hour.
    "mysql/percona_errlog006.log": (
        {"timezone": "America/New_York"},
        [
            (
                1,
                {
                    "message": "InnoDB: Warning: cannot find a free slot for an undo log. Do you have too\n"
                    "InnoDB: many active transactions running concurrently?",
                    "level": None,
                    "timestamp": "2009-11-20T03:27:11.000000Z",
                },
            ),
            (3, {"message~": "free slot for an undo log", "timestamp": "2009-11-20T03:27:11.000000Z"}),
        ],
    ),
    "mysql/percona_errlog008.log": (
        {},
        [
            (
                1,
                {
                    "message~": "srv0srv.c line 2093\nInnoDB: We intentionally generate a memory trap.",
                    "level": None,
                    "timestamp": "2009-12-05T04:49:04.000000Z",
                },
            ),
            # The crash report below "mysqld got signal 11;" is one entry, up to the next stamp.
            (9, {"message~": "\nkey_buffer_size=16777216\n", "timestamp": "2009-12-05T04:49:04.000000Z"}),
            (37, {"message": "mysqld restarted", "timestamp": "2009-12-05T04:49:10.000000Z"}),
        ],
    ),
    "mysql/percona_errlog001.log": (
        {"timezone": "America/Chicago"},
        [
            (1, {"message": "mysqld started", "level": None, "timestamp": "2008-07-21T08:03:57.000000Z"}),
            (
                3,
                {
                    "level": "ERROR",
                    "message~": "unknown variable 'ssl-key=/opt/mysql.pdns/.cert/server-key.pem'",
                    "timestamp": "2008-07-21T08:04:01.000000Z",
                },
            ),
            (13, {"level": "Note", "message~": "ready for connections.\nVersion: '5.0.45-log'"}),
            (
                30,
                {
                    "message~": "not shut down normally!\nInnoDB: Starting crash recovery.",
                    "timestamp": "2008-08-22T00:14:12.000000Z",
                },
            ),
            (51, {"message~": "\nInnoDB: Fatal error: cannot allocate the memory for the buffer pool"}),
            (62, {"level": "Note", "timestamp": "2008-11-17T22:32:55.000000Z"}),
        ],
    ),
    # MySQL "Access denied" lines from fail2ban's filter fixtures: 5.1's "YYMMDD H:MM:SS", 5.6's
    # "YYYY-MM-DD HH:MM:SS <thread>" and an ISO stamp without a zone; the last line is fail2ban's own
    # hypothetical (an injection attempt), kept as it is in the file.
    "mysql/fail2ban_mysqld-auth.log": (
        {"timezone": "Europe/Berlin"},
        [
            (
                1,
                {
                    "level": "Warning",
                    "user": "root",
                    "client": "192.168.1.35",
                    "timestamp": "2013-03-23T23:04:00.000000Z",
                },
            ),
            (7, {"thread_id": 5907, "client": "127.0.0.1", "timestamp": "2015-10-07T04:09:42.000000Z"}),
            (
                8,
                {
                    "level": "Note",
                    "thread_id": 6,
                    "user": "root",
                    "client": "localhost",
                    "message": "Access denied for user 'root'@'localhost' (using password: YES)",
                    "timestamp": "2016-02-24T14:26:18.237955Z",
                },
            ),
        ],
    ),
    "mysql/lnav_mysql_error.log": (
        {},
        [
            (
                1,
                {
                    "level": "Note",
                    "error_code": "MY-012487",
                    "subsystem": "InnoDB",
                    "timestamp": "2020-08-06T14:25:02.835618Z",
                },
            ),
            (4, {"thread_id": 5, "error_code": "MY-010051"}),
        ],
    ),
    "mysql/beats_mysql_slow-ubuntu-5.5.53.log": (
        {},
        [
            (1, {"kind": "file_header", "message~": "Version: 5.5.53-0ubuntu0.12.04.1-log"}),
            (
                4,
                {
                    "kind": "slow_query",
                    "user": "debian-sys-maint",
                    "client": "localhost",
                    "query_time": 0.000153,
                    "rows_examined": 5,
                    "timestamp": "2016-12-09T14:37:59.000000Z",
                    "line~": "# Time: 161209 14:37:59\n# User@Host: ",
                },
            ),
            # Same second, no '# Time:' of its own: a row of its own, at the second above it.
            (9, {"rows_sent": 31, "lock_time": 0.000095, "timestamp": "2016-12-09T14:37:59.000000Z"}),
            (47, {"statement~": "`VIEWS`", "query_time": 0.008782}),
            (
                51,
                {"user": "root", "statement": "select sleep(2);", "timestamp": "2016-12-09T14:39:02.000000Z"},
            ),
        ],
    ),
    "mysql/beats_mariadb_slow-10.1.21.log": (
        {},
        [
            (
                1,
                {
                    "kind": "slow_query",
                    "user": "root",
                    "client": "121.0.0.1",
                    "thread_id": 5,
                    "query_time": 2.000652,
                    "statement": "select sleep(2);",
                    "timestamp": "2018-06-13T14:04:36.000000Z",
                },
            ),
        ],
    ),
    "mysql/beats_mariadb_slow-10.3.13.log": (
        {},
        [
            (1, {"kind": "file_header", "message~": "Version: 10.3.13-MariaDB-1:10.3.13+maria~bionic-log"}),
            (
                4,
                {
                    "thread_id": 37,
                    "rows_examined": 3145718,
                    "statement~": "    LIMIT 10;",
                    "timestamp": "2019-03-24T16:03:00.000000Z",
                },
            ),
        ],
    ),
    "mysql/beats_mysql_slow-debian-5.7.17.log": (
        {},
        [
            (
                1,
                {
                    "user": "apphost",
                    "client": "1.1.1.1",
                    "thread_id": 10997316,
                    "rows_examined": 1489615,
                    "timestamp": "2017-04-28T09:07:39.000000Z",
                },
            ),
            (
                15,
                {
                    "statement": "call load_stats(1, '2017-04-28 00:00:00');",
                    "query_time": 10.346539,
                    "timestamp": "2017-04-28T09:16:30.738365Z",
                },
            ),
        ],
    ),
    "mysql/beats_mysql_slow-ubuntu-8.0.15.log": (
        {},
        [
            (1, {"kind": "file_header", "message~": "Version: 8.0.15 (MySQL Community Server - GPL)"}),
            (4, {"thread_id": 14, "rows_sent": 10, "timestamp": "2019-03-24T14:01:47.811234Z"}),
            # log_slow_extra=ON: the '# Query_time:' line goes on with Thread_id, Errno, Bytes_sent ...
            (
                10,
                {"thread_id": 16, "query_time": 2.631844, "lock_time": 0.000145, "statement~": "INNER JOIN"},
            ),
        ],
    ),
    "mysql/lnav_mysql_slow.log": (
        {},
        [
            (
                1,
                {
                    "kind": "slow_query",
                    "user": "owncloud",
                    "client": "localhost",
                    "thread_id": 2,
                    "query_time": 0.011853,
                    "rows_sent": 268,
                    "statement": "SELECT * FROM `oc_appconfig`;",
                    "timestamp": "2021-01-26T23:45:57.678222Z",
                },
            ),
        ],
    ),
}


def events_by_start_line(type_id: str, path: Path, settings: dict[str, str]) -> dict[int, Row]:
    source = SOURCES[type_id]
    collector = source.default_collector
    program = compile_program(parse_program(source, collector, host="sample-host", settings=settings))
    lines = (LineEvent(text, number, number) for number, text in enumerate(read_lines(path), start=1))
    events = list(join_events(lines, collector.multiline))
    stamp = read_at()
    rows = remap_all(
        program, [{"message": e.text, "host": "sample-host", "timestamp": stamp} for e in events]
    )
    found: dict[int, Row] = {}
    for event, output in zip(events, rows, strict=True):
        for at, _, row in records_of(event.text, output):
            found[event.start + event.text[:at].count("\n")] = row
    return found


@pytest.mark.parametrize("name", TABLE)
def test_expected_field_values(name: str) -> None:
    settings, expectations = TABLE[name]
    events = events_by_start_line(name.split("/")[0], SAMPLES / name, settings)
    for line, expected in expectations:
        assert line in events, f"{name}: no event starts on line {line}"
        event = events[line]
        assert "_parse_error" not in event, f"{name}:{line}: {event['_parse_error']}"
        for key, want in expected.items():
            if key.endswith("~"):
                assert want in event.get(key[:-1], ""), f"{name}:{line}: {key[:-1]}={event.get(key[:-1])!r}"
            elif key == "timestamp" and want.startswith("*"):
                assert fnmatch(event["timestamp"], "????" + want[1:]), f"{name}:{line}: {event['timestamp']}"
            else:
                assert event.get(key) == want, f"{name}:{line}: {key}={event.get(key)!r}, expected {want!r}"


def test_every_sample_file_has_a_table() -> None:
    files = {f"{p.parent.name}/{p.name}" for p in SAMPLES.glob("*/*.log")}
    assert files == set(TABLE)
