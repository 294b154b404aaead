"""The store's tables follow the catalog: created at start, grown when the catalog grows."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import duckdb
import pytest

from dendro.catalog import SOURCES
from dendro.catalog.model import Field, FieldType, Role, Source
from dendro.local_pipeline.schema import (
    DUCKDB_TYPES,
    SYSTEM_TABLES,
    SchemaConflictError,
    plan_migration,
)
from dendro.local_pipeline.store import Store

NGINX = SOURCES["nginx_access"]


def existing(source: Source) -> dict[str, dict[str, str]]:
    tables: dict[str, dict[str, str]] = {t: {} for t in SYSTEM_TABLES}
    tables[source.type] = {f.name: DUCKDB_TYPES[f.type] for f in source.columns}
    return tables


def test_every_field_type_has_a_column_type() -> None:
    assert set(DUCKDB_TYPES) == set(FieldType)


@pytest.mark.parametrize("source", SOURCES.values(), ids=list(SOURCES))
def test_every_catalog_source_gets_a_table_with_its_columns(source: Source) -> None:
    [create] = [s for s in plan_migration({}, {source.type: source}) if f'"{source.type}"' in s]

    for field in source.columns:
        assert f'"{field.name}" {DUCKDB_TYPES[field.type]}' in create


def test_an_up_to_date_store_needs_nothing() -> None:
    assert plan_migration(existing(NGINX), {NGINX.type: NGINX}) == []


def test_a_new_field_adds_a_column() -> None:
    grown = dataclasses.replace(NGINX, fields=(*NGINX.fields, Field("tls", FieldType.STRING, Role.DIMENSION)))

    assert plan_migration(existing(NGINX), {NGINX.type: grown}) == [
        'ALTER TABLE "nginx_access" ADD COLUMN "tls" VARCHAR'
    ]


def test_a_widened_field_changes_the_column_type_without_loss() -> None:
    fields = tuple(
        dataclasses.replace(f, type=FieldType.FLOAT) if f.name == "bytes" else f for f in NGINX.fields
    )

    assert plan_migration(existing(NGINX), {NGINX.type: dataclasses.replace(NGINX, fields=fields)}) == [
        'ALTER TABLE "nginx_access" ALTER COLUMN "bytes" TYPE DOUBLE'
    ]


def test_a_narrowed_field_is_refused_with_what_to_do() -> None:
    fields = tuple(
        dataclasses.replace(f, type=FieldType.INT) if f.name == "path" else f for f in NGINX.fields
    )

    with pytest.raises(SchemaConflictError, match=r"nginx_access\.path holds VARCHAR .* RENAME COLUMN"):
        plan_migration(existing(NGINX), {NGINX.type: dataclasses.replace(NGINX, fields=fields)})


def test_old_import_checkpoints_are_kept_but_never_resumed_from(tmp_path: Path) -> None:
    """Checkpoints from before content hashes: their rows stay, marked unverified, under the new key."""
    db = tmp_path / "old.duckdb"
    with duckdb.connect(str(db)) as con:
        con.execute(
            'CREATE TABLE _imports (fingerprint VARCHAR, type VARCHAR, path VARCHAR, "offset" BIGINT, '
            "updated TIMESTAMP WITH TIME ZONE, PRIMARY KEY (fingerprint, type))"
        )
        con.execute("INSERT INTO _imports VALUES ('abc', 'nginx_access', '/f', 100, now())")

    with Store.open(db) as store:
        assert store.checkpoints("abc", "nginx_access") == [(100, "unverified")]  # no hash matches it
