"""Read-only SQL over the local store, for `dendro query` and the collector's /query endpoint.

Three locks, each enough on its own for what it covers: the statement must be a SELECT (or EXPLAIN);
it runs in a READ ONLY transaction (on a file opened read-only when `dendro query` opens it itself);
and the database was opened with outside files, extensions and settings changes disabled
(store.SAFE_CONFIG), so `read_csv('/etc/passwd')` fails like a write does.

DuckDB lets one process write a file, or several read it, never both. While `dendro local up` runs,
`dendro query` therefore asks the collector, which runs the query on its own connection, with the same
checks; the collector leaves its address in a runtime file beside the database.
"""

from __future__ import annotations

import http.client
import os
import threading
import urllib.parse
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import orjson

from dendro.local_pipeline.store import StoreLockedError, connect

READ_STATEMENTS = frozenset({duckdb.StatementType.SELECT, duckdb.StatementType.EXPLAIN})


class QueryError(ValueError):
    pass


@dataclass(frozen=True)
class QueryResult:
    columns: list[str]
    rows: list[Sequence[Any]]
    truncated: bool = False

    def records(self) -> list[dict[str, Any]]:
        return [dict(zip(self.columns, row, strict=True)) for row in self.rows]

    def to_json(self) -> bytes:
        return orjson.dumps(
            {"columns": self.columns, "rows": self.rows, "truncated": self.truncated}, default=json_default
        )


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


def run_query(
    con: duckdb.DuckDBPyConnection, sql: str, max_rows: int | None = None, timeout: float | None = None
) -> QueryResult:
    """Run `sql` on a fresh cursor of `con`, read-only, and return the last statement's result;
    with `timeout` (seconds) a query still running then is interrupted and refused."""
    check_read_only(con, sql)
    cursor = con.cursor()
    timer = threading.Timer(timeout, cursor.interrupt) if timeout is not None else None
    try:
        cursor.execute("BEGIN TRANSACTION READ ONLY")
        if timer is not None:
            timer.daemon = True
            timer.start()
        try:
            cursor.execute(sql)
            columns = [d[0] for d in cursor.description or ()]
            rows = cursor.fetchall() if max_rows is None else cursor.fetchmany(max_rows + 1)
        finally:
            if timer is not None:
                timer.cancel()
            cursor.execute("ROLLBACK")
    except duckdb.InterruptException:
        raise QueryError(
            f"the query ran longer than {timeout:.0f} s and was stopped; narrow it down"
        ) from None
    except duckdb.Error as error:
        raise QueryError(duckdb_message(error)) from None
    finally:
        cursor.close()
    truncated = max_rows is not None and len(rows) > max_rows
    return QueryResult(columns, rows[:max_rows] if truncated else rows, truncated)


def duckdb_message(error: BaseException) -> str:
    """DuckDB's whole message: its hint (`Did you mean "nginx_access"?`, `Candidate bindings: ...`)
    and the `LINE 1:` excerpt with its caret line come after the first line."""
    text = str(error).strip("\n").rstrip()
    return text if text.strip() else type(error).__name__


def query_store(path: Path, sql: str) -> QueryResult:
    """Query the store at `path`: directly, read-only, or through the running collector that holds it."""
    if not path.exists():
        raise QueryError(f"no store at {path}; start one with `dendro local up --demo`, or pass --db PATH")
    try:
        con = connect(path, read_only=True)
    except StoreLockedError:
        return query_collector(read_runtime(path), sql)
    try:
        return run_query(con, sql)
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
    return QueryResult(data["columns"], data["rows"], bool(data.get("truncated")))
