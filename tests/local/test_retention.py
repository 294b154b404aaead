"""Per-source retention_days (issue 14 item 9) on the local DuckDB store: older rows go, newer stay."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb

from dendro.local_pipeline.retention import expire
from dendro.local_pipeline.store import Store
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


def test_the_stores_checkpoints_do_not_merge_row_groups_but_expired_ones_still_free_space(
    tmp_path: Path,
) -> None:
    # A checkpoint's vacuum read partly filled row groups back whole to merge them, which doubled the
    # collector's peak memory (store.MAX_VACUUM_TASKS). Without it, what retention deletes must still
    # leave the file: a row group deleted whole is dropped and its blocks are free for new rows.
    store = Store.open(tmp_path / "store.duckdb")
    con = store.con
    for day in range(4):  # one checkpoint per day, as a collector checkpoints as its WAL fills
        con.execute(
            "INSERT INTO nginx_access (type, host, timestamp, line) SELECT 'nginx_access', 'web', "
            f"$1::TIMESTAMPTZ + to_seconds(i), md5(i::VARCHAR) || md5((i * {day + 7})::VARCHAR) "
            "FROM range(50000) AS t(i)",
            [NOW - timedelta(days=40 - day)],
        )
        con.execute("CHECKPOINT")
    row_groups = "SELECT count(DISTINCT row_group_id) FROM pragma_storage_info('nginx_access')"
    assert con.execute(row_groups).fetchone() == (4,)  # merged, 200,000 rows would be 2

    free = "SELECT free_blocks FROM pragma_database_size()"
    assert con.execute(free).fetchone() == (0,)
    assert expire(con, {"nginx_access": 38}, NOW) == {"nginx_access": 100_000}  # the first two days
    con.execute("CHECKPOINT")
    assert con.execute(row_groups).fetchone() == (2,)
    (freed,) = con.execute(free).fetchone()
    assert freed > 0
    store.close()
