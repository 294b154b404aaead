"""The Logs page over a local store of 10M log lines, and what keeping the original lines costs.

    python benchmarks/logs_search.py [--rows 10000000] [--days 7] [--db PATH] [--runs 20]

The store is made by the store itself (`Store.open`: the catalog's tables) and filled in SQL in time
order, as ingestion writes it: nine in ten rows are nginx_access lines from 20 hosts (~2% 5xx, paths
with ids and search words, five user agents, exponential request times), one in ten nginx_error lines
(levels error/warn/crit, a few message templates). Each row's `line` is the text the server would
have written, built from its fields in nginx's combined format (plus $request_time and
$upstream_response_time) or its error-log format: the same length and variety real lines have.

Storage: the store file after CHECKPOINT, then the same tables copied without the `line` column into a
second file: the difference is what keeping the original lines costs (DuckDB compresses each column:
dictionary, FSST for strings).

Queries go through the dashboard's own code (lines.page on the local backend), over the 24 h up to
the newest stored line, `--runs` times each with a different host / search word:
- first page: host + status class 5xx + a substring of the path;
- search: a free-text substring across every log source, no other filter;
- the histogram of that search (its own request on the page, printed but not in the last line).
Both substrings match in any case, as the page does (ILIKE).

Last line: p95_first_page_ms=A p95_search_ms=B bytes_per_million_without_line=C
           bytes_per_million_with_line=D line_share_pct=E rows=R
"""

from __future__ import annotations

import argparse
import math
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import duckdb  # noqa: E402

from dendro.catalog import SOURCES  # noqa: E402
from dendro.catalog.model import LINE  # noqa: E402
from dendro.dashboard import lines, logs  # noqa: E402
from dendro.dashboard.backends.local import LocalBackend  # noqa: E402
from dendro.dashboard.timerange import Window  # noqa: E402
from dendro.local_pipeline.demo import AGENTS, WORDS  # noqa: E402
from dendro.local_pipeline.schema import column_sql, quote  # noqa: E402
from dendro.local_pipeline.store import Store  # noqa: E402

HOSTS = 20
ERROR_SHARE = 0.1


def _list(values: tuple[str, ...]) -> str:
    return "[" + ", ".join("'" + v.replace("'", "''") + "'" for v in values) + "]"


def fill(path: Path, rows: int, days: int) -> None:
    span = days * 86400
    end = int(time.time())
    access = int(rows * (1 - ERROR_SHARE))
    errors = rows - access
    with Store.open(path) as store:
        con = store.con
        con.execute(
            f"""
            INSERT INTO nginx_access (type, host, timestamp, line, service, method, protocol, status_class,
                                      status, client, request, path, bytes, referer, user_agent,
                                      request_time, upstream_response_time)
            SELECT 'nginx_access', host, ts,
                   client || ' - - [' || strftime(ts, '%d/%b/%Y:%H:%M:%S +0000') || '] "GET ' || path
                     || ' HTTP/1.1" ' || s || ' ' || bytes || ' "-" "' || agent || '" '
                     || printf('%.3f', rt) || ' ' || printf('%.3f', rt * 0.9),
                   'nginx', 'GET', 'HTTP/1.1', s // 100 || 'xx', s, client, 'GET ' || path || ' HTTP/1.1',
                   path, bytes, NULL, agent, round(rt, 3), round(rt * 0.9, 3)
            FROM (SELECT 'web-' || (i % {HOSTS}) AS host,
                         to_timestamp({end - span} + i * {span / access}) AS ts,
                         '10.' || (i % 200) || '.' || (i * 7 % 250) || '.' || (i * 13 % 250) AS client,
                         CASE i // {HOSTS} % 4 WHEN 0 THEN '/products/' || (i * 31 % 4000)
                                    WHEN 1 THEN '/api/search?q=' || {_list(WORDS)}[1 + i // 80 % {len(WORDS)}]
                                    WHEN 2 THEN '/static/app.' || (i % 9) || '.js'
                                    ELSE '/cart' END AS path,
                         CASE WHEN random() < 0.02 THEN 500 + (i % 4)
                              WHEN random() < 0.05 THEN 404 ELSE 200 END AS s,
                         (200 + i * 97 % 40000) AS bytes,
                         {_list(AGENTS)}[1 + i // 7 % {len(AGENTS)}] AS agent,
                         -ln(random()) * 0.05 AS rt
                  FROM range({access}) AS t(i))
            """
        )
        con.execute(
            f"""
            INSERT INTO nginx_error (type, host, timestamp, line, service, level, pid, tid, connection,
                                     message, client, server, request)
            SELECT 'nginx_error', host, ts,
                   strftime(ts, '%Y/%m/%d %H:%M:%S') || ' [' || level || '] ' || pid || '#' || pid || ': *'
                     || conn || ' ' || message || ', client: ' || client || ', server: shop, request: "'
                     || request || '"',
                   'nginx', level, pid, pid, conn, message, client, 'shop', request
            FROM (SELECT 'web-' || (i % {HOSTS}) AS host,
                         to_timestamp({end - span} + i * {span / errors}) AS ts,
                         ['error', 'warn', 'crit'][1 + i % 3] AS level, 1000 + i % 64 AS pid, i AS conn,
                         CASE i % 3 WHEN 0 THEN 'upstream timed out (110: Connection timed out) '
                                                || 'while reading response header from upstream'
                                    WHEN 1 THEN 'open() "/srv/www/'
                                                || {_list(WORDS)}[1 + i // 3 % {len(WORDS)}]
                                                || '.png" failed (2: No such file or directory)'
                                    ELSE 'connect() failed (111: Connection refused) while connecting '
                                         || 'to upstream'
                         END AS message,
                         '10.' || (i % 200) || '.0.' || (i % 250) AS client,
                         'GET /products/' || (i % 4000) || ' HTTP/1.1' AS request
                  FROM range({errors}) AS t(i))
            """
        )
        con.execute("CHECKPOINT")


