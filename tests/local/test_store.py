"""The DuckDB store: rows and rejects in one transaction, batch ids and import checkpoints for
exactly-once, schema growth without data loss."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest

from dendro.catalog import SOURCES
from dendro.catalog.model import Field, FieldType, Role, Source
from dendro.ingest_lambda.batch import Batch
from dendro.ingest_lambda.route import Router
from dendro.local_pipeline.store import Checkpoint, Store, StoreLockedError, Write
from tests.events import load_event
from tests.ingest_lambda.test_route import line, mixed_batch


def nginx_batch(count: int = 3) -> bytes:
    event = load_event("nginx_access_event")
    return b"\n".join(line({**event, "path": f"/p/{n}"}) for n in range(count))


def test_rows_and_rejects_land_in_their_tables(db: Path) -> None:
    body, expected = mixed_batch()

    with Store.open(db) as store:
        store.write([Write(Router().ingest(body))])
        rejects = store.con.execute("SELECT reason, type, octet_length(raw) FROM _rejects").fetchall()
        assert store.count("nginx_access") == 7 and store.count("host_metrics") == 1

    assert sorted(r[0] for r in rejects) == sorted(expected.values())
    assert max(r[2] for r in rejects) > 2_000_000  # raw bytes stored whole


def test_a_batch_id_is_stored_once(db: Path) -> None:
    batch = Router().ingest(nginx_batch())

    with Store.open(db) as store:
        first = store.write([Write(batch, "id-1"), Write(batch, "id-1")])  # a retry in the same group
        second = store.write([Write(batch, "id-1"), Write(batch, "id-2")])
        count = store.count("nginx_access")

    assert (first, second, count) == ([True, False], [False, True], 6)


def test_a_failed_transaction_stores_nothing(db: Path) -> None:
    batch = Router().ingest(nginx_batch())
    row = batch.rows["nginx_access"][0]
    status = [f.name for f in SOURCES["nginx_access"].columns].index("status")
    # DuckDB refuses a status that is not a number
    batch.rows["nginx_access"].append((*row[:status], "not a number", *row[status + 1 :]))

    with Store.open(db) as store:
        with pytest.raises(duckdb.ConversionException):
            store.write([Write(batch, "id-1")])
        assert store.count("nginx_access") == 0
        assert store.count("_batches") == 0


PROBE = Source(
    type="probe",
    title="every field type",
    collectors=(),
    fields=tuple(Field(f"{kind.value}_value", kind, Role.MEASURE) for kind in FieldType),
)


def test_values_are_stored_exactly(db: Path) -> None:
    # Rows reach DuckDB as JSON text: hard cases for that trip must come back unchanged.
    when = datetime(2026, 3, 2, 4, 5, 6, 789012, tzinfo=UTC)
    rows = [
        ("probe", "h", when, 'quote " back\\slash \u2028 é 日本 \x00 nul', -(2**63), 0.1, True, when),
        ("probe", "h", when, "", 2**63 - 1, 5e-324, False, None),
        ("probe", "h", when, None, None, 1.7976931348623157e308, None, datetime(1970, 1, 1, tzinfo=UTC)),
        ("probe", "h", when, "1e5", 0, -123456.789e-10, None, when.replace(microsecond=0)),
    ]
    batch = Batch(rows={"probe": rows})

    with Store.open(db, {"probe": PROBE}) as store:
        store.write([Write(batch)])
        stored = store.con.execute("SELECT * FROM probe").fetchall()

    assert sorted(stored, key=lambda r: (r[4] is None, r[4])) == sorted(
        rows, key=lambda r: (r[4] is None, r[4])
    )


def test_rows_of_the_wrong_width_are_refused(db: Path) -> None:
    batch = Router().ingest(nginx_batch())
    batch.rows["nginx_access"].append(("not", "a", "row"))

    width = len(SOURCES["nginx_access"].columns)
    with Store.open(db) as store, pytest.raises(ValueError, match=f"must have {width} values"):
        store.write([Write(batch)])


def test_checkpoints(db: Path) -> None:
    with Store.open(db) as store:
        assert store.checkpoints("abc", "nginx_access") == []
        previous = None
        for offset, content in ((100, "h100"), (250, "h250")):
            checkpoint = Checkpoint("abc", "nginx_access", "/f", offset, content, previous)
            store.write([Write(Router().ingest(b""), checkpoint=checkpoint)])
            previous = content
        assert store.checkpoints("abc", "nginx_access") == [(250, "h250")]  # each replaces the last
        other = Checkpoint("abc", "nginx_access", "/g", 80, "other")  # same first line, another file
        store.write([Write(Router().ingest(b""), checkpoint=other)])
        assert store.checkpoints("abc", "nginx_access") == [(250, "h250"), (80, "other")]
        assert store.checkpoints("abc", "syslog") == []


def test_catalog_growth_keeps_stored_data(db: Path) -> None:
    # Given a store written with today's catalog
    with Store.open(db) as store:
        store.write([Write(Router().ingest(nginx_batch(5)))])
    # When the catalog gains a field on nginx_access and a whole new source
    nginx = SOURCES["nginx_access"]
    grown = {
        **SOURCES,
        "nginx_access": dataclasses.replace(
            nginx, fields=(*nginx.fields, Field("tls", FieldType.STRING, Role.DIMENSION))
        ),
        "caddy_access": Source(type="caddy_access", title="Caddy", collectors=(), fields=(nginx.fields[0],)),
    }
    with Store.open(db, grown) as store:
        # Then the column and the table are added, and the old rows are still there
        assert store.migrations == [
            'ALTER TABLE "nginx_access" ADD COLUMN "tls" VARCHAR',
            'CREATE TABLE "caddy_access" ("type" VARCHAR, "host" VARCHAR, '
            '"timestamp" TIMESTAMP WITH TIME ZONE, "service" VARCHAR)',
        ]
        assert store.con.execute("SELECT count(*), count(tls) FROM nginx_access").fetchone() == (5, 0)
    # And opening with the old catalog again drops nothing
    with Store.open(db) as store:
        assert store.migrations == []
        assert store.count("nginx_access") == 5


def test_a_store_held_by_another_process_says_so(db: Path) -> None:
    Store.open(db).close()
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            f"import duckdb, sys; c = duckdb.connect({str(db)!r}); print(1, flush=True); sys.stdin.read()",
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline()
        with pytest.raises(StoreLockedError, match=rf"in use by process {holder.pid} .*dendro local up"):
            Store.open(db)
    finally:
        holder.communicate("")


def test_a_query_beyond_the_memory_limit_spills_to_disk_instead_of_failing(db: Path) -> None:
    # The store's DuckDB has a memory limit (store.MEMORY_LIMIT) and no access to outside files
    # (SAFE_CONFIG): the query page's heavy GROUP BY must still finish, in DuckDB's own temp files.
    with Store.open(db, memory_limit="32MB") as store:
        con = store.con
        assert con.execute("SELECT current_setting('memory_limit')").fetchone() == ("30.5 MiB",)
        con.execute(
            "INSERT INTO nginx_access (type, host, timestamp, line) SELECT 'nginx_access', 'web', now(), "
            "md5(i::VARCHAR) || md5((i + 1)::VARCHAR) FROM range(1000000) AS t(i)"
        )
        # About 100 MB of groups (one per distinct 64-character line) against 32 MB.
        groups, largest = con.execute(
            "SELECT count(*), max(n) FROM (SELECT line, count(*) AS n FROM nginx_access GROUP BY line)"
        ).fetchone()
        assert (groups, largest) == (1_000_000, 1)
