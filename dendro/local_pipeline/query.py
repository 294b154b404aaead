"""Read-only SQL over the local store, for `dendro query` and the collector's /query endpoint.

Three locks, each enough on its own for what it covers: the statement must be a SELECT (or EXPLAIN);
it runs in a READ ONLY transaction (on a file opened read-only when `dendro query` opens it itself);
and the database was opened with outside files, extensions and settings changes disabled
(store.SAFE_CONFIG), so `read_csv('/etc/passwd')` fails like a write does.

Every query also has limits (`Limits`): a timeout, after which DuckDB interrupts it, and a result cap in
rows and in bytes (measured as the JSON it becomes), past which the rows stop and the result says why
(`note`). Rows are fetched in small chunks, so a result is never held whole beyond its cap, and an
export streams them (`ReadOnlyQuery.chunks`).

DuckDB lets one process write a file, or several read it, never both. While `dendro local up` runs,
`dendro query` therefore asks the collector, which runs the query on its own connection, with the same
checks; the collector leaves its address in a runtime file beside the database.
"""

from __future__ import annotations

import http.client
import os
import threading
import urllib.parse
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any, Protocol

import duckdb
import orjson

from dendro.local_pipeline.store import StoreLockedError, connect

READ_STATEMENTS = frozenset({duckdb.StatementType.SELECT, duckdb.StatementType.EXPLAIN})


class QueryError(ValueError):
    pass


@dataclass(frozen=True)
class Limits:
    """What one query may cost: `timeout` seconds, `max_rows` rows and `max_bytes` of result."""

    timeout: float = 60.0
    max_rows: int | None = 100_000
    max_bytes: int = 64 * 1024 * 1024


DEFAULT_LIMITS = Limits()


@dataclass(frozen=True)
class QueryResult:
    columns: list[str]
    rows: list[Sequence[Any]]
    truncated: bool = False
    note: str | None = None  # why the rows stopped early, for the user

    def records(self) -> list[dict[str, Any]]:
        return [dict(zip(self.columns, row, strict=True)) for row in self.rows]

    def to_json(self) -> bytes:
        answer = {"columns": self.columns, "rows": self.rows, "truncated": self.truncated, "note": self.note}
        return orjson.dumps(answer, default=json_default)


def json_default(value: Any) -> Any:
    """JSON for the DuckDB values orjson does not know: DECIMAL, BLOB, INTERVAL, ..."""
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value).decode("utf-8", errors="backslashreplace")
    return str(value)


def check_read_only(con: duckdb.DuckDBPyConnection, sql: str) -> None:
    # DuckDB's own parser splits the statements: a `;` inside a string or a comment is not a split.
    try:
        statements = con.extract_statements(sql)
    except duckdb.Error as error:
        raise QueryError(duckdb_message(error)) from None
    if not statements:
        raise QueryError('no SQL statement given; try: dendro query "SHOW TABLES"')
    for statement in statements:
        if statement.type not in READ_STATEMENTS:
            raise QueryError(
                f"{statement.type.name} statements are refused: the store is read-only here; "
                "run a SELECT (or SHOW / DESCRIBE / SUMMARIZE)"
            )
    if len(statements) > 1:
        # Only the last result would come back: the others would run unseen.
        raise QueryError(f"{len(statements)} statements given; run them one at a time, without `;` between")


class ResultRows(Protocol):
    """A result whose rows come a chunk at a time (an export streams them): `note` is set once
    `chunks()` has stopped early."""

    columns: list[str]
    note: str | None

    def chunks(self) -> Iterator[list[Any]]: ...

    def close(self) -> None: ...


class FetchedRows:
    """A result already fetched whole, as ResultRows."""

    def __init__(self, result: QueryResult) -> None:
        self.columns = result.columns
        self.note = result.note
        self._rows = result.rows

    def chunks(self) -> Iterator[list[Any]]:
        yield list(self._rows)

    def close(self) -> None:
        self._rows = []


