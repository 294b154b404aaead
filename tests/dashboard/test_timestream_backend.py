"""The Timestream backend against botocore's Stubber: every request the backend makes is validated
against the service model of timestream-query, cloudformation and cloudwatch (parameter names, types,
required members), and answered with responses of the shapes those models declare. No AWS call."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from botocore.stub import ANY, Stubber

from dendro.catalog import SOURCES
from dendro.dashboard import panels, queries
from dendro.dashboard.backends import QueryError
from dendro.dashboard.backends.timestream import TimestreamBackend, check_read_only
from dendro.dashboard.dialect import Timestream
from dendro.dashboard.timerange import Window
from tests.dashboard.conftest import Client, ServeFn
from tests.support.aws import StubbedSession

DATABASE = "dendro"
TABLES = ["nginx_access", "host_metrics"]


def column(name: str, kind: str) -> dict[str, Any]:
    return {"Name": name, "Type": {"ScalarType": kind}}


def page(columns: list[dict[str, Any]], rows: list[list[Any]], token: str | None = None) -> dict[str, Any]:
    def datum(value: Any) -> dict[str, Any]:
        return {"NullValue": True} if value is None else {"ScalarValue": str(value)}

    answer: dict[str, Any] = {
        "QueryId": "q-1",
        "ColumnInfo": columns,
        "Rows": [{"Data": [datum(v) for v in row]} for row in rows],
    }
    if token:
        answer["NextToken"] = token
    return answer


@pytest.fixture
def session() -> StubbedSession:
    return StubbedSession()


@pytest.fixture
def backend(session: StubbedSession) -> TimestreamBackend:
    return TimestreamBackend(
        session.client("timestream-query"),
        session.client("cloudwatch"),
        database=DATABASE,
        tables=TABLES,
        stack_name="Dendro",
        region="eu-west-1",
    )


def stub(session: StubbedSession) -> Stubber:
    return session.stub("timestream-query")


def test_pages_are_followed_until_no_next_token(session: StubbedSession, backend: TimestreamBackend) -> None:
    sql = 'SELECT host, count(*) AS n FROM "dendro"."nginx_access" GROUP BY host'
    columns = [column("host", "VARCHAR"), column("n", "BIGINT")]
    # The first page of a running query may hold no rows at all, only a token.
    stub(session).add_response("query", page(columns, [], "t1"), {"QueryString": sql, "MaxRows": 1000})
    stub(session).add_response(
        "query",
        page(columns, [["web-1", 10]], "t2"),
        {"QueryString": sql, "MaxRows": 1000, "NextToken": "t1"},
    )
    stub(session).add_response(
        "query", page(columns, [["web-2", 7]]), {"QueryString": sql, "MaxRows": 1000, "NextToken": "t2"}
    )
    result = backend.query(sql)
    assert result.columns == ["host", "n"]
    assert result.rows == [["web-1", 10], ["web-2", 7]]
    session.assert_done()


def test_values_are_typed_by_column_info(session: StubbedSession, backend: TimestreamBackend) -> None:
    columns = [
        column("t", "TIMESTAMP"),
        column("v", "DOUBLE"),
        column("ok", "BOOLEAN"),
        column("missing", "VARCHAR"),
        {"Name": "list", "Type": {"ArrayColumnInfo": {"Type": {"ScalarType": "BIGINT"}}}},
    ]
    answer = page(columns, [["2026-01-01 10:00:00.000000000", "0.25", "true", None, None]])
    answer["Rows"][0]["Data"][4] = {"ArrayValue": [{"ScalarValue": "1"}, {"ScalarValue": "2"}]}
    stub(session).add_response("query", answer, {"QueryString": ANY, "MaxRows": 1000})
    result = backend.query("SELECT 1")
    assert result.rows == [["2026-01-01T10:00:00.000000000Z", 0.25, True, None, [1, 2]]]


def test_more_rows_than_wanted_cancels_the_rest(session: StubbedSession, backend: TimestreamBackend) -> None:
    columns = [column("n", "BIGINT")]
    stub(session).add_response(
        "query", page(columns, [[1], [2], [3]], "more"), {"QueryString": ANY, "MaxRows": 1000}
    )
    stub(session).add_response("cancel_query", {"CancellationMessage": "cancelled"}, {"QueryId": "q-1"})
    result = backend.query("SELECT n FROM x", max_rows=2)
    assert result.rows == [[1], [2]] and result.truncated
    session.assert_done()


def test_service_errors_become_query_errors(session: StubbedSession, backend: TimestreamBackend) -> None:
    stub(session).add_client_error(
        "query", "ValidationException", "line 1:8: Column 'nope' does not exist", 400
    )
    with pytest.raises(QueryError, match="Timestream: line 1:8: Column 'nope' does not exist"):
        backend.query("SELECT nope FROM x")


@pytest.mark.parametrize(
    ("sql", "message"),
    [
        (
            "UNLOAD (SELECT * FROM t) TO 's3://bucket/x' WITH (format = 'CSV')",
            "UNLOAD statements are refused",
        ),
        ("  -- a comment\n unload (select 1) to 's3://b/'", "UNLOAD statements are refused"),
        ("SELECT 1; SELECT 2", "one statement at a time"),
        ("DELETE FROM t", "DELETE statements are refused"),
        ("", "no SQL statement given"),
    ],
)
def test_refused_before_any_request(backend: TimestreamBackend, sql: str, message: str) -> None:
    with pytest.raises(QueryError, match=message):
        backend.query(sql)  # the Stubber has no response queued: a request would fail differently


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT 'a;b' AS x",
        'SELECT "unload" FROM t',
        "WITH x AS (SELECT 1) SELECT * FROM x;",
        "/* UNLOAD */ SHOW TABLES FROM dendro",
        "DESCRIBE dendro.nginx_access",
    ],
)
def test_read_statements_pass(sql: str) -> None:
    check_read_only(sql)


def test_chart_query_and_shape(session: StubbedSession, backend: TimestreamBackend) -> None:
    """The requests chart in Timestream's dialect, answered as Timestream answers, drawn per host."""
    window = Window(start=1_767_261_600, end=1_767_265_200, bucket=30)
    scope = queries.Scope(window=window, group="host")
    chart = panels.CHARTS_BY_ID["requests"]
    sql = chart.query(backend.dialect, scope, ["nginx_access"])
    assert 'FROM "dendro"."nginx_access" WHERE measure_name = \'event\'' in sql
    assert "bin(time, 30s)" in sql and "from_milliseconds(1767261600000)" in sql
    columns = [column("t", "BIGINT"), column("g", "VARCHAR"), column("v", "DOUBLE")]
    rows = [[window.start, "web-1", 2.5], [window.start + 30, "web-1", 3.0], [window.start, "web-2", 1.0]]
    stub(session).add_response("query", page(columns, rows), {"QueryString": sql, "MaxRows": 1000})
    data = chart.shape(backend.query(sql).rows, window)
    assert [s["label"] for s in data.series] == ["web-1", "web-2"]
    assert data.series[0]["values"][:3] == [2.5, 3.0, 0]


