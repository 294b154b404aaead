"""The Query page's schema panel: each catalog table the store has, its columns and types (from the
catalog, the one place they are declared) and, where the store can say it cheaply, its row count.

DuckDB keeps an estimate of every table's rows in its catalog (duckdb_tables().estimated_size), so the
local store answers at no cost; Timestream and Athena would bill a scan per table, so there the count
is unknown (None) and the panel says so."""

from __future__ import annotations

from dataclasses import dataclass

from dendro.catalog import SOURCES
from dendro.dashboard.backends import Backend, QueryError
from dendro.dashboard.overview import catalog_tables


@dataclass(frozen=True)
class TableInfo:
    name: str
    title: str
    rows: int | None  # None: this store cannot count without a billed scan
    columns: list[tuple[str, str]]  # (name, catalog type)


def row_counts(backend: Backend) -> dict[str, int] | None:
    if backend.store != "local":
        return None
    try:
        result = backend.query(
            "SELECT table_name, estimated_size FROM duckdb_tables() "
            "WHERE schema_name = 'main' AND NOT internal"
        )
    except QueryError:
        return None
    return {str(name): int(rows or 0) for name, rows in result.rows}


def tables(backend: Backend) -> list[TableInfo]:
    counts = row_counts(backend)
    return [
        TableInfo(
            name=t,
            title=SOURCES[t].title,
            rows=counts.get(t, 0) if counts is not None else None,
            columns=[(f.name, f.type.value) for f in SOURCES[t].columns],
        )
        for t in catalog_tables(backend)
    ]


def with_rows(infos: list[TableInfo]) -> list[str]:
    """The tables worth an example: those with rows (all of them where the count is unknown)."""
    return [i.name for i in infos if i.rows is None or i.rows > 0]
