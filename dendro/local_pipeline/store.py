"""The local store: a DuckDB file with one table per catalog type, `_rejects`, and Dendro's
bookkeeping (`_batches`, `_imports`). The only module that writes to it.

Exactly once. Writes are idempotent per unit of retry, not per row: two identical log lines are two
real requests, so a row's content cannot identify it. An HTTP batch is identified by the hash of its
body, since Vector retries a batch by sending the same request again; the id is stored in `_batches`
in the same transaction as the batch's rows, so a batch whose 200 was lost (crash after commit) is
acknowledged again without being stored twice. An import is identified by where it stands in the
file: `_imports` holds the offset reached, and the hash of the file's content up to it, in the same
transaction as the rows, so importing the same file again (or after a crash) resumes there, and a
different file is never mistaken for it (importer.py).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import orjson

from dendro.catalog import SOURCES
from dendro.catalog.model import Source
from dendro.ingest_lambda.batch import Batch
from dendro.ingest_lambda.validate import Row
from dendro.local_pipeline.schema import BATCHES, IMPORTS, REJECT_COLUMNS, REJECTS, insert_sql, migrate, quote

DEFAULT_DB = Path("~/.dendro/dendro.duckdb")
# A batch id is kept this long: Vector retries a lost acknowledgement within seconds to hours.
BATCH_ID_RETENTION = timedelta(days=7)

# Neither the store nor any query through it reads outside files, loads extensions or changes
# settings: the query page and `dendro query` run user SQL on these connections.
SAFE_CONFIG: Mapping[str, Any] = {
    "enable_external_access": False,
    "autoload_known_extensions": False,
    "autoinstall_known_extensions": False,
}
# Written data reaches the file at a checkpoint, when the WAL passes this size; each checkpoint
# writes its rows as a row group of their own (MAX_VACUUM_TASKS), ~85,000 nginx events at 64 MB. A
# smaller threshold makes smaller row groups that compress worse: over 1.2 million events the store
# was 1.40x DuckDB's bulk load at 32 MB, 1.11x at 64 MB (peak 232 against 250 MB), for a longer WAL
# replay after a crash (about a second).
CHECKPOINT_THRESHOLD = "64MB"
# A checkpoint's vacuum merges partly filled row groups by reading them back whole: every few
# checkpoints it held ~270 MB at once, doubling the collector's peak (518 against 250 MB over 1.2
# million events) and leaving the freed blocks in the file (store 1.20x DuckDB's bulk load, 1.13x
# without it). A row group that retention deletes whole is still dropped, which frees old days.
MAX_VACUUM_TASKS = 0
# DuckDB's memory for the store: data written since the last checkpoint, blocks it keeps cached, and
# the working memory of queries, which spill to `<db>.tmp` beyond it. DuckDB's default, 80% of the
# machine's RAM, let the collector grow with its store (cached blocks: +21 MB per million events,
# 303 MB after 3.6 million) and one GROUP BY over 10 million log lines on the query page take 2.5 GB;
# at 128 MB that query took 7.3 s instead of 4.4 s in 209 MB, and the dashboard's charts and the
# Logs page stayed within their targets (benchmarks/dashboard_queries.py, logs_search.py).
MEMORY_LIMIT = "128MB"
# Below this DuckDB soon fails instead of spilling (at 8MB a 300,000-group query ran out of memory;
# at 0MB, opening the store); tests/local/test_store.py spills a 100 MB aggregation within 32MB.
MIN_MEMORY_LIMIT = 32_000_000
_SIZE = re.compile(r"\s*(\d+(?:\.\d+)?)\s*([KMGT])(i?)B\s*", re.IGNORECASE)
# Rows go to DuckDB in INSERTs of about this many: small batches of a group share a statement (its
# fixed cost is ~0.5 ms), while a group of large batches never has all its rows in flight at once as
# JSON text, a Python list and DuckDB's copy of it (that tripled the collector's peak under overload).
INSERT_ROWS = 10_000


class StoreError(RuntimeError):
    pass


class StoreLockedError(StoreError):
    pass


def default_db_path() -> Path:
    return DEFAULT_DB.expanduser()


def connect(
    path: Path, *, read_only: bool = False, memory_limit: str = MEMORY_LIMIT
) -> duckdb.DuckDBPyConnection:
    """Open the store with SAFE_CONFIG and UTC display, then lock the configuration."""
    config = {**SAFE_CONFIG, "memory_limit": check_memory_limit(memory_limit)}
    if not read_only:
        config |= {"checkpoint_threshold": CHECKPOINT_THRESHOLD, "max_vacuum_tasks": MAX_VACUUM_TASKS}
    try:
        con = duckdb.connect(str(path), read_only=read_only, config=config)
    except (duckdb.IOException, duckdb.ConnectionException) as error:
        raise _open_error(path, error) from None
    con.execute("SET TimeZone = 'UTC'")
    con.execute("SET lock_configuration = true")
    return con


def check_memory_limit(text: str) -> str:
    """`text` if it is a size DuckDB reads (128MB, 1GB, 512MiB) of at least MIN_MEMORY_LIMIT."""
    match = _SIZE.fullmatch(text)
    if match is None:
        raise StoreError(f"memory limit {text!r} is not a size; give one such as 256MB or 1GB")
    number, unit, binary = match.groups()
    size = float(number) * (1024 if binary else 1000) ** ("KMGT".index(unit.upper()) + 1)
    if size < MIN_MEMORY_LIMIT:
        least = MIN_MEMORY_LIMIT // 1_000_000
        raise StoreError(f"memory limit {text!r} is below {least}MB, too little for DuckDB")
    return text.strip()


def _open_error(path: Path, error: duckdb.Error) -> StoreError:
    text = str(error)
    # Another process holds the file (IOException), or this one does, opened another way.
    if "lock" in text.lower() or "same database file" in text:
        pid = re.search(r"PID (\d+)", text)
        owner = f"process {pid.group(1)}" if pid else "another process"
        return StoreLockedError(
            f"{path} is in use by {owner} (a running `dendro local up`?); stop it first, "
            f"or use another file with --db"
        )
    return StoreError(f"cannot open {path}: {text.splitlines()[0]}")


@dataclass(frozen=True)
class Checkpoint:
    """How far a file's import has come: `offset` bytes, of the file whose first line hashes to
    `fingerprint` and whose first `offset` bytes hash to `content_hash`. It takes the place of the
    checkpoint of the same file it continues (`replaces`: that one's content hash)."""

    fingerprint: str
    type: str
    path: str
    offset: int
    content_hash: str
    replaces: str | None = None


@dataclass
class Write:
    """One unit of retry: all of it is stored, in one transaction, or none of it."""

    batch: Batch
    batch_id: str | None = None
    checkpoint: Checkpoint | None = None
    received: datetime = field(default_factory=lambda: datetime.now(UTC))


class Store:
    def __init__(self, con: duckdb.DuckDBPyConnection, path: Path, sources: Mapping[str, Source]) -> None:
        self.con = con
        self.path = path
        self.sources = sources
        self.columns = {t: [f.name for f in s.columns] for t, s in sources.items()}
        self.insert_sql = {t: insert_sql(s) for t, s in sources.items()}
        self.migrations: list[str] = []

    @classmethod
    def open(
        cls,
        path: Path | None = None,
        sources: Mapping[str, Source] = SOURCES,
        memory_limit: str = MEMORY_LIMIT,
    ) -> Store:
        """Open (creating if need be) the store at `path` and bring its tables up to the catalog."""
        path = (path or default_db_path()).expanduser()
        path.parent.mkdir(parents=True, exist_ok=True)
        store = cls(connect(path, memory_limit=memory_limit), path, sources)
        store.migrations = migrate(store.con, sources)
        store.con.execute(
            f"DELETE FROM {BATCHES} WHERE received < $1", [datetime.now(UTC) - BATCH_ID_RETENTION]
        )
        return store

    def cursor(self) -> duckdb.DuckDBPyConnection:
        """Another connection to the same database, for another thread (a connection is not
        thread-safe; call this from the thread that owns `con`)."""
        return self.con.cursor()

    def write(self, writes: Sequence[Write], con: duckdb.DuckDBPyConnection | None = None) -> list[bool]:
        """Commit `writes` in one transaction on `con` (default: the store's own connection). Returns,
        per write, False if it was a repeat (its batch id already stored) and so skipped. Raises, with
        nothing stored, if the transaction fails; two transactions storing the same batch id at once
        conflict on `_batches`' key, so one of them fails rather than storing it twice."""
        con = con or self.con
        # A repeat is rare (Vector resends only a batch whose answer it lost), so the batch ids are
        # first claimed blind, in one statement: DuckDB refuses the whole INSERT if one id is already
        # stored, and only then does the transaction start again, asking which ids are new. This saves
        # a statement per batch and one per group, which a 1,000-event batch feels (~2 ms of 10).
        try:
            return self._write(con, writes, known=None)
        except duckdb.ConstraintException:
            return self._write(con, writes, known=self._stored_ids(con, writes))

    def _write(
        self, con: duckdb.DuckDBPyConnection, writes: Sequence[Write], known: set[str] | None
    ) -> list[bool]:
        con.begin()
        try:
            fresh = _fresh(writes, known or set())
            self._record(con, [w for w, is_fresh in zip(writes, fresh, strict=True) if is_fresh])
            tables: dict[str, list[Row]] = {}
            rejects: list[tuple[Any, ...]] = []
            for write, is_fresh in zip(writes, fresh, strict=True):
                if not is_fresh:
                    continue
                for table, rows in write.batch.rows.items():
                    pending = tables.setdefault(table, [])
                    pending.extend(rows)
                    if len(pending) >= INSERT_ROWS:
                        self._insert(con, table, pending)
                        pending.clear()
                rejects.extend(
                    (write.received, r.type, r.reason, r.detail, r.raw) for r in write.batch.dead_letters()
                )
            for table, rows in tables.items():
                if rows:
                    self._insert(con, table, rows)
            if rejects:
                appender = con.appender(REJECTS, columns=list(REJECT_COLUMNS))
                appender.append_rows(rejects)
                appender.flush()
        except BaseException:
            con.rollback()
            raise
        con.commit()
        return fresh

    def _insert(self, con: duckdb.DuckDBPyConnection, table: str, rows: list[Row]) -> None:
        """Rows travel to DuckDB as JSON text that orjson makes from the typed values, and DuckDB's C++
        casts them back (schema.insert_sql). Handing DuckDB one string per row instead of one Python
        object per value cuts the time this holds the GIL by two thirds, which is what bounds the
        collector's throughput. The text comes from the typed row, not from what the sender sent, so
        the stored values are exactly the row's: timestamps in RFC 3339 with offset, floats in
        shortest round-trip form, strings escaped by one encoder."""
        if set(map(len, rows)) != {len(self.columns[table])}:
            raise ValueError(f"rows for {table} must have {len(self.columns[table])} values each")
        dumps = orjson.dumps
        con.execute(self.insert_sql[table], [[dumps(row).decode() for row in rows]])

    def _stored_ids(self, con: duckdb.DuckDBPyConnection, writes: Sequence[Write]) -> set[str]:
        ids = [w.batch_id for w in writes if w.batch_id]
        rows = con.execute(
            f"SELECT id FROM {BATCHES} WHERE id IN (SELECT unnest($1::VARCHAR[]))", [ids]
        ).fetchall()
        return {row[0] for row in rows}

    def _record(self, con: duckdb.DuckDBPyConnection, writes: Sequence[Write]) -> None:
        """The bookkeeping that makes the writes exactly-once, in their transaction: one statement
        for every batch id of the group."""
        batches = [w for w in writes if w.batch_id is not None]
        if len(batches) == 1:  # the usual group; VALUES costs a third less than unnesting lists
            w = batches[0]
            con.execute(
                f"INSERT INTO {BATCHES} VALUES ($1, $2, $3, $4, $5)",
                [w.batch_id, w.received, w.batch.records, w.batch.stored, w.batch.rejected],
            )
        elif batches:
            con.execute(
                f"INSERT INTO {BATCHES} SELECT unnest($1::VARCHAR[]), unnest($2::TIMESTAMPTZ[]), "
                "unnest($3::BIGINT[]), unnest($4::BIGINT[]), unnest($5::BIGINT[])",
                [
                    [w.batch_id for w in batches],
                    [w.received for w in batches],
                    [w.batch.records for w in batches],
                    [w.batch.stored for w in batches],
                    [w.batch.rejected for w in batches],
                ],
            )
        for write in writes:
            c = write.checkpoint
            if c is None:
                continue
            if c.replaces is not None and c.replaces != c.content_hash:
                con.execute(
                    f"DELETE FROM {IMPORTS} WHERE fingerprint = $1 AND type = $2 AND content_hash = $3",
                    [c.fingerprint, c.type, c.replaces],
                )
            con.execute(
                f"INSERT OR REPLACE INTO {IMPORTS} VALUES ($1, $2, $3, $4, $5, $6)",
                [c.fingerprint, c.type, c.path, c.offset, write.received, c.content_hash],
            )

    def checkpoints(self, fingerprint: str, type_id: str) -> list[tuple[int, str]]:
        """(offset, content hash) of every import of a file with this first line, furthest first."""
        rows = self.con.execute(
            f'SELECT "offset", content_hash FROM {IMPORTS} WHERE fingerprint = $1 AND type = $2 '
            'ORDER BY "offset" DESC',
            [fingerprint, type_id],
        ).fetchall()
        return [(int(offset), str(content)) for offset, content in rows]

    def count(self, table: str) -> int:
        row = self.con.execute(f"SELECT count(*) FROM {quote(table)}").fetchone()
        return int(row[0]) if row else 0

    def close(self) -> None:
        self.con.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _fresh(writes: Sequence[Write], known: set[str]) -> list[bool]:
    """Per write, whether it is to be stored: not when its batch id is `known` (stored before) or
    came earlier in the same group."""
    seen = set(known)
    fresh = []
    for write in writes:
        if write.batch_id is None:
            fresh.append(True)
        elif write.batch_id in seen:
            fresh.append(False)
        else:
            seen.add(write.batch_id)
            fresh.append(True)
    return fresh