def test_alarms_are_read_page_by_page_firing_first(
    session: StubbedSession, backend: TimestreamBackend
) -> None:
    cloudwatch = session.stub("cloudwatch")
    wanted = {"AlarmNamePrefix": "Dendro-", "AlarmTypes": ["MetricAlarm", "CompositeAlarm"]}

    def alarm(name: str, state: str) -> dict[str, Any]:
        return {"AlarmName": name, "StateValue": state, "StateReason": f"{name} is {state}"}

    cloudwatch.add_response(
        "describe_alarms", {"MetricAlarms": [alarm("Dendro-Heartbeat-1", "OK")], "NextToken": "n"}, wanted
    )
    cloudwatch.add_response(
        "describe_alarms",
        {"MetricAlarms": [alarm("Dendro-Errors-nginx-2", "ALARM")]},
        {**wanted, "NextToken": "n"},
    )
    health = backend.health()
    assert [(a.name, a.state) for a in health.alarms or []] == [
        ("Dendro-Errors-nginx-2", "ALARM"),
        ("Dendro-Heartbeat-1", "OK"),
    ]
    session.assert_done()


def test_from_stack_reads_the_outputs(session: StubbedSession) -> None:
    outputs = {"Store": "timestream", "DatabaseName": "dendro_db", "TableNames": "nginx_access,syslog"}
    session.stub("cloudformation").add_response(
        "describe_stacks",
        {
            "Stacks": [
                {
                    "StackName": "Dendro",
                    "CreationTime": "2026-01-01T00:00:00Z",
                    "StackStatus": "CREATE_COMPLETE",
                    "Outputs": [{"OutputKey": k, "OutputValue": v} for k, v in outputs.items()],
                }
            ]
        },
        {"StackName": "Dendro"},
    )
    # Each table's columns, read once (DESCRIBE scans no data): issue 14 item 2.
    nginx = ["time", "measure_name", "host", "service", "status_class", "status"]
    syslog = ["time", "measure_name", *(f.name for f in SOURCES["syslog"].columns if f.name != "timestamp")]
    for table, columns in (("nginx_access", nginx), ("syslog", syslog)):
        stub(session).add_response(
            "query",
            {"QueryId": "d",
             "Rows": [{"Data": [{"ScalarValue": c}, {"ScalarValue": "varchar"}]} for c in columns],
             "ColumnInfo": [{"Name": "Column", "Type": {"ScalarType": "VARCHAR"}},
                            {"Name": "Type", "Type": {"ScalarType": "VARCHAR"}}]},
            {"QueryString": f'DESCRIBE "dendro_db"."{table}"', "MaxRows": ANY},
        )  # fmt: skip
    backend = TimestreamBackend.from_stack(session, "Dendro")
    assert backend.tables() == ["nginx_access", "syslog"]
    assert isinstance(backend.dialect, Timestream) and backend.dialect.database == "dendro_db"
    assert "dendro_db" in backend.label and "eu-west-1" in backend.label
    # No record carried request_time yet: the latency chart and the overview still have the column.
    assert backend.dialect.table("syslog") == '"dendro_db"."syslog"'
    nginx_table = backend.dialect.table("nginx_access")
    assert 'CAST(NULL AS double) AS "request_time"' in nginx_table
    assert '"status"' not in nginx_table  # present columns are read as they are
    scope = queries.Scope(window=Window(start=1795744800, end=1795748400, bucket=60))
    sql = queries.latency(backend.dialect, scope, ["nginx_access"])
    assert nginx_table in sql and "request_time" in sql
    session.assert_done()


