"""Every route over HTTP, against a real server on 127.0.0.1 reading a store of demo traffic."""

from __future__ import annotations

import csv
import http.client
import io
import socket
import urllib.parse
from pathlib import Path

import orjson
import pytest

from dendro.dashboard import panels
from tests.dashboard.conftest import Client, ServeFn

HOSTS = ["web-1", "web-2", "web-3"]


def test_home_lists_sources_hosts_and_rejects(demo: Client) -> None:
    page = demo.get("/")
    assert page.status == 200
    assert "text/html" in page.headers["content-type"]
    for host in HOSTS:
        assert host in page.text
    assert "nginx_access" in page.text and "host_metrics" in page.text
    # The demo store holds three bad records: each reason is named with its example.
    for reason in ("bad_timestamp", "unknown_type", "invalid_json"):
        assert reason in page.text
    assert "req/min" in page.text  # the per-service tiles
    assert "No data yet" not in page.text


def test_home_partial_is_the_body_alone(demo: Client) -> None:
    part = demo.get("/partials/home")
    assert part.status == 200
    assert "<html" not in part.text and "web-1" in part.text


def test_overview_api(demo: Client) -> None:
    data = demo.get("/api/overview").json()
    assert data["empty"] is False
    assert data["hosts"] == HOSTS
    sources = {(a["source"], a["host"]) for a in data["activity"]}
    assert {("nginx_access", h) for h in HOSTS} <= sources
    assert {("host_metrics", h) for h in HOSTS} <= sources
    nginx = next(a for a in data["activity"] if a["source"] == "nginx_access")
    assert nginx["per_minute"] > 0 and nginx["stale"] is False
    assert [s["service"] for s in data["services"]] == ["nginx"]
    assert {r["reason"] for r in data["health"]["rejects"]} == {
        "bad_timestamp",
        "unknown_type",
        "invalid_json",
    }
    assert data["health"]["alarms"] is None  # the local store has no alarms


@pytest.mark.parametrize("with_file", [True, False])
def test_empty_state_says_how_to_send_data(serve: ServeFn, empty_db: Path, with_file: bool) -> None:
    client = Client(serve(empty_db if with_file else empty_db.with_name("missing.duckdb")).url)
    page = client.get("/")
    assert page.status == 200
    assert "No data yet" in page.text
    assert "dendro local up --demo" in page.text
    assert "dendro configure --sink http" in page.text
    assert client.get("/api/overview").json()["empty"] is True
    assert client.get("/charts").status == 200


def test_charts_page_has_a_card_per_available_chart(demo: Client) -> None:
    page = demo.get("/charts?range=6h&group=host")
    assert page.status == 200
    for chart in panels.CHARTS:
        assert f'data-chart="{chart.id}"' in page.text
    for host in HOSTS:
        assert f'<option value="{host}"' in page.text
    assert '<option value="6h" selected>' in page.text
    assert '<option value="host" selected>' in page.text
    assert "/static/uPlot.iife.min.js" in page.text


def test_charts_list_api(demo: Client) -> None:
    data = demo.get("/api/charts").json()
    ids = [c["id"] for c in data["charts"]]
    assert ids == [c.id for c in panels.CHARTS]
    red = next(c for c in data["charts"] if c["id"] == "requests")
    assert red["tables"] == ["nginx_access", "apache_access"]  # every `red` source of the catalog
    assert "15m" in data["ranges"] and "30d" in data["ranges"]


# The demo writes nginx access and error logs and host metrics: every chart has data.
DRAWN = [c.id for c in panels.CHARTS]


@pytest.mark.parametrize("chart", DRAWN)
def test_every_chart_has_data_on_demo_traffic(demo: Client, chart: str) -> None:
    data = demo.get(f"/api/charts/{chart}?range=1h").json()
    assert data["bucket"] == 30 and len(data["x"]) in (120, 121)
    assert data["series"], data
    for series in data["series"]:
        assert len(series["values"]) == len(data["x"])
    assert sum(1 for s in data["series"] for v in s["values"] if v is not None) > 100
    assert data["sql"].startswith(("SELECT", "WITH"))


def test_log_lines_chart_counts_the_demos_upstream_errors(demo: Client) -> None:
    data = demo.get("/api/charts/log_lines").json()
    assert [s["label"] for s in data["series"]] == ["nginx_error"]
    assert sum(data["series"][0]["values"]) > 0


