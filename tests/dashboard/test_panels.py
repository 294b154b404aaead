"""The charts come from the catalog: every panel a source names is charted (or says where to look
instead), and every source on a charted panel has the columns its queries read."""

from __future__ import annotations

import duckdb
import pytest

from dendro.catalog import SOURCES
from dendro.catalog.model import Source
from dendro.dashboard import panels, queries
from dendro.dashboard.dialect import DuckDb, Timestream, literal
from dendro.dashboard.timerange import Window
from dendro.local_pipeline.schema import columns_sql

# What each charted panel's queries read, beyond the envelope (type, host, timestamp).
READS = {
    "red": {"service", "status", "request_time"},
    "latency": {"request_time"},
    "host": {"metric", "value", "cpu", "mode", "mountpoint", "device"},
    "log_levels": set(),
}


@pytest.mark.parametrize("source", SOURCES.values(), ids=list(SOURCES))
def test_every_panel_is_charted_or_pointed_elsewhere(source: Source) -> None:
    for panel in source.panels:
        assert panel in READS or panel in panels.NOT_CHARTED, f"{source.type}: panel {panel!r} has no chart"
        if panel in READS:
            names = {f.name for f in source.columns}
            assert READS[panel] <= names, f"{source.type} lacks {READS[panel] - names} for {panel}"


def test_charted_panels_match_the_charts() -> None:
    assert {c.panel for c in panels.CHARTS} == set(READS)


def test_a_new_red_source_joins_the_red_charts() -> None:
    present = ["nginx_access", "apache_access", "host_metrics"]
    assert panels.red_tables(present) == ["nginx_access", "apache_access"]
    assert panels.red_tables(["host_metrics"]) == []
    assert [c.id for c in panels.available(["host_metrics"])] == ["cpu", "memory", "load", "disk"]


@pytest.mark.parametrize("chart", panels.CHARTS, ids=[c.id for c in panels.CHARTS])
def test_every_chart_query_runs_on_the_catalogs_tables(chart: panels.Chart) -> None:
    """On empty tables made from the catalog, with filters on: column names and SQL must hold."""
    con = duckdb.connect()
    for source in SOURCES.values():
        con.execute(f'CREATE TABLE "{source.type}" ({columns_sql(source)})')
    scope = queries.Scope(Window.last(3600), hosts=("web-1", "it's"), services=("nginx",), group="host")
    tables = panels.panel_tables(chart.panel, list(SOURCES))
    con.execute(chart.query(DuckDb(), scope, tables)).fetchall()


def test_literals_are_quoted() -> None:
    assert literal("it's") == "'it''s'"
    scope = queries.Scope(Window.last(900), hosts=("a' OR '1'='1",))
    sql = queries.requests(Timestream("db"), scope, ["nginx_access"])
    assert "\"host\" IN ('a'' OR ''1''=''1')" in sql


def test_scope_refuses_unknown_groups() -> None:
    with pytest.raises(ValueError, match="not one of service, host"):
        queries.Scope(Window.last(900), group="path")


def test_local_percentiles_are_within_about_one_percent_of_exact() -> None:
    """The DuckDB latency query reads percentiles off a log histogram (dialect.py says why)."""
    con = duckdb.connect()
    con.execute(f"CREATE TABLE nginx_access ({columns_sql(SOURCES['nginx_access'])})")
    window = Window(start=1_767_261_600, end=1_767_261_600 + 3600, bucket=600)
    con.execute("SELECT setseed(0.42)")
    con.execute(
        "INSERT INTO nginx_access (host, service, status, timestamp, request_time) "
        f"SELECT 'web-1', 'shop', 200, to_timestamp({window.start} + i % 3600), "
        "CASE WHEN i % 50 = 0 THEN 0 ELSE -ln(random()) * 0.05 END FROM range(200000) AS r(i)"
    )  # a few zero request times, as nginx logs for cached answers
    got = con.execute(queries.latency(DuckDb(), queries.Scope(window), ["nginx_access"])).fetchall()
    exact = con.execute(
        "SELECT epoch(time_bucket(INTERVAL 600 SECOND, timestamp))::BIGINT AS t, "
        "quantile_cont(request_time * 1000, [0.5, 0.95, 0.99]) FROM nginx_access GROUP BY t ORDER BY t"
    ).fetchall()
    assert [row[0] for row in got] == [row[0] for row in exact]
    for (_, *ours), (_, truth) in zip(got, exact, strict=True):
        for value, wanted in zip(ours, truth, strict=True):
            assert abs(value - wanted) / wanted < 0.012