def test_home_page_on_timestream(serve: ServeFn, session: StubbedSession, backend: TimestreamBackend) -> None:
    now_ms = 1_767_265_200_000
    activity = [column("source", "VARCHAR"), column("host", "VARCHAR"), column("last_ms", "BIGINT"),
                column("recent", "BIGINT")]  # fmt: skip
    stub(session).add_response(
        "query",
        page(activity, [["nginx_access", "web-1", now_ms, 600], ["host_metrics", "web-1", now_ms, 300]]),
        {"QueryString": ANY, "MaxRows": 1000},
    )
    services = [column("service", "VARCHAR"), column("requests", "BIGINT"), column("errors", "BIGINT"),
                column("p95_ms", "DOUBLE")]  # fmt: skip
    stub(session).add_response(
        "query", page(services, [["nginx", 600, 30, 120.5]]), {"QueryString": ANY, "MaxRows": 1000}
    )
    session.stub("cloudwatch").add_response(
        "describe_alarms",
        {"MetricAlarms": [{"AlarmName": "Dendro-DeadLetters-1", "StateValue": "ALARM"}]},
        {"AlarmNamePrefix": "Dendro-", "AlarmTypes": ["MetricAlarm", "CompositeAlarm"]},
    )
    home = Client(serve(backend).url).get("/")
    assert home.status == 200
    assert "Dendro-DeadLetters-1" in home.text and "state-alarm" in home.text
    assert "web-1" in home.text and "nginx" in home.text
    assert "5.0" in home.text  # 30 of 600 requests were 5xx
    session.assert_done()


def test_examples_use_timestreams_dialect(tmp_path: Path, backend: TimestreamBackend) -> None:
    from dendro.dashboard.examples import examples

    found = examples(backend.dialect, TABLES)
    five_xx = next(e for e in found if e.title.startswith("All 5xx"))
    assert 'FROM "dendro"."nginx_access"' in five_xx.sql and "time >= ago(2h)" in five_xx.sql
    assert all("_rejects" not in e.sql for e in found)  # the local store's table only
