"""Per-source retention_days (issue 14 item 9) on the local DuckDB store: older rows go, newer stay."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb

from dendro.local_pipeline.retention import expire
from dendro.vector_configs.settings import DendroSettings

NOW = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)


def test_rows_older_than_their_sources_retention_are_deleted_and_others_kept(tmp_path: Path) -> None:
    con = duckdb.connect(str(tmp_path / "store.duckdb"))
    for table in ("syslog", "nginx_access", "host_metrics"):
        con.execute(f'CREATE TABLE {table} ("timestamp" TIMESTAMP, message VARCHAR)')
        con.executemany(
            f"INSERT INTO {table} VALUES (?, ?)",
            [((NOW - timedelta(days=age)).replace(tzinfo=None), f"{age} days") for age in (0, 6, 8, 40)],
        )
    deleted = expire(con, {"syslog": 7, "nginx_access": 30, "mysql": 1}, NOW)
    assert deleted == {"syslog": 2, "nginx_access": 1}  # mysql has no table here: skipped
    left = {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in ("syslog", "nginx_access")}
    assert left == {"syslog": 2, "nginx_access": 3}
    assert con.execute("SELECT count(*) FROM host_metrics").fetchone()[0] == 4  # no retention: all kept


def test_retention_days_come_from_dendro_toml_and_the_longest_wins(tmp_path: Path) -> None:
    config = tmp_path / "dendro.toml"
    config.write_text(
        '[[sources]]\ntype = "syslog"\nretention_days = 7\n'
        '[[sources]]\ntype = "syslog"\nname = "syslog_remote"\nretention_days = 30\n'
        '[[sources]]\ntype = "nginx_access"\n'
        '[sink]\nkind = "http"\nendpoint = "http://127.0.0.1:8686"\n'
    )
    assert DendroSettings.load(config).retention_days() == {"syslog": 30}
