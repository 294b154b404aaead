"""Every predefined chart query over a local store of 10M rows.

    python benchmarks/dashboard_queries.py [--rows 10000000] [--days 7] [--db PATH] [--runs 3]

The store is made by the store itself (`Store.open`: the catalog's tables) and filled in SQL, in time
order as ingestion writes it, `--rows` rows in all over the last `--days` days from 20 hosts: four in
five are access-log rows (nine in ten of those nginx_access, the others apache_access) of 3 services,
with ~2% 5xx and exponential request times; one in five are host metrics (CPU seconds per core and
mode, memory, load, filesystem), shaped as Vector's host_metrics sends them. Every chart query then
runs for every range preset (15m .. 30d; 7d and 30d read every row) through the dashboard's own local backend,
`--runs` times each; a query's time is its median.

Last line: max_chart_query_ms=M rows=R   (M: the slowest chart query; R: rows in the store)
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from dendro.dashboard import panels, queries  # noqa: E402
from dendro.dashboard.backends.local import LocalBackend  # noqa: E402
from dendro.dashboard.timerange import PRESETS, Window, parse_range  # noqa: E402
from dendro.local_pipeline.store import Store  # noqa: E402

HOSTS = 20
ACCESS_SHARE = 0.8
METRICS_PER_SCRAPE = 11  # the VALUES list below


def fill(path: Path, rows: int, days: int) -> int:
    """Write the store; returns its row count."""
    span = days * 86400
    with Store.open(path) as store:
        con = store.con
        end = int(time.time())
        for table, share, offset in (("nginx_access", 0.9, 0), ("apache_access", 0.1, 1)):
            n = int(rows * ACCESS_SHARE * share)
            con.execute(
                f"""
                INSERT INTO {table} (type, host, timestamp, service, status_class, status, client, request,
                                     path, method, bytes, request_time)
                SELECT '{table}', 'web-' || (i % {HOSTS}), to_timestamp({end - span} + i * {span / n}),
                       ['shop', 'api', 'static'][1 + (i // 7) % 3], s // 100 || 'xx', s,
                       '10.0.0.' || (i % 250),
                       'GET /p HTTP/1.1', '/p', 'GET', 5000, -ln(random()) * 0.05
                FROM (SELECT range + {offset} AS i,
                             CASE WHEN random() < 0.02 THEN 500 + (range % 4)
                                  WHEN random() < 0.05 THEN 404 ELSE 200 END AS s
                      FROM range({n}))
                """
            )
        samples = int(rows * (1 - ACCESS_SHARE)) // (HOSTS * METRICS_PER_SCRAPE)
        every = span / samples  # seconds between scrapes
        # One scrape: 2 cores x 3 modes of CPU seconds, memory used and total, load1, filesystem used/total.
        con.execute(
            f"""
            INSERT INTO host_metrics (type, host, timestamp, metric, kind, value, collector, cpu, mode,
                                      mountpoint)
            SELECT 'host_metrics', 'web-' || h, to_timestamp({end - span} + k * {every}), m.metric,
                   m.kind, CASE WHEN m.kind = 'counter' THEN k * {every} * m.share
                                ELSE m.base * (0.8 + 0.4 * random()) END,
                   m.collector, m.cpu, m.mode, m.mountpoint
            FROM range({samples}) AS t(k), range({HOSTS}) AS hs(h),
                 (VALUES ('cpu_seconds_total', 'counter', 0, 0.3, 'cpu', '0', 'user', NULL),
                         ('cpu_seconds_total', 'counter', 0, 0.1, 'cpu', '0', 'system', NULL),
                         ('cpu_seconds_total', 'counter', 0, 0.6, 'cpu', '0', 'idle', NULL),
                         ('cpu_seconds_total', 'counter', 0, 0.3, 'cpu', '1', 'user', NULL),
                         ('cpu_seconds_total', 'counter', 0, 0.1, 'cpu', '1', 'system', NULL),
                         ('cpu_seconds_total', 'counter', 0, 0.6, 'cpu', '1', 'idle', NULL),
                         ('memory_used_bytes', 'gauge', 3e9, 0, 'memory', NULL, NULL, NULL),
                         ('memory_total_bytes', 'gauge', 8e9, 0, 'memory', NULL, NULL, NULL),
                         ('load1', 'gauge', 1.5, 0, 'load', NULL, NULL, NULL),
                         ('filesystem_used_bytes', 'gauge', 4e10, 0, 'filesystem', NULL, NULL, '/'),
                         ('filesystem_total_bytes', 'gauge', 1e11, 0, 'filesystem', NULL, NULL, '/'))
                     AS m(metric, kind, base, share, collector, cpu, mode, mountpoint)
            ORDER BY 3
            """
        )
        con.execute("CHECKPOINT")
        return sum(store.count(t) for t in ("nginx_access", "apache_access", "host_metrics"))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=10_000_000, help="rows in the store")
    parser.add_argument("--days", type=int, default=7)
    parser.add_argument("--db", type=Path, help="reuse (or create) this store instead of a temporary one")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as scratch:
        path = args.db or Path(scratch) / "bench.duckdb"
        if path.exists():
            with Store.open(path) as store:
                total = sum(store.count(t) for t in ("nginx_access", "apache_access", "host_metrics"))
        else:
            started = time.perf_counter()
            total = fill(path, args.rows, args.days)
            print(f"filled {total:,} rows in {time.perf_counter() - started:.1f} s", file=sys.stderr)
        backend = LocalBackend.open(path)
        present = backend.tables()
        slowest = 0.0
        for preset in PRESETS:
            window = Window.last(parse_range(preset))
            for chart in panels.available(present):
                scope = queries.Scope(window, group="host" if chart.id == "requests" else "service")
                sql = chart.query(backend.dialect, scope, panels.panel_tables(chart.panel, present))
                times = []
                for _ in range(args.runs):
                    started = time.perf_counter()
                    result = backend.query(sql)
                    chart.shape(result.rows, window)
                    times.append((time.perf_counter() - started) * 1000)
                median = statistics.median(times)
                slowest = max(slowest, median)
                print(
                    f"{preset:>4} {chart.id:<12} {median:8.1f} ms  {len(result.rows):>6} rows",
                    file=sys.stderr,
                )
        print(f"max_chart_query_ms={slowest:.0f} rows={total}")


if __name__ == "__main__":
    main()
