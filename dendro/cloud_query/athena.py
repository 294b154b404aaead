"""Athena queries: start, poll until done, page through the results (aws-notes §4).

One code path for `dendro query --store iceberg`, the dashboard's Athena backend and the custom
resource that creates the iceberg tables. `client` is a boto3 `athena` client; `sleep` and `clock` are
injectable so tests (botocore Stubber) never wait.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

DONE = frozenset({"SUCCEEDED", "FAILED", "CANCELLED"})
PAGE_SIZE = 1000  # GetQueryResults' maximum


class AthenaQueryError(RuntimeError):
    """The query failed, was cancelled or took too long; the message is Athena's reason."""


@dataclass(frozen=True)
class AthenaResult:
    query_id: str
    columns: list[str]
    types: list[str]  # Athena's names: varchar, bigint, double, boolean, timestamp, ...
    rows: list[list[Any]]
    truncated: bool = False
    bytes_scanned: int = 0


def start(client: Any, sql: str, *, workgroup: str, database: str | None = None) -> str:
    request: dict[str, Any] = {"QueryString": sql, "WorkGroup": workgroup}
    if database:
        request["QueryExecutionContext"] = {"Database": database}
    return str(client.start_query_execution(**request)["QueryExecutionId"])


def wait(
    client: Any,
    query_id: str,
    *,
    timeout: float = 60.0,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
    first_delay: float = 0.2,
    max_delay: float = 2.0,
) -> dict[str, Any]:
    """Poll GetQueryExecution with a growing delay until the query is done; return its QueryExecution.

    A query still running at `timeout` is stopped (it would keep scanning, and billing) and reported.
    """
    deadline = clock() + timeout
    delay = first_delay
    while True:
        execution = client.get_query_execution(QueryExecutionId=query_id)["QueryExecution"]
        status = execution["Status"]
        state = status["State"]
        if state == "SUCCEEDED":
            return dict(execution)
        if state in DONE:
            reason = status.get("StateChangeReason") or state.lower()
            raise AthenaQueryError(f"Athena query {state.lower()}: {reason}")
        if clock() + delay > deadline:
            client.stop_query_execution(QueryExecutionId=query_id)
            raise AthenaQueryError(
                f"the query ran longer than {timeout:.0f} s and was stopped; narrow its time range"
            )
        sleep(delay)
        delay = min(delay * 2, max_delay)


def _convert(kind: str) -> Callable[[str], Any]:
    if kind in ("bigint", "integer", "int", "smallint", "tinyint"):
        return int
    if kind in ("double", "float", "real"):
        return float
    if kind == "boolean":
        return lambda text: text == "true"
    if kind == "decimal":
        return Decimal
    return str  # varchar, timestamp (as Athena prints it), date, json, ...


def pages(client: Any, query_id: str, page_size: int = PAGE_SIZE) -> Iterator[dict[str, Any]]:
    token: str | None = None
    while True:
        request: dict[str, Any] = {"QueryExecutionId": query_id, "MaxResults": page_size}
        if token:
            request["NextToken"] = token
        page = client.get_query_results(**request)
        yield page
        token = page.get("NextToken")
        if not token:
            return


def fetch(client: Any, query_id: str, *, max_rows: int | None = None) -> AthenaResult:
    """Every row (or the first `max_rows`), typed from the result metadata. A NULL has no VarCharValue."""
    columns: list[str] = []
    types: list[str] = []
    converters: list[Callable[[str], Any]] = []
    rows: list[list[Any]] = []
    truncated = False
    for number, page in enumerate(pages(client, query_id)):
        result_set = page["ResultSet"]
        if number == 0:
            info = result_set.get("ResultSetMetadata", {}).get("ColumnInfo", [])
            columns = [c["Name"] for c in info]
            types = [c["Type"].lower() for c in info]
            converters = [_convert(t) for t in types]
        raw_rows = result_set.get("Rows", [])
        if number == 0 and raw_rows and _is_header(raw_rows[0], columns):
            # For SELECT, Athena repeats the column names as the first row of the first page.
            raw_rows = raw_rows[1:]
        for raw in raw_rows:
            if max_rows is not None and len(rows) == max_rows:
                truncated = True
                break
            data = raw.get("Data", [])
            rows.append(
                [
                    convert(datum["VarCharValue"]) if "VarCharValue" in datum else None
                    for convert, datum in zip(converters, data, strict=False)
                ]
            )
        if truncated:
            break
    return AthenaResult(query_id, columns, types, rows, truncated)


def _is_header(row: dict[str, Any], columns: list[str]) -> bool:
    return [d.get("VarCharValue") for d in row.get("Data", [])] == columns


def run(
    client: Any,
    sql: str,
    *,
    workgroup: str,
    database: str | None = None,
    max_rows: int | None = None,
    timeout: float = 60.0,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> AthenaResult:
    query_id = start(client, sql, workgroup=workgroup, database=database)
    execution = wait(client, query_id, timeout=timeout, sleep=sleep, clock=clock)
    result = fetch(client, query_id, max_rows=max_rows)
    scanned = int(execution.get("Statistics", {}).get("DataScannedInBytes", 0))
    return AthenaResult(result.query_id, result.columns, result.types, result.rows, result.truncated, scanned)