def copy_logs(path: Path, target: Path, *, keep_line: bool) -> int:
    """The log tables of `path` copied into a new file `target` (with or without `line`): its bytes.
    Both copies are written the same way, so the difference is the column alone."""
    target.unlink(missing_ok=True)
    con = duckdb.connect(str(target))
    con.execute(f"ATTACH '{path}' AS src (READ_ONLY)")
    for table in ("nginx_access", "nginx_error"):
        # The store's own column definitions (schema.py: `line` compressed with ZSTD).
        fields = [f for f in SOURCES[table].columns if keep_line or f is not LINE]
        names = ", ".join(quote(f.name) for f in fields)
        con.execute(f"CREATE TABLE {table} ({', '.join(column_sql(f.name, f.type) for f in fields)})")
        con.execute(f"INSERT INTO {table} SELECT {names} FROM src.{table} ORDER BY timestamp")
    con.execute("DETACH src")
    con.execute("CHECKPOINT")
    con.close()
    return target.stat().st_size


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, math.ceil(0.95 * len(ordered)) - 1)]


def timed(backend: LocalBackend, f: logs.LogFilter, tables: list[str]) -> tuple[float, int]:
    started = time.perf_counter()
    found = lines.page(backend, f, tables)
    return (time.perf_counter() - started) * 1000, len(found.lines)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--days", type=int, default=7)
    parser.add_argument("--db", type=Path, help="reuse (or keep) the store here")
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        path = args.db or folder / "logs.duckdb"
        if not path.exists():
            started = time.perf_counter()
            fill(path, args.rows, args.days)
            print(f"filled {args.rows:,} rows in {time.perf_counter() - started:.0f} s", flush=True)
        with_line = copy_logs(path, folder / "with_line.duckdb", keep_line=True)
        without_line = copy_logs(path, folder / "without_line.duckdb", keep_line=False)
        per_million = 1e6 / args.rows
        print(
            f"log tables with line: {with_line / 1e6:.1f} MB, without: {without_line / 1e6:.1f} MB",
            flush=True,
        )
        backend = LocalBackend.open(path)
        tables = logs.log_tables(backend.tables())
        # The 24 h up to the newest stored line: a reused store's data ends when it was built, and
        # "the last 24 h" of a later run would start with an hour or more of nothing.
        newest = backend.query("SELECT epoch(max(timestamp))::BIGINT FROM nginx_access").rows[0][0]
        window = Window.between(int(newest) + 1 - 86400, int(newest) + 1)
        timed(backend, logs.LogFilter(window=window), tables)  # warm: the file's first read
        first_page, search, histogram = [], [], []
        for run in range(args.runs):
            word = WORDS[run % len(WORDS)]
            f = logs.LogFilter(
                window=window, hosts=(f"web-{run % HOSTS}",), status_classes=("5xx",), text=word
            )
            ms, _ = timed(backend, f, tables)
            first_page.append(ms)
            free = logs.LogFilter(window=window, text=f"{word}.png" if run % 2 else word)
            ms, _ = timed(backend, free, tables)
            search.append(ms)
            # The page's histogram is its own request: every matching line of the range, counted.
            started = time.perf_counter()
            lines.histogram_rows(backend, free, tables)
            histogram.append((time.perf_counter() - started) * 1000)
        backend.close()
        print(
            f"first page (host + 5xx + substring): median {sorted(first_page)[len(first_page) // 2]:.0f} ms"
        )
        print(f"search (free text, every source): median {sorted(search)[len(search) // 2]:.0f} ms")
        print(f"histogram of that search (24 h): p95 {p95(histogram):.0f} ms")
        print(
            f"p95_first_page_ms={p95(first_page):.0f} p95_search_ms={p95(search):.0f} "
            f"bytes_per_million_without_line={without_line * per_million:.0f} "
            f"bytes_per_million_with_line={with_line * per_million:.0f} "
            f"line_share_pct={100 * (with_line - without_line) / with_line:.1f} rows={args.rows}"
        )


if __name__ == "__main__":
    main()
