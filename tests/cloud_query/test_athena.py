"""Athena start / poll / paginate against botocore's Stubber: every request is checked against the
Athena service model (required members, MaxResults 1-1,000, ...), and AWS is never called."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from dendro.cloud_query.athena import AthenaQueryError, run

SQL = 'SELECT host, count(*) AS n FROM "dendro"."syslog" GROUP BY host'


@pytest.fixture
def athena() -> Iterator[tuple[Any, Stubber]]:
    client = boto3.client(
        "athena", region_name="eu-west-1", aws_access_key_id="testing", aws_secret_access_key="testing"
    )
    with Stubber(client) as stub:
        yield client, stub
        stub.assert_no_pending_responses()


def _row(*values: str | None) -> dict[str, Any]:
    return {"Data": [{} if v is None else {"VarCharValue": v} for v in values]}


METADATA = {
    "ColumnInfo": [
        {"Name": "host", "Type": "varchar"},
        {"Name": "n", "Type": "bigint"},
        {"Name": "ok", "Type": "boolean"},
        {"Name": "p95", "Type": "double"},
    ]
}


def _started(stub: Stubber, states: tuple[str, ...], scanned: int = 12_345_678) -> None:
    stub.add_response(
        "start_query_execution",
        {"QueryExecutionId": "q-1"},
        {"QueryString": SQL, "WorkGroup": "Dendro", "QueryExecutionContext": {"Database": "dendro"}},
    )
    for state in states:
        execution = {"QueryExecutionId": "q-1", "Status": {"State": state}}
        if state == "SUCCEEDED":
            execution["Statistics"] = {"DataScannedInBytes": scanned}
        stub.add_response("get_query_execution", {"QueryExecution": execution}, {"QueryExecutionId": "q-1"})


def test_a_query_is_started_polled_with_backoff_and_paged_to_the_end(athena: tuple[Any, Stubber]) -> None:
    client, stub = athena
    _started(stub, ("QUEUED", "RUNNING", "SUCCEEDED"))
    # Page 1 starts with the header row, as Athena answers a SELECT; page 2 follows the token.
    stub.add_response(
        "get_query_results",
        {"ResultSet": {"Rows": [_row("host", "n", "ok", "p95"), _row("web-1", "3", "true", "0.25")],
                       "ResultSetMetadata": METADATA}, "NextToken": "page-2"},
        {"QueryExecutionId": "q-1", "MaxResults": 1000},
    )  # fmt: skip
    stub.add_response(
        "get_query_results",
        {"ResultSet": {"Rows": [_row("web-2", "5", "false", None)], "ResultSetMetadata": METADATA}},
        {"QueryExecutionId": "q-1", "MaxResults": 1000, "NextToken": "page-2"},
    )
    sleeps: list[float] = []

    result = run(client, SQL, workgroup="Dendro", database="dendro", sleep=sleeps.append)

    assert result.columns == ["host", "n", "ok", "p95"]
    assert result.rows == [["web-1", 3, True, 0.25], ["web-2", 5, False, None]]  # typed, NULL as None
    assert (result.truncated, result.bytes_scanned) == (False, 12_345_678)
    assert sleeps == [0.2, 0.4]


def test_max_rows_stops_paging_early(athena: tuple[Any, Stubber]) -> None:
    client, stub = athena
    _started(stub, ("SUCCEEDED",))
    stub.add_response(
        "get_query_results",
        {"ResultSet": {"Rows": [_row("host", "n", "ok", "p95"),
                                *[_row(f"h{i}", "1", "true", "1.0") for i in range(3)]],
                       "ResultSetMetadata": METADATA}, "NextToken": "more"},
        {"QueryExecutionId": "q-1", "MaxResults": 1000},
    )  # fmt: skip

    result = run(client, SQL, workgroup="Dendro", database="dendro", max_rows=2, sleep=lambda _: None)

    assert [r[0] for r in result.rows] == ["h0", "h1"] and result.truncated


def test_a_failed_query_raises_athenas_reason(athena: tuple[Any, Stubber]) -> None:
    client, stub = athena
    stub.add_response(
        "start_query_execution",
        {"QueryExecutionId": "q-1"},
        {"QueryString": SQL, "WorkGroup": "Dendro", "QueryExecutionContext": {"Database": "dendro"}},
    )
    stub.add_response(
        "get_query_execution",
        {"QueryExecution": {"QueryExecutionId": "q-1", "Status": {
            "State": "FAILED", "StateChangeReason": "Query exhausted resources: bytes scanned limit"}}},
        {"QueryExecutionId": "q-1"},
    )  # fmt: skip
    with pytest.raises(AthenaQueryError, match="Athena query failed: Query exhausted resources"):
        run(client, SQL, workgroup="Dendro", database="dendro", sleep=lambda _: None)


def test_a_query_past_its_timeout_is_stopped_so_it_stops_billing(athena: tuple[Any, Stubber]) -> None:
    client, stub = athena
    _started(stub, ("RUNNING", "RUNNING", "RUNNING"))  # polled at 0, 0.2 and 0.6 s
    stub.add_response("stop_query_execution", {}, {"QueryExecutionId": "q-1"})
    now = [0.0]

    def sleep(seconds: float) -> None:
        now[0] += seconds

    with pytest.raises(AthenaQueryError, match="ran longer than 1 s and was stopped"):
        run(
            client, SQL, workgroup="Dendro", database="dendro", timeout=1.0, sleep=sleep, clock=lambda: now[0]
        )
