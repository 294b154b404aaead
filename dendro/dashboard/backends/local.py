"""The local DuckDB store as a dashboard backend, in the three situations DuckDB's locking allows.

DuckDB lets one process write a file, or several read it, never both (local_pipeline/query.py):
- inside the collector's process (`dendro local up` serving the dashboard too): share the store's
  connection; every query runs on a fresh cursor of it, beside the writer threads' cursors.
- standalone on a file nobody holds: open it read-only while queries run and close it a few seconds
  after the last, so an idle dashboard never keeps `dendro local up` from starting later.
- standalone while a collector holds the file: ask that collector (its /query endpoint, found through
  the runtime file it leaves beside the database), as `dendro query` does.

Every query goes through local_pipeline.query's read-only machinery: the statement check
(`check_read_only`), a READ ONLY transaction, a connection opened with SAFE_CONFIG (no outside files,
extensions or settings), and limits: a timeout that interrupts a runaway query, and a result cap in
rows and bytes. `stream()` gives an export its rows a chunk at a time instead of all at once.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

import duckdb

from dendro.dashboard.backends import Health, RejectCount
from dendro.dashboard.dialect import DuckDb
from dendro.local_pipeline.query import (
    FetchedRows,
    Limits,
    QueryError,
    QueryResult,
    ReadOnlyQuery,
    ResultRows,
    query_collector,
    read_runtime,
    run_query,
)
from dendro.local_pipeline.schema import REJECTS
from dendro.local_pipeline.store import StoreError, StoreLockedError, connect

QUERY_TIMEOUT = 30.0  # seconds; a dashboard query that takes longer is interrupted
MAX_RESULT_BYTES = 32 * 1024 * 1024  # of JSON, per query the pages run
REJECTS_HOURS = 24


def execute_read_only(
    con: duckdb.DuckDBPyConnection, sql: str, max_rows: int | None = None, timeout: float = QUERY_TIMEOUT
) -> QueryResult:
    """local_pipeline.query.run_query, interrupted after `timeout` seconds, capped at `max_rows` rows
    and MAX_RESULT_BYTES."""
    return run_query(con, sql, Limits(timeout, max_rows, MAX_RESULT_BYTES))


class _CursorQuery(ReadOnlyQuery):
    """A ReadOnlyQuery that also gives back the cursor it was opened on when it closes."""

    def __init__(
        self, cursor: duckdb.DuckDBPyConnection, sql: str, limits: Limits, done: Callable[[], None]
    ) -> None:
        self._done = done
        try:
            super().__init__(cursor, sql, limits)
        except BaseException:
            done()
            raise

    def close(self) -> None:
        try:
            super().close()
        finally:
            self._done()


class SharedConnection:
    """Queries on cursors of a connection this process already holds (the collector's)."""

    def __init__(self, con: duckdb.DuckDBPyConnection, timeout: float = QUERY_TIMEOUT) -> None:
        self._con = con
        self._lock = threading.Lock()
        self.timeout = timeout

    def run(self, sql: str, max_rows: int | None) -> QueryResult:
        # A DuckDB connection is not thread-safe, and request handlers run in a thread pool: each
        # query gets a cursor of its own, made under a lock.
        with self._lock:
            cursor = self._con.cursor()
        try:
            return execute_read_only(cursor, sql, max_rows, self.timeout)
        finally:
            cursor.close()

    def stream(self, sql: str, limits: Limits) -> ResultRows:
        with self._lock:
            cursor = self._con.cursor()
        return _CursorQuery(cursor, sql, limits, cursor.close).__enter__()

    def close(self) -> None:
        self._con.close()


class StoreFile:
    """Queries on a store file: opened read-only while queries run, or through the collector holding it.

    Queries that overlap share one connection (DuckDB keeps one database instance per file and process,
    so a second open would only reach the first). It stays open LINGER seconds after the last query, so
    that the burst of a chart refresh opens the file once, and is closed after that, so that an idle
    dashboard holds no lock on the file and `dendro local up` can start."""

    LINGER = 5.0

    def __init__(self, path: Path, timeout: float = QUERY_TIMEOUT) -> None:
        self.path = path
        self.timeout = timeout
        self._lock = threading.Lock()
        self._con: duckdb.DuckDBPyConnection | None = None
        self._users = 0
        self._closer: threading.Timer | None = None

    def _lease(self) -> duckdb.DuckDBPyConnection:
        with self._lock:
            if self._closer is not None:
                self._closer.cancel()
                self._closer = None
            if self._con is None:
                self._con = connect(self.path, read_only=True)
            self._users += 1
            return self._con.cursor()

    def _release(self, cursor: duckdb.DuckDBPyConnection) -> None:
        cursor.close()
        with self._lock:
            self._users -= 1
            if self._users == 0 and self._con is not None:
                self._closer = threading.Timer(self.LINGER, self._close_idle)
                self._closer.daemon = True
                self._closer.start()

    def _close_idle(self) -> None:
        with self._lock:
            if self._users == 0 and self._con is not None:
                self._con.close()
                self._con = None

    def stream(self, sql: str, limits: Limits) -> ResultRows:
        self._check_exists()
        try:
            cursor = self._lease()
        except StoreLockedError:
            runtime = read_runtime(self.path)
            return FetchedRows(query_collector(runtime, sql, timeout=limits.timeout + 5))
        except StoreError as error:
            raise QueryError(str(error)) from None
        return _CursorQuery(cursor, sql, limits, lambda: self._release(cursor)).__enter__()

    def _check_exists(self) -> None:
        if not self.path.exists():
            raise QueryError(
                f"no store at {self.path} yet; start one with `dendro local up --demo`, or pass --db PATH"
            )

    def run(self, sql: str, max_rows: int | None) -> QueryResult:
        if not self.path.exists():
            raise QueryError(
                f"no store at {self.path} yet; start one with `dendro local up --demo`, or pass --db PATH"
            )
        try:
            cursor = self._lease()
        except StoreLockedError:
            result = query_collector(read_runtime(self.path), sql, timeout=self.timeout + 5)
            if max_rows is not None and len(result.rows) > max_rows:
                return QueryResult(result.columns, result.rows[:max_rows], True)
            return result
        except StoreError as error:
            raise QueryError(str(error)) from None
        try:
            return execute_read_only(cursor, sql, max_rows, self.timeout)
        finally:
            self._release(cursor)

    def close(self) -> None:
        with self._lock:
            if self._closer is not None:
                self._closer.cancel()
            if self._con is not None:
                self._con.close()
                self._con = None


class LocalBackend:
    store = "local"
    dialect = DuckDb()

    def __init__(self, runner: SharedConnection | StoreFile, label: str) -> None:
        self.runner = runner
        self.label = label

    @classmethod
    def open(cls, path: Path) -> LocalBackend:
        return cls(StoreFile(path), f"local store {path}")

    @classmethod
    def shared(cls, con: duckdb.DuckDBPyConnection, path: Path) -> LocalBackend:
        """For a process that holds the store: `con` is a cursor made for the dashboard (the backend
        closes it when done)."""
        return cls(SharedConnection(con), f"local store {path}")

    def query(self, sql: str, max_rows: int | None = None) -> QueryResult:
        return self.runner.run(sql, max_rows)

    def stream(self, sql: str, limits: Limits) -> ResultRows:
        """The query running, its rows to fetch chunk by chunk; close it when done."""
        return self.runner.stream(sql, limits)

    def tables(self) -> list[str]:
        try:
            result = self.query(
                "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'main' AND NOT internal "
                "ORDER BY table_name"
            )
        except QueryError:
            return []  # no store yet: the home page says how to start one
        return [str(row[0]) for row in result.rows]

    def health(self) -> Health:
        health = Health(rejects_window_hours=REJECTS_HOURS)
        try:
            result = self.query(
                "SELECT reason, type, count(*) AS n, epoch_ms(max(time)) AS last_ms, "
                f"arg_max(detail, time) AS example FROM {REJECTS} "
                f"WHERE time >= now() - INTERVAL {REJECTS_HOURS} HOUR GROUP BY ALL ORDER BY n DESC"
            )
        except QueryError as error:
            health.problems.append(f"rejects unavailable: {error}")
            return health
        health.rejects = [
            RejectCount(
                str(reason), type_id, int(n), int(last) if last is not None else None, str(example or "")
            )
            for reason, type_id, n, last, example in result.rows
        ]
        return health

    def close(self) -> None:
        self.runner.close()
