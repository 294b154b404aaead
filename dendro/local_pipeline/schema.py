"""The local store's tables, derived from the catalog: one per source type, plus Dendro's own.

This module is the one place that maps a catalog FieldType to a DuckDB column type. Tables are
created, and grown, at every start: a new source adds a table, a new field adds a column, and nothing
is ever dropped, so a catalog change never loses stored data.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dendro.catalog.model import LINE, FieldType, Source

# DuckDB spells these back the same way in duckdb_columns(), so they compare as they are.
DUCKDB_TYPES: Mapping[FieldType, str] = {
    FieldType.STRING: "VARCHAR",
    FieldType.INT: "BIGINT",
    FieldType.FLOAT: "DOUBLE",
    FieldType.BOOL: "BOOLEAN",
    FieldType.TIMESTAMP: "TIMESTAMP WITH TIME ZONE",
}

# The original log line is the widest column and is read only to show a page of lines or to search
# them: ZSTD stores it in about a third of the space DuckDB's default string compression takes, for
# scans 10-40% slower (benchmarks/logs_search.py measures both).
COMPRESSION: Mapping[str, str] = {LINE.name: "zstd"}

REJECTS = "_rejects"
BATCHES = "_batches"
IMPORTS = "_imports"

# Dendro's own tables. `_batches` remembers every committed HTTP batch by the hash of its body, so a
# batch Vector sends again (its 200 was lost) is not stored twice; `_imports` is how far each log file
# has been imported, so importing it again resumes there instead of duplicating it.
SYSTEM_TABLES: Mapping[str, str] = {
    REJECTS: "time TIMESTAMP WITH TIME ZONE, type VARCHAR, reason VARCHAR, detail VARCHAR, raw BLOB",
    BATCHES: "id VARCHAR PRIMARY KEY, received TIMESTAMP WITH TIME ZONE, records BIGINT, stored BIGINT, "
    "rejected BIGINT",
    IMPORTS: 'fingerprint VARCHAR, type VARCHAR, path VARCHAR, "offset" BIGINT, '
    "updated TIMESTAMP WITH TIME ZONE, content_hash VARCHAR, PRIMARY KEY (fingerprint, type, content_hash)",
}
REJECT_COLUMNS = ("time", "type", "reason", "detail", "raw")

# Column type changes that keep every stored value (a field widened in the catalog).
_WIDENINGS = {("BIGINT", "DOUBLE"), ("BOOLEAN", "VARCHAR"), ("BIGINT", "VARCHAR"), ("DOUBLE", "VARCHAR")}


class SchemaConflictError(RuntimeError):
    pass


def quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def column_sql(name: str, kind: FieldType) -> str:
    compression = f" USING COMPRESSION {COMPRESSION[name]}" if name in COMPRESSION else ""
    return f"{quote(name)} {DUCKDB_TYPES[kind]}{compression}"


def columns_sql(source: Source) -> str:
    return ", ".join(column_sql(f.name, f.type) for f in source.columns)


def insert_sql(source: Source) -> str:
    """INSERT of rows given as JSON arrays (one VARCHAR each, parameter $1): each element is read as
    text and cast to its column's type, which DuckDB does exactly for the text orjson writes."""
    names = ", ".join(quote(f.name) for f in source.columns)
    casts = ", ".join(f"v[{i}]::{DUCKDB_TYPES[f.type]}" for i, f in enumerate(source.columns, start=1))
    rows = "SELECT from_json(unnest($1::VARCHAR[]), '[\"VARCHAR\"]') AS v"
    return f"INSERT INTO {quote(source.type)} ({names}) SELECT {casts} FROM ({rows})"


def plan_migration(existing: Mapping[str, Mapping[str, str]], sources: Mapping[str, Source]) -> list[str]:
    """The DDL that brings a store whose tables have `existing` columns ({table: {column: type}}) up
    to the catalog. Pure, so the rules are tested without a database."""
    statements: list[str] = []
    for table, columns in SYSTEM_TABLES.items():
        if table not in existing:
            statements.append(f"CREATE TABLE {quote(table)} ({columns})")
    if existing.get(IMPORTS) and "content_hash" not in existing[IMPORTS]:
        statements += _imports_with_content_hash()
    for source in sources.values():
        table = source.type
        have = existing.get(table)
        if have is None:
            statements.append(f"CREATE TABLE {quote(table)} ({columns_sql(source)})")
            continue
        for field in source.columns:
            wanted = DUCKDB_TYPES[field.type]
            current = have.get(field.name)
            if current is None:
                column = column_sql(field.name, field.type)
                statements.append(f"ALTER TABLE {quote(table)} ADD COLUMN {column}")
            elif current != wanted:
                if (current, wanted) not in _WIDENINGS:
                    raise SchemaConflictError(
                        f"column {table}.{field.name} holds {current} but the catalog now declares "
                        f"{field.type.value} ({wanted}), which would lose stored values; rename the field "
                        f"in the catalog, or move the old data away with `ALTER TABLE {table} RENAME "
                        f"COLUMN {field.name} TO {field.name}_old` in the duckdb shell"
                    )
                statements.append(
                    f"ALTER TABLE {quote(table)} ALTER COLUMN {quote(field.name)} TYPE {wanted}"
                )
    return statements


def _imports_with_content_hash() -> list[str]:
    """`_imports` before checkpoints carried the hash of what they cover: rebuilt with the new key.
    Its rows are kept (marked 'unverified') but never resumed from, since nothing proves that a file
    with the same first line is the file they describe: such a file is imported again from its start."""
    return [
        f"ALTER TABLE {IMPORTS} RENAME TO {IMPORTS}_v1",
        f"CREATE TABLE {IMPORTS} ({SYSTEM_TABLES[IMPORTS]})",
        f"INSERT INTO {IMPORTS} SELECT fingerprint, type, path, \"offset\", updated, 'unverified' "
        f"FROM {IMPORTS}_v1",
        f"DROP TABLE {IMPORTS}_v1",
    ]


def existing_columns(con: Any) -> dict[str, dict[str, str]]:
    rows = con.execute(
        "SELECT table_name, column_name, data_type FROM duckdb_columns() "
        "WHERE database_name = current_database() AND schema_name = 'main'"
    ).fetchall()
    tables: dict[str, dict[str, str]] = {}
    for table, column, data_type in rows:
        tables.setdefault(table, {})[column] = data_type
    return tables


def migrate(con: Any, sources: Mapping[str, Source]) -> list[str]:
    """Create and grow the tables in one transaction; returns the statements it ran."""
    statements = plan_migration(existing_columns(con), sources)
    if statements:
        con.begin()
        try:
            for statement in statements:
                con.execute(statement)
        except BaseException:
            con.rollback()
            raise
        con.commit()
    return statements
