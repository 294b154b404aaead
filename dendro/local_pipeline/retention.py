"""Per-source data retention (`retention_days` in dendro.toml) for the local store: rows whose event
time is older than their source's retention are deleted. The AWS stores enforce the same settings
(Timestream's magnetic retention per table; a daily Athena DELETE on each Iceberg table)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta

import duckdb

SWEEP_SECONDS = 3600.0  # an hour: retention is counted in days


def expire(con: duckdb.DuckDBPyConnection, retention: Mapping[str, int], now: datetime) -> dict[str, int]:
    """Delete each table's rows older than its retention; returns the rows deleted per table."""
    present = {row[0] for row in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
    deleted = {}
    for table, days in sorted(retention.items()):
        if table not in present:
            continue
        cutoff = (now - timedelta(days=days)).astimezone(UTC).replace(tzinfo=None)
        quoted = '"' + table.replace('"', '""') + '"'
        # DuckDB answers a DELETE with the number of rows it deleted.
        result = con.execute(f'DELETE FROM {quoted} WHERE "timestamp" < $1', [cutoff]).fetchone()
        deleted[table] = int(result[0]) if result else 0
    return deleted


def start_sweeper(
    cursor: Callable[[], duckdb.DuckDBPyConnection],
    retention: Mapping[str, int],
    *,
    every: float = SWEEP_SECONDS,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> threading.Event:
    """Expire now, then every `every` seconds on a daemon thread; set the returned event to stop."""
    stop = threading.Event()

    def run() -> None:
        while True:
            with cursor() as con:
                expire(con, retention, clock())
            if stop.wait(every):
                return

    if retention:
        threading.Thread(target=run, name="dendro-retention", daemon=True).start()
    return stop