class ReadOnlyQuery:
    """One read-only query on a fresh cursor of `con`, as a context manager: entering runs it (a
    QueryError if it is refused, fails or times out before its first rows), `chunks()` then yields its
    rows a few at a time within the limits, and `note` says why they stopped early, if they did."""

    FIRST_CHUNK = 256

    def __init__(self, con: duckdb.DuckDBPyConnection, sql: str, limits: Limits = DEFAULT_LIMITS) -> None:
        check_read_only(con, sql)
        self.sql = sql
        self.limits = limits
        self.cursor = con.cursor()
        self.columns: list[str] = []
        self.note: str | None = None
        self._timer = threading.Timer(limits.timeout, self.cursor.interrupt)
        self._timer.daemon = True

    def __enter__(self) -> ReadOnlyQuery:
        try:
            self.cursor.execute("BEGIN TRANSACTION READ ONLY")
            self._timer.start()
            self.cursor.execute(self.sql)
        except duckdb.InterruptException:
            self.close()
            raise QueryError(self._timeout_note()) from None
        except duckdb.Error as error:
            self.close()
            raise QueryError(duckdb_message(error)) from None
        self.columns = [d[0] for d in self.cursor.description or ()]
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def chunks(self) -> Iterator[list[Any]]:
        limits = self.limits
        rows_left = limits.max_rows
        bytes_left = limits.max_bytes
        size = self.FIRST_CHUNK
        while True:
            try:
                rows = self.cursor.fetchmany(size if rows_left is None else min(size, rows_left + 1))
            except duckdb.InterruptException:
                self.note = self._timeout_note()
                return
            except duckdb.Error as error:
                self.note = f"the query failed part way: {duckdb_message(error)}"
                return
            if not rows:
                return
            if rows_left is not None and len(rows) > rows_left:
                rows = rows[:rows_left]
                self.note = (
                    f"only the first {limits.max_rows:,} rows are shown; add a LIMIT or narrow the WHERE"
                )
            weight = len(orjson.dumps(rows, default=json_default))
            if weight > bytes_left:
                rows = self._rows_within(rows, bytes_left)
                self.note = (
                    f"the result was cut at {limits.max_bytes / 1_048_576:.0f} MB; select fewer or shorter "
                    "columns, or fewer rows"
                )
            if rows:
                yield rows
            if self.note is not None:
                return
            bytes_left -= weight
            if rows_left is not None:
                rows_left -= len(rows)
            # As many rows as are likely to fit what is left (wide rows: few at a time), at most 2,048.
            size = max(1, min(2048, bytes_left * len(rows) // max(weight, 1)))

    @staticmethod
    def _rows_within(rows: list[Any], budget: int) -> list[Any]:
        kept = []
        for row in rows:
            budget -= len(orjson.dumps(row, default=json_default)) + 1
            if budget < 0:
                break
            kept.append(row)
        return kept

    def _timeout_note(self) -> str:
        return f"the query ran longer than {self.limits.timeout:.0f} s and was stopped; narrow it down"

    def close(self) -> None:
        self._timer.cancel()
        try:
            self.cursor.execute("ROLLBACK")
        except duckdb.Error:
            pass  # no transaction open (BEGIN failed), or the connection is gone
        self.cursor.close()


def run_query(con: duckdb.DuckDBPyConnection, sql: str, limits: Limits = DEFAULT_LIMITS) -> QueryResult:
    """Run `sql` read-only within `limits` and return its result. A query that times out before its
    rows are all fetched is refused (QueryError) rather than answered in part."""
    with ReadOnlyQuery(con, sql, limits) as query:
        rows = [row for chunk in query.chunks() for row in chunk]
        if query.note is not None and query.note.startswith(("the query ran longer", "the query failed")):
            raise QueryError(query.note)
        return QueryResult(query.columns, rows, query.note is not None, query.note)


def duckdb_message(error: BaseException) -> str:
    """DuckDB's whole message: its hint (`Did you mean "nginx_access"?`, `Candidate bindings: ...`)
    and the `LINE 1:` excerpt with its caret line come after the first line."""
    text = str(error).strip("\n").rstrip()
    return text if text.strip() else type(error).__name__


def query_store(path: Path, sql: str, limits: Limits = DEFAULT_LIMITS) -> QueryResult:
    """Query the store at `path`: directly, read-only, or through the running collector that holds it
    (which applies its own limits too)."""
    if not path.exists():
        raise QueryError(f"no store at {path}; start one with `dendro local up --demo`, or pass --db PATH")
    try:
        con = connect(path, read_only=True)
    except StoreLockedError:
        return query_collector(read_runtime(path), sql, timeout=limits.timeout + 10)
    try:
        return run_query(con, sql, limits)
    finally:
        con.close()


# --- the runtime file: how `dendro query` finds the collector that holds the database ---


@dataclass(frozen=True)
class Runtime:
    url: str
    token: str | None
    pid: int


def runtime_path(db: Path) -> Path:
    return db.with_name(db.name + ".collector.json")


def write_runtime(db: Path, runtime: Runtime) -> Path:
    path = runtime_path(db)
    # The file may hold the collector's token: readable by its owner only, from the first byte.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(orjson.dumps({"url": runtime.url, "token": runtime.token, "pid": runtime.pid}))
    return path


def read_runtime(db: Path) -> Runtime:
    path = runtime_path(db)
    locked = f"{db} is in use by another process"
    try:
        data = orjson.loads(path.read_bytes())
    except FileNotFoundError:
        raise QueryError(f"{locked}, and no collector address is in {path}; stop that process") from None
    except orjson.JSONDecodeError:
        raise QueryError(f"{locked}, and {path} is unreadable; stop that process") from None
    return Runtime(url=data["url"], token=data.get("token"), pid=int(data.get("pid", 0)))


def query_collector(runtime: Runtime, sql: str, timeout: float = 120.0) -> QueryResult:
    url = urllib.parse.urlsplit(runtime.url)
    host = url.hostname or "127.0.0.1"
    if host in ("0.0.0.0", "::"):
        host = "127.0.0.1"  # a wildcard bind is reachable on loopback
    headers = {"Content-Type": "application/sql"}
    if runtime.token:
        headers["Authorization"] = f"Bearer {runtime.token}"
    conn = http.client.HTTPConnection(host, url.port or 80, timeout=timeout)
    try:
        conn.request("POST", "/query", body=sql.encode(), headers=headers)
        response = conn.getresponse()
        body = response.read()
    except OSError as error:
        raise QueryError(
            f"the store is held by the collector at {runtime.url} (pid {runtime.pid}), which does not "
            f"answer ({error}); stop that process and try again"
        ) from None
    finally:
        conn.close()
    try:
        data = orjson.loads(body)
    except orjson.JSONDecodeError:
        raise QueryError(f"the collector answered {response.status} with no result") from None
    if response.status != 200:
        raise QueryError(str(data.get("error", f"the collector answered {response.status}")))
    return QueryResult(data["columns"], data["rows"], bool(data.get("truncated")), data.get("note"))
