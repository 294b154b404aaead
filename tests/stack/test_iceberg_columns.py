"""One catalog, the same columns and types in every store: DuckDB (local), Timestream and Iceberg.

Each store is read as it really is: DuckDB's own catalog after migrating a real in-memory database,
Timestream's records as the ingest Lambda maps a full row of each source, and the Iceberg tables as
the synthesized stack declares them (the columns its custom resource creates).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import duckdb
import pytest

from dendro.catalog import SOURCES, FieldType, Source
from dendro.ingest_lambda.timestream import EXTRA_COLUMNS, RecordMapper
from dendro.local_pipeline.schema import DUCKDB_TYPES, migrate
from dendro.stack.schema_evolution.ddl import EVENT_ID_COLUMN
from dendro.stack.stores.iceberg import ICEBERG_TYPES
from tests.stack.conftest import Synthesized

TIMESTREAM_TYPES = {"VARCHAR": FieldType.STRING, "BIGINT": FieldType.INT, "DOUBLE": FieldType.FLOAT,
                    "BOOLEAN": FieldType.BOOL, "TIMESTAMP": FieldType.TIMESTAMP}  # fmt: skip
SAMPLE_VALUES = {FieldType.STRING: "x", FieldType.INT: 7, FieldType.FLOAT: 1.5, FieldType.BOOL: True,
                 FieldType.TIMESTAMP: datetime(2026, 11, 27, 3, tzinfo=UTC)}  # fmt: skip


def catalog_columns(source: Source) -> dict[str, FieldType]:
    return {f.name: f.type for f in source.columns}


@pytest.fixture(scope="module")
def duckdb_columns() -> dict[str, dict[str, FieldType]]:
    con = duckdb.connect(":memory:")
    migrate(con, SOURCES)
    back = {sql: kind for kind, sql in DUCKDB_TYPES.items()}
    rows = con.execute(
        "SELECT table_name, column_name, data_type FROM duckdb_columns() WHERE schema_name = 'main'"
    ).fetchall()
    tables: dict[str, dict[str, FieldType]] = {}
    for table, column, data_type in rows:
        if table in SOURCES:
            tables.setdefault(table, {})[column] = back[data_type]
    return tables


def timestream_columns(source: Source) -> dict[str, FieldType]:
    """The columns a Timestream query sees for a full row of `source`: dimensions (VARCHAR), the
    measures of the multi-measure record, and `time`, which holds the catalog's `timestamp`."""
    mapper = RecordMapper(source)
    row = tuple(SAMPLE_VALUES[f.type] for f in source.columns)
    record = mapper.to_record(row, "event-1").record
    columns = {d["Name"]: FieldType.STRING for d in record["Dimensions"]}
    columns.update({m["Name"]: TIMESTREAM_TYPES[m["Type"]] for m in record["MeasureValues"]})
    columns["timestamp"] = FieldType.TIMESTAMP  # the record's Time
    return {name: kind for name, kind in columns.items() if name not in EXTRA_COLUMNS}


def iceberg_columns(synthesized: Synthesized) -> dict[str, dict[str, FieldType]]:
    back = {sql: kind for kind, sql in ICEBERG_TYPES.items()}
    tables = synthesized.template(synthesized.iceberg).find_resources("Custom::IcebergTable")
    return {
        # Less the store's own record id, which the catalog does not declare (ddl.EVENT_ID_COLUMN).
        t["Properties"]["Table"]: {
            name: back[kind] for name, kind in t["Properties"]["Columns"] if name != EVENT_ID_COLUMN
        }
        for t in tables.values()
    }


@pytest.mark.parametrize("type_id", list(SOURCES))
def test_every_store_has_the_catalogs_columns_with_the_catalogs_types(
    type_id: str, duckdb_columns: dict[str, dict[str, FieldType]], synthesized: Synthesized
) -> None:
    source = SOURCES[type_id]
    expected = catalog_columns(source)
    stores: dict[str, Any] = {
        "duckdb": duckdb_columns[type_id],
        "timestream": timestream_columns(source),
        "iceberg": iceberg_columns(synthesized)[type_id],
    }
    assert {name: columns for name, columns in stores.items() if columns != expected} == {}
    # Same order too where the store keeps one (a SELECT * reads the same in both).
    assert list(stores["iceberg"]) == list(expected)
