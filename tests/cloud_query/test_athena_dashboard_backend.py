"""The dashboard over the iceberg store: Athena's dialect for every chart query, the read-only check,
and a query through botocore's Stubber (AWS is never called)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.stub import ANY, Stubber

from dendro.catalog import SOURCES
from dendro.dashboard import queries
from dendro.dashboard.backends.athena import Athena, AthenaBackend, check_read_only
from dendro.dashboard.timerange import Window
from dendro.local_pipeline.query import QueryError

ATHENA = Athena("dendro")
WINDOW = Window(start=1795744800, end=1795748401, bucket=60)  # 2026-11-27 02:00 .. 03:00 UTC
CHARTS = [queries.requests, queries.errors, queries.error_ratio, queries.latency]
HOST_CHARTS = [queries.cpu, queries.memory, queries.load, queries.disk]
# Functions of the other dialects that Athena (Trino) does not have.
FOREIGN = ("epoch_ms(", "quantile_cont(", "ago(", "bin(", "from_milliseconds(", "to_milliseconds(", "now()")


def _check(sql: str) -> None:
    assert not [f for f in FOREIGN if f in sql], sql
    assert sql.count("(") == sql.count(")") and sql.count("'") % 2 == 0 and sql.count('"') % 2 == 0
    # The window is compared with literals of the column's type, so the day partitions are pruned.
    assert "TIMESTAMP '2026-11-27 02:00:00'" in sql and "TIMESTAMP '2026-11-27 03:00:01'" in sql


@pytest.mark.parametrize("chart", CHARTS, ids=lambda c: c.__name__)
def test_red_chart_queries_read_every_access_table_in_athenas_dialect(chart: Any) -> None:
    scope = queries.Scope(window=WINDOW, hosts=("web-1",), services=("nginx",))
    sql = chart(ATHENA, scope, ["nginx_access", "apache_access"])
    _check(sql)
    assert '"dendro"."nginx_access"' in sql and '"dendro"."apache_access"' in sql
    assert 'CAST(floor(to_unixtime("timestamp") / 60) AS bigint)' in sql
    assert "\"host\" IN ('web-1')" in sql


@pytest.mark.parametrize("chart", HOST_CHARTS, ids=lambda c: c.__name__)
def test_host_chart_queries_in_athenas_dialect(chart: Any) -> None:
    sql = chart(ATHENA, queries.Scope(window=WINDOW, group="host"), ["host_metrics"])
    _check(sql)
    assert '"dendro"."host_metrics"' in sql


def test_recent_activity_uses_trinos_interval_syntax() -> None:
    assert (
        ATHENA.since(600) == "\"timestamp\" >= CAST(current_timestamp - INTERVAL '600' SECOND AS timestamp)"
    )


@pytest.mark.parametrize(
    "sql",
    ["DELETE FROM syslog", "INSERT INTO syslog VALUES (1)", "DROP TABLE syslog", "SELECT 1; DROP TABLE x",
     "OPTIMIZE syslog REWRITE DATA USING BIN_PACK", ""],
)  # fmt: skip
def test_only_reading_statements_reach_athena(sql: str) -> None:
    with pytest.raises(QueryError):
        check_read_only(sql)


def test_reading_statements_pass_even_with_keywords_in_strings() -> None:
    check_read_only('SELECT \'DROP TABLE x; --\' AS s FROM "dendro"."syslog" -- a comment; DELETE')


@pytest.fixture
def backend() -> Iterator[tuple[AthenaBackend, Stubber]]:
    kwargs = {"region_name": "eu-west-1", "aws_access_key_id": "testing", "aws_secret_access_key": "testing"}
    client = boto3.client("athena", **kwargs)
    with Stubber(client) as stub:
        yield (
            AthenaBackend(
                client,
                boto3.client("cloudwatch", **kwargs),
                database="dendro",
                workgroup="Dendro",
                tables=list(SOURCES),
                stack_name="Dendro",
                region="eu-west-1",
            ),  # fmt: skip
            stub,
        )
        stub.assert_no_pending_responses()


def test_a_query_runs_in_the_stacks_workgroup_and_database(backend: tuple[AthenaBackend, Stubber]) -> None:
    athena, stub = backend
    stub.add_response(
        "start_query_execution",
        {"QueryExecutionId": "q-1"},
        {"QueryString": ANY, "WorkGroup": "Dendro", "QueryExecutionContext": {"Database": "dendro"}},
    )
    stub.add_response(
        "get_query_execution",
        {"QueryExecution": {"QueryExecutionId": "q-1", "Status": {"State": "SUCCEEDED"}}},
        {"QueryExecutionId": "q-1"},
    )
    stub.add_response(
        "get_query_results",
        {"ResultSet": {"Rows": [{"Data": [{"VarCharValue": "n"}]}, {"Data": [{"VarCharValue": "42"}]}],
                       "ResultSetMetadata": {"ColumnInfo": [{"Name": "n", "Type": "bigint"}]}}},
        {"QueryExecutionId": "q-1", "MaxResults": 1000},
    )  # fmt: skip

    result = athena.query('SELECT count(*) AS n FROM "dendro"."syslog"', max_rows=100)

    assert (result.columns, result.rows, result.truncated) == (["n"], [[42]], False)
    assert athena.store == "iceberg" and re.match(r"^Athena dendro \(eu-west-1", athena.label)


def test_athena_examples_name_iceberg_columns_and_athenas_show_tables_form() -> None:
    """Issue 14 items 1 and 4: Iceberg tables have `timestamp`, never `time`; Athena's documented
    listing is SHOW TABLES IN `db` (backticks), not SHOW TABLES FROM "db"."""
    from dendro.dashboard.examples import examples

    found = examples(ATHENA, list(SOURCES))
    latest = next(e for e in found if e.title.startswith("Latest value of every host_metrics"))
    assert 'max_by(value, "timestamp")' in latest.sql
    for example in found:
        assert not re.search(r"(?<![\w\"])time(?![\w\"])", example.sql), example.sql
        check_read_only(example.sql)
    assert found[-1].sql == "SHOW TABLES IN `dendro`"


def test_pages_over_athena_refresh_no_faster_than_a_firehose_commit() -> None:
    """Issue 14 item 11: every Athena query is billed (10 MB at least), and the tables change once per
    commit, so the chart and home pages never refresh faster than that over the iceberg store."""
    from dendro.dashboard import routes
    from dendro.stack.stores.iceberg_delivery import IcebergDeliveryStream

    assert AthenaBackend.min_refresh_seconds == IcebergDeliveryStream.DEFAULT_COMMIT_SECONDS
    assert [v for v, _ in routes.refresh_choices(AthenaBackend)] == ["0", "300"]  # type: ignore[arg-type]
    assert routes._refresh(AthenaBackend, "10") == "300"  # type: ignore[arg-type]
    assert routes._refresh(AthenaBackend, "0") == "0"  # type: ignore[arg-type]
    local = object()
    assert routes._refresh(local, "10") == "10"  # type: ignore[arg-type]
