"""Databases: PostgreSQL, MongoDB and MySQL server logs."""

from __future__ import annotations

from dendro.catalog import local_time
from dendro.catalog.model import Collector, Detection, Field, Multiline, Source
from dendro.catalog.model import FieldType as T
from dendro.catalog.model import Role as R
from dendro.catalog.postgres_prefix import SETTING as POSTGRES_PREFIX_SETTING
from dendro.catalog.postgres_prefix import render_program as render_postgres_program

POSTGRES_PATHS = (
    "/var/log/postgresql/postgresql-*.log",  # Debian/Ubuntu
    "/var/lib/pgsql/data/log/*.log",  # RHEL
    "/var/lib/pgsql/*/data/log/*.log",
    "/var/lib/postgresql/data/log/*.log",  # Alpine and containers
)
POSTGRES = Source(
    type="postgres",
    title="PostgreSQL server log",
    collectors=(
        Collector(
            name="file",
            kind="file",
            options={"include": list(POSTGRES_PATHS)},
            vrl="postgres",
            # The settings' log_line_prefix, when given, turns the default guess into an exact regex.
            render=render_postgres_program,
            settings=(POSTGRES_PREFIX_SETTING, local_time.SETTING),
            # Continuation lines (statement text, vacuum reports) start with a tab. A blank line
            # carries nothing and PostgreSQL never writes one; joining it to the entry above keeps it
            # from becoming an event of its own. So are pg_ctl's " done" and "server started" in a
            # log that is pg_ctl's output: the parser drops them from the entry's text.
            multiline=Multiline(
                start_pattern=r"^[^\t]",
                condition_pattern=r"^(\t|\s*$| done$|server (started|stopped|promoted)$)",
                mode="continue_through",
            ),
        ),
    ),
    fields=(
        Field("service", T.STRING, R.DIMENSION, True),
        Field(
            "level",
            T.STRING,
            R.DIMENSION,
            True,
            "LOG, ERROR, FATAL, DETAIL, STATEMENT, ...; pg_ctl for pg_ctl's own lines",
        ),
        Field("pid", T.INT, R.MEASURE),
        Field("session_line", T.INT, R.MEASURE, description="%l"),
        Field("user", T.STRING, R.DIMENSION),
        Field("database", T.STRING, R.DIMENSION),
        Field("application", T.STRING, R.DIMENSION),
        Field("client", T.STRING, R.MEASURE),
        Field("sqlstate", T.STRING, R.DIMENSION, description="with log_error_verbosity=verbose or %e"),
        Field("duration_ms", T.FLOAT, R.MEASURE, description="from 'duration: N ms' lines"),
        Field("statement", T.STRING, R.MEASURE),
        Field("message", T.STRING, R.MEASURE, True),
    ),
    detection=Detection(paths=POSTGRES_PATHS, ports=(5432,)),
    service="postgres",
    panels=("log_levels", "slow_queries"),
    alerts=("heartbeat",),
)

MONGODB_PATHS = ("/var/log/mongodb/mongod.log", "/var/log/mongodb/*.log")
MONGODB = Source(
    type="mongodb",
    title="MongoDB log (4.4+ structured JSON, or 3.0-4.2 text)",
    collectors=(
        Collector(
            name="file",
            kind="file",
            options={"include": list(MONGODB_PATHS)},
            vrl="mongodb",
            settings=(local_time.SETTING,),
        ),
    ),
    fields=(
        Field("service", T.STRING, R.DIMENSION, True),
        Field("severity", T.STRING, R.DIMENSION, True, "F, E, W, I, D1..D5"),
        Field("component", T.STRING, R.DIMENSION, True, "NETWORK, STORAGE, COMMAND, ..."),
        Field("log_id", T.INT, R.MEASURE),
        Field("context", T.STRING, R.MEASURE),
        Field("message", T.STRING, R.MEASURE, True),
        Field("namespace", T.STRING, R.MEASURE, description="attr.ns (before 4.4: the slow operation's)"),
        Field(
            "duration_ms",
            T.FLOAT,
            R.MEASURE,
            description="attr.durationMillis (slow queries; before 4.4: the operation's trailing <N>ms)",
        ),
        Field("attr", T.STRING, R.MEASURE, description="attr as JSON text"),
    ),
    detection=Detection(paths=MONGODB_PATHS, ports=(27017,)),
    service="mongodb",
    panels=("log_levels", "slow_queries"),
    alerts=("heartbeat",),
)

MYSQL_PATHS = (
    "/var/log/mysql/error.log",  # Debian/Ubuntu
    "/var/log/mysql/mysql-slow.log",
    "/var/log/mysqld.log",  # RHEL
    "/var/log/mysql/mysqld.log",
    "/var/lib/mysql/*-slow.log",
)
# Lines that close the entry above them: a slow-log '# Time:', an error-log time (8.0 and 5.7 ISO,
# 5.6 and MariaDB date, 5.5 YYMMDD) or the slow log's file header.
_MYSQL_NEXT_ENTRY = r"^(# Time: |\d{4}-\d{2}-\d{2}[T ]|\d{6} +\d|[^#\s].*, Version: .*started with:)"
_MYSQL_ENTRY_START = (
    r"^(# Time: |# User@Host: |\d{4}-\d{2}-\d{2}[T ]|\d{6} +\d|[^#\s].*, Version: .*started with:)"
)
MYSQL = Source(
    type="mysql",
    title="MySQL error log and slow query log",
    collectors=(
        Collector(
            name="file",
            kind="file",
            options={"include": list(MYSQL_PATHS)},
            vrl="mysql",
            settings=(local_time.SETTING,),
            # An error-log entry is a timestamped line plus untimestamped ones (crash reports, 5.5's
            # InnoDB notes). A slow-log entry starts at '# Time:', or at '# User@Host:' when no group
            # is open; '# User@Host:' cannot end a group, or it would cut itself off from its
            # '# Time:' line. So MySQL < 5.7 and MariaDB entries of the same second (written without
            # '# Time:') arrive joined, and the parser makes a record of each (mysql.vrl). The slow
            # log's file header ('/usr/sbin/mysqld, Version: ... started with:' and two more lines) is
            # a group of its own, stored as a `file_header` row at the time it was read.
            multiline=Multiline(
                start_pattern=_MYSQL_ENTRY_START,
                condition_pattern=_MYSQL_NEXT_ENTRY,
                mode="halt_before",
            ),
        ),
    ),
    fields=(
        Field("service", T.STRING, R.DIMENSION, True),
        Field("kind", T.STRING, R.DIMENSION, True, "error_log, slow_query or file_header"),
        Field("level", T.STRING, R.DIMENSION, description="System, Warning, Note, ERROR ..."),
        Field("error_code", T.STRING, R.DIMENSION, description="MY-nnnnnn"),
        Field("subsystem", T.STRING, R.DIMENSION, description="Server, InnoDB, Repl, ..."),
        Field("thread_id", T.INT, R.MEASURE),
        Field("user", T.STRING, R.DIMENSION),
        Field("client", T.STRING, R.MEASURE),
        Field("query_time", T.FLOAT, R.MEASURE, description="seconds"),
        Field("lock_time", T.FLOAT, R.MEASURE, description="seconds"),
        Field("rows_sent", T.INT, R.MEASURE),
        Field("rows_examined", T.INT, R.MEASURE),
        Field("statement", T.STRING, R.MEASURE),
        Field("message", T.STRING, R.MEASURE),
    ),
    detection=Detection(paths=MYSQL_PATHS, ports=(3306,)),
    service="mysql",
    panels=("log_levels", "slow_queries"),
    alerts=("heartbeat",),
)