def test_requests_by_host_and_filtered(demo: Client) -> None:
    by_host = demo.get("/api/charts/requests?group=host&range=15m").json()
    assert [s["label"] for s in by_host["series"]] == HOSTS
    assert by_host["bucket"] == 10
    one = demo.get("/api/charts/requests?group=host&host=web-2&service=nginx").json()
    assert [s["label"] for s in one["series"]] == ["web-2"]
    none = demo.get("/api/charts/requests?service=no-such-service").json()
    assert none["series"] == []


def test_latency_has_three_percentiles_in_order(demo: Client) -> None:
    data = demo.get("/api/charts/latency").json()
    assert [s["label"] for s in data["series"]] == ["p50", "p95", "p99"]
    p50, p95, p99 = (s["values"] for s in data["series"])
    for a, b, c in zip(p50, p95, p99, strict=True):
        if a is not None:
            assert a <= b <= c


def test_errors_count_5xx(demo: Client) -> None:
    errors = demo.get("/api/charts/errors?group=host").json()
    counted = sum(v for s in errors["series"] for v in s["values"])
    sql = "SELECT count(*) FROM nginx_access WHERE status >= 500"
    in_window = demo.post_json("/api/query", {"sql": sql}).json()["rows"][0][0]
    assert 0 < counted <= in_window


@pytest.mark.parametrize(
    ("path", "status", "message"),
    [
        ("/api/charts/nope", 404, "GET /api/charts lists them"),
        ("/api/charts/requests?range=2y", 400, "not understood"),
        ("/api/charts/requests?range=5m", 400, "outside 15m .. 30d"),
        ("/api/charts/requests?range=31d", 400, "outside 15m .. 30d"),
        ("/api/charts/requests?group=path", 400, "not one of service, host"),
    ],
)
def test_chart_errors(demo: Client, path: str, status: int, message: str) -> None:
    answer = demo.get(path)
    assert answer.status == status
    assert message in answer.json()["error"]


def test_query_page_offers_catalog_examples(demo: Client) -> None:
    page = demo.get("/query")
    assert page.status == 200
    assert "All 5xx of nginx_access in the last 2 hours" in page.text
    assert "Rejected records by reason" in page.text
    prefilled = demo.get("/query?sql=" + urllib.parse.quote("SELECT 42 AS answer"))
    assert "SELECT 42 AS answer" in prefilled.text


def test_query_api_answers_columns_and_rows(demo: Client) -> None:
    answer = demo.post_json(
        "/api/query", {"sql": "SELECT host, count(*) AS n FROM nginx_access GROUP BY host ORDER BY host"}
    )
    assert answer.status == 200
    data = answer.json()
    assert data["columns"] == ["host", "n"]
    assert [row[0] for row in data["rows"]] == HOSTS
    assert data["truncated"] is False


def test_query_api_serializes_timestamps(demo: Client) -> None:
    data = demo.post_json("/api/query", {"sql": "SELECT max(timestamp) AS t FROM nginx_access"}).json()
    assert data["rows"][0][0].endswith("+00:00") or data["rows"][0][0].endswith("Z")


REFUSED = [
    ("DELETE FROM nginx_access", "DELETE statements are refused"),
    ("INSERT INTO _rejects (reason) VALUES ('x')", "INSERT statements are refused"),
    ("UPDATE nginx_access SET status = 200", "UPDATE statements are refused"),
    ("DROP TABLE nginx_access", "DROP statements are refused"),
    ("CREATE TABLE t AS SELECT 1", "CREATE statements are refused"),
    ("COPY nginx_access TO '/tmp/out.csv'", "COPY statements are refused"),
    ("ATTACH '/tmp/other.duckdb' AS other", "ATTACH statements are refused"),
    ("SET enable_external_access = true", "SET statements are refused"),
    ("INSTALL httpfs", "statements are refused"),
    ("SELECT 1; DELETE FROM nginx_access", "DELETE statements are refused"),
    ("SELECT * FROM read_csv('/etc/passwd')", "file system operations are disabled"),
    # A file name as a table: replacement scans are off with external access, so no such table.
    ("SELECT * FROM '/etc/hostname'", "/etc/hostname does not exist"),
]


