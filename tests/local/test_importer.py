"""`dendro local import`'s library: real VRL over real files, resumable, never doubling rows."""

from __future__ import annotations

import gzip
from pathlib import Path
from typing import Any

from dendro.catalog import SOURCES
from dendro.local_pipeline.importer import ImportSummary, import_files
from dendro.local_pipeline.store import Store
from tests.support.samples import SAMPLES, read_lines

ACCESS_LOG = SAMPLES / "nginx_access" / "lnav_zanbil_shop_access.log"  # 1,000 lines
ERROR_LOG = SAMPLES / "nginx_error"


def import_one(db: Path, path: Path, type_id: str = "nginx_access", **options: Any) -> ImportSummary:
    with Store.open(db) as store:
        return import_files(store, [path], SOURCES[type_id], host="web-7", chunk_events=300, **options)


def stored(db: Path) -> int:
    with Store.open(db) as store:
        return store.count("nginx_access")


def test_importing_the_same_file_twice_stores_it_once(db: Path) -> None:
    first = import_one(db, ACCESS_LOG)
    second = import_one(db, ACCESS_LOG)

    assert first.events == len(read_lines(ACCESS_LOG)) == 1000
    assert first.stored + first.rejected == first.events
    assert (second.events, second.stored, second.skipped_bytes) == (0, 0, ACCESS_LOG.stat().st_size)
    with Store.open(db) as store:
        assert store.count("nginx_access") == first.stored
        assert store.count("_rejects") == first.rejected
        assert store.con.execute("SELECT DISTINCT host FROM nginx_access").fetchall() == [("web-7",)]


def test_a_log_that_grew_imports_only_its_new_lines(db: Path, tmp_path: Path) -> None:
    data = ACCESS_LOG.read_bytes()
    cut = data.index(b"\n", len(data) // 2) + 1
    log = tmp_path / "access.log"
    log.write_bytes(data[:cut])

    first = import_one(db, log)
    log.write_bytes(data)  # nginx appended the rest
    second = import_one(db, log)

    assert first.events + second.events == 1000
    assert second.skipped_bytes == cut
    assert stored(db) == first.stored + second.stored


def test_a_file_with_the_same_first_line_is_not_taken_for_the_one_imported(db: Path, tmp_path: Path) -> None:
    """Issue 10: fpB.log began with fpA.log's first line, so it was "imported before": 54 of its 1,000
    lines were stored, from the middle of a line. Now its content is checked up to the checkpoint."""
    lines = ACCESS_LOG.read_bytes().splitlines(keepends=True)
    fp_a, fp_b = tmp_path / "fpA.log", tmp_path / "fpB.log"
    fp_a.write_bytes(b"".join(lines[:900]))
    fp_b.write_bytes(lines[0] + b"".join(reversed(lines[1:])))  # same first line, then other lines

    first = import_one(db, fp_a)
    second = import_one(db, fp_b)
    again_a, again_b = import_one(db, fp_a), import_one(db, fp_b)

    assert (first.events, second.events, second.skipped_bytes) == (900, 1000, 0)
    assert stored(db) == first.stored + second.stored
    assert (again_a.events, again_b.events) == (0, 0)  # each file keeps its own checkpoint
    assert (again_a.skipped_bytes, again_b.skipped_bytes) == (fp_a.stat().st_size, fp_b.stat().st_size)


def test_a_file_rewritten_in_place_is_imported_from_its_start(db: Path, tmp_path: Path) -> None:
    """Same first line and longer than the checkpoint, but different bytes before it: never resumed."""
    lines = ACCESS_LOG.read_bytes().splitlines(keepends=True)
    log = tmp_path / "access.log"
    log.write_bytes(b"".join(lines[:500]))
    import_one(db, log)
    log.write_bytes(lines[0] + b"".join(lines[600:]) + b"".join(lines[1:500]))

    second = import_one(db, log)

    assert (second.events, second.skipped_bytes) == (900, 0)


def test_a_rotated_gzip_file(db: Path, tmp_path: Path) -> None:
    rotated = tmp_path / "access.log.2.gz"
    rotated.write_bytes(gzip.compress(ACCESS_LOG.read_bytes()))

    summary = import_one(db, rotated)
    again = import_one(db, ACCESS_LOG)  # the same content, not compressed: recognised

    assert summary.events == 1000 and again.events == 0


def test_multiline_events_are_joined_as_vector_joins_them(db: Path) -> None:
    path = next(p for p in sorted(ERROR_LOG.glob("*.log")) if b"PHP message" in p.read_bytes())

    summary = import_one(db, path, "nginx_error")

    assert summary.events < len(read_lines(path))  # continuation lines joined their first line
    with Store.open(db) as store:
        joined = store.con.execute("SELECT count(*) FROM nginx_error WHERE message LIKE '%\n%'").fetchone()
    assert joined[0] > 0


def test_progress_reports_every_byte(db: Path) -> None:
    seen: list[int] = []

    import_one(db, ACCESS_LOG, on_progress=seen.append)
    import_one(db, ACCESS_LOG, on_progress=seen.append)

    assert sum(seen) == 2 * ACCESS_LOG.stat().st_size


def test_a_slow_log_stores_its_file_header_and_one_row_per_same_second_entry(db: Path) -> None:
    # Real MySQL 5.5 slow log (elastic/beats): the file header, then eleven entries under one
    # '# Time:' (written once per second), then three entries with their own '# Time:'.
    path = SAMPLES / "mysql" / "beats_mysql_slow-ubuntu-5.5.53.log"

    summary = import_one(db, path, "mysql")

    # Five events as the multiline rule joins them; the parser makes 15 of them, as Vector's remap would.
    assert (summary.events, summary.stored, summary.rejected) == (15, 15, 0)
    with Store.open(db) as store:
        kinds = store.con.execute("SELECT kind, count(*) FROM mysql GROUP BY kind ORDER BY kind").fetchall()
        second = store.con.execute(
            "SELECT count(*), count(DISTINCT statement) FROM mysql "
            "WHERE kind = 'slow_query' AND timestamp = TIMESTAMPTZ '2016-12-09 14:37:59+00'"
        ).fetchone()
        header = store.con.execute("SELECT message, line FROM mysql WHERE kind = 'file_header'").fetchone()
    assert kinds == [("file_header", 1), ("slow_query", 14)]
    assert second == (11, 11)
    assert header[0] == "/usr/sbin/mysqld, Version: 5.5.53-0ubuntu0.12.04.1-log ((Ubuntu)). started with:"
    assert header[1].endswith("Time                 Id Command    Argument")