@pytest.mark.parametrize(("sql", "message"), REFUSED)
def test_writes_and_file_reads_are_refused(demo: Client, sql: str, message: str) -> None:
    answer = demo.post_json("/api/query", {"sql": sql})
    assert answer.status == 400
    assert message in answer.json()["error"]
    # ... and the refused statement did nothing.
    count = demo.post_json("/api/query", {"sql": "SELECT count(*) FROM nginx_access"}).json()
    assert count["rows"][0][0] > 0


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"{not json", "not JSON"),
        (b'{"query": "SELECT 1"}', "no SQL given"),
        (b'{"sql": "   "}', "no SQL given"),
        (b'{"sql": "SELEC 1"}', "syntax error"),
        (b'{"sql": "SELECT * FROM no_such_table"}', "no_such_table"),
    ],
)
def test_query_api_errors_are_400_with_a_message(demo: Client, body: bytes, message: str) -> None:
    answer = demo.request("POST", "/api/query", body, {"Content-Type": "application/json"})
    assert answer.status == 400
    assert message in answer.json()["error"]


def test_query_api_error_keeps_duckdbs_hint_and_caret_line(demo: Client) -> None:
    # The Query page shows this text as is (pre-wrapped, monospace), so the caret lines up.
    error = demo.post_json("/api/query", {"sql": "SELECT * FROM nginx_acces"}).json()["error"]

    lines = error.splitlines()
    assert lines[0] == "Catalog Error: Table with name nginx_acces does not exist!"
    assert 'Did you mean "nginx_access"?' in lines
    excerpt = lines.index("LINE 1: SELECT * FROM nginx_acces")
    assert lines[excerpt + 1] == " " * len("LINE 1: SELECT * FROM ") + "^" * len("nginx_acces")


def test_query_api_refuses_several_statements(demo: Client) -> None:
    answer = demo.post_json("/api/query", {"sql": "SELECT 1; SELECT 2"})
    assert answer.status == 400
    assert answer.json()["error"] == "2 statements given; run them one at a time, without `;` between"


def test_export_json(demo: Client) -> None:
    sql = "SELECT host, count(*) AS n FROM nginx_access GROUP BY host ORDER BY host"
    answer = demo.post_form("/api/export?format=json", {"sql": sql})
    assert answer.status == 200
    assert answer.headers["content-type"] == "application/json"
    assert 'attachment; filename="dendro-' in answer.headers["content-disposition"]
    rows = orjson.loads(answer.body)
    assert [r["host"] for r in rows] == HOSTS and all(r["n"] > 0 for r in rows)


def test_export_csv(demo: Client) -> None:
    sql = "SELECT host, NULL AS nothing, max(timestamp) AS last FROM nginx_access GROUP BY host ORDER BY host"
    answer = demo.post_json("/api/export?format=csv", {"sql": sql})
    assert answer.status == 200
    assert answer.headers["content-type"].startswith("text/csv")
    table = list(csv.reader(io.StringIO(answer.text)))
    assert table[0] == ["host", "nothing", "last"]
    assert [row[0] for row in table[1:]] == HOSTS
    assert table[1][1] == "" and table[1][2].startswith("20")
    assert len(table) == 4 and not any(row[0].startswith("# dendro") for row in table)  # complete


def test_export_refuses_writes_and_unknown_formats(demo: Client) -> None:
    refused = demo.post_form("/api/export?format=csv", {"sql": "DROP TABLE nginx_access"})
    assert refused.status == 400 and "DROP statements are refused" in refused.json()["error"]
    unknown = demo.post_form("/api/export?format=xml", {"sql": "SELECT 1"})
    assert unknown.status == 400 and "one of: json, csv" in unknown.json()["error"]


def test_static_files_are_served_by_the_package(demo: Client) -> None:
    for name in (
        "uPlot.iife.min.js",
        "uPlot.min.css",
        "uPlot.LICENSE",
        "charts.js",
        "query.js",
        "dendro.css",
    ):
        answer = demo.get(f"/static/{name}")
        assert answer.status == 200, name
    assert "MIT License" in demo.get("/static/uPlot.LICENSE").text


def test_healthz(demo: Client) -> None:
    assert demo.get("/healthz").json() == {"status": "ok"}


def test_every_connection_sends_its_answer_without_waiting_for_an_ack(serve: ServeFn, empty_db: Path) -> None:
    """TCP_NODELAY on the dashboard's side of each connection: without it, each answer's body (a send
    after its headers) waited ~40 ms for the browser's delayed ACK."""
    board = serve(empty_db)
    conn = http.client.HTTPConnection("127.0.0.1", board.port, timeout=30)
    try:
        conn.request("GET", "/healthz")
        conn.getresponse().read()
        sockets = [c.transport.get_extra_info("socket") for c in board.server.server_state.connections]  # type: ignore[attr-defined]
        assert len(sockets) == 1
        assert sockets[0].getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) != 0
    finally:
        conn.close()
