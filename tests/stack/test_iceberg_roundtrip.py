"""The iceberg path proven offline by a real Iceberg implementation (issue 14).

The Firehose transform's real output for the sample logs (its records and their `otfMetadata`
routing) is written into real Iceberg tables made with pyiceberg (a SQL catalog in a temporary
directory) from the very DDL the table custom resource sends to Athena, then read back. Firehose's
own writer is not here: this test stands in for it by mapping each record's first-level JSON keys onto
the table's columns, as Firehose documents (aws-notes §3). No AWS call is made.

Checked: every routed record lands in its table and nowhere else; every column has its declared type;
timestamps come back exact to the microsecond; the partition spec is day(timestamp); adding a catalog
field (the ALTER TABLE ADD COLUMNS the handler would run) evolves the table without rewriting a file.
"""

from __future__ import annotations

import base64
import re
from collections import defaultdict
from pathlib import Path
from typing import Any

import orjson
import pyarrow as pa
import pytest
from pyiceberg.catalog.sql import SqlCatalog
from pyiceberg.partitioning import PartitionField, PartitionSpec
from pyiceberg.schema import Schema
from pyiceberg.transforms import DayTransform
from pyiceberg.types import (
    BooleanType,
    DoubleType,
    IcebergType,
    LongType,
    NestedField,
    StringType,
    TimestampType,
)

from dendro.catalog import SOURCES
from dendro.ingest_lambda.firehose_transform import OK, transform_event
from dendro.stack.schema_evolution.ddl import add_columns, create_table, plan
from dendro.stack.stores.iceberg import table_columns
from tests.ingest_lambda.test_firehose_transform import (
    DATABASE,
    ENABLED,
    SAMPLE_SOURCES,
    firehose_event,
    runtime,
    vector_events,
)

# Athena's Iceberg DDL types -> Iceberg types (Athena's "Supported data types for Iceberg tables").
ICEBERG: dict[str, IcebergType] = {
    "string": StringType(),
    "bigint": LongType(),
    "double": DoubleType(),
    "boolean": BooleanType(),
    "timestamp": TimestampType(),  # without zone: what Athena DDL creates
}
_COLUMN = re.compile(r"^\s*`((?:[^`]|``)+)` (\w+),?$", re.M)


def ddl_columns(ddl: str) -> list[tuple[str, str]]:
    """The (name, type) pairs of a CREATE TABLE or ALTER TABLE ADD COLUMNS statement, as Athena reads it."""
    if ddl.startswith("ALTER TABLE"):
        body = ddl[ddl.index("ADD COLUMNS (") + len("ADD COLUMNS (") : -1]
        return [(m[0].replace("``", "`"), m[1]) for m in re.findall(r"`((?:[^`]|``)+)` (\w+)", body)]
    return [(m[0].replace("``", "`"), m[1]) for m in _COLUMN.findall(ddl)]


def create_from_ddl(catalog: SqlCatalog, ddl: str, location: str) -> Any:
    """CREATE TABLE ... PARTITIONED BY (day(`timestamp`)), as Athena would run it: Iceberg v2."""
    name = re.match(r"CREATE TABLE IF NOT EXISTS `(\w+)`\.`(\w+)`", ddl)
    assert name, ddl
    fields = [
        NestedField(field_id=i, name=column, field_type=ICEBERG[kind], required=False)
        for i, (column, kind) in enumerate(ddl_columns(ddl), start=1)
    ]
    schema = Schema(*fields)
    [partition] = re.findall(r"PARTITIONED BY \((\w+)\(`(\w+)`\)\)", ddl)
    assert partition[0] == "day"
    source = schema.find_field(partition[1])
    spec = PartitionSpec(
        PartitionField(source_id=source.field_id, field_id=1000, transform=DayTransform(), name="day")
    )
    return catalog.create_table(
        f"{name[1]}.{name[2]}",
        schema=schema,
        partition_spec=spec,
        location=location,
        properties={"format-version": "2", "write.parquet.compression-codec": "zstd"},
    )


def firehose_write(table: Any, records: list[dict[str, Any]]) -> None:
    """What Firehose does with routed records: first-level keys onto same-named columns, absent keys
    null, values converted to the column's type (epoch microseconds for timestamps)."""
    schema = table.schema().as_arrow()
    columns = {
        field.name: pa.array([r.get(field.name) for r in records], type=field.type) for field in schema
    }
    table.append(pa.table(columns, schema=schema))


@pytest.fixture(scope="module")
def routed() -> dict[str, list[dict[str, Any]]]:
    """The transform's Ok records for every sample, grouped by the table their metadata names."""
    payloads = [e for type_id in SAMPLE_SOURCES for e in vector_events(type_id)]
    result = transform_event(firehose_event(payloads), runtime())
    tables: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for record in result["records"]:
        if record["result"] != OK:
            continue
        route = record["metadata"]["otfMetadata"]
        assert (route["destinationDatabaseName"], route["operation"]) == (DATABASE, "insert")
        tables[route["destinationTableName"]].append(orjson.loads(base64.b64decode(record["data"])))
    return dict(tables)


@pytest.fixture(scope="module")
def catalog(tmp_path_factory: pytest.TempPathFactory) -> SqlCatalog:
    warehouse = tmp_path_factory.mktemp("iceberg")
    catalog = SqlCatalog("dendro", uri=f"sqlite:///{warehouse}/catalog.db", warehouse=f"file://{warehouse}")
    catalog.create_namespace(DATABASE)
    return catalog


@pytest.fixture(scope="module")
def written(routed: dict[str, list[dict[str, Any]]], catalog: SqlCatalog, tmp_path_factory: Any) -> dict:
    root: Path = tmp_path_factory.mktemp("tables")
    tables = {}
    for type_id in sorted(ENABLED):
        location = f"file://{root}/{type_id}"
        ddl = create_table(DATABASE, type_id, table_columns(SOURCES[type_id]), f"{location}/")
        tables[type_id] = create_from_ddl(catalog, ddl, location)
    for type_id, records in routed.items():
        firehose_write(tables[type_id], records)
    return tables


def test_every_routed_record_lands_in_its_table_and_nowhere_else(
    routed: dict[str, list[dict[str, Any]]], written: dict[str, Any]
) -> None:
    # Every sampled source with a table got records routed to it (mongodb has no table here).
    assert set(routed) == ENABLED
    assert sum(len(r) for r in routed.values()) > 1000
    for type_id, table in written.items():
        rows = table.scan().to_arrow()
        assert rows.num_rows == len(routed[type_id]), type_id
        names = {name for name, _ in table_columns(SOURCES[type_id])}  # the catalog's and event_id
        # Each record is read back whole: every key it carried, with its value.
        got = sorted(orjson.dumps(_without_nulls(r, names)) for r in rows.to_pylist())
        want = sorted(orjson.dumps(_as_read(r, table)) for r in routed[type_id])
        assert got == want, type_id


def test_columns_have_their_declared_types_and_timestamps_are_exact_to_the_microsecond(
    routed: dict[str, list[dict[str, Any]]], written: dict[str, Any]
) -> None:
    for type_id, table in written.items():
        declared = dict(table_columns(SOURCES[type_id]))
        schema = table.schema()
        assert [f.name for f in schema.fields] == list(declared)
        assert {f.name: f.field_type for f in schema.fields} == {n: ICEBERG[k] for n, k in declared.items()}
        micros = sorted(r["timestamp"] for r in routed[type_id])
        read = table.scan(selected_fields=("timestamp",)).to_arrow().column("timestamp")
        assert read.type == pa.timestamp("us")
        assert sorted(read.cast(pa.int64()).to_pylist()) == micros
    # The samples do carry sub-second precision, so "exact" is tested, not vacuous.
    assert any(r["timestamp"] % 1_000_000 for rs in routed.values() for r in rs)


def test_the_partition_spec_is_day_of_timestamp(written: dict[str, Any]) -> None:
    for table in written.values():
        [field] = table.spec().fields
        assert isinstance(field.transform, DayTransform)
        assert table.schema().find_field(field.source_id).name == "timestamp"
        # And the files really are split by day: one data file per day the records span.
        partitions = table.inspect.partitions().to_pylist()
        assert partitions and all(p["partition"]["day"] is not None for p in partitions)
        days = {r.as_py().date() for r in table.scan(selected_fields=("timestamp",)).to_arrow()["timestamp"]}
        assert len(partitions) == len(days)


def test_adding_a_catalog_field_evolves_the_table_without_rewriting_data(
    routed: dict[str, list[dict[str, Any]]], written: dict[str, Any]
) -> None:
    table = written["syslog"]
    files_before = {f.file.file_path for f in table.scan().plan_files()}
    declared = [*table_columns(SOURCES["syslog"]), ("trace_id", "string")]
    existing = {f.name: _athena_type(f.field_type) for f in table.schema().fields}

    # The handler's plan and DDL for a catalog that gained a field...
    evolution = plan(existing, declared)
    assert evolution.added == (("trace_id", "string"),)
    statement = add_columns(DATABASE, "syslog", evolution.added)
    # ...applied as Athena applies ADD COLUMNS to an Iceberg table: a metadata-only schema change.
    with table.update_schema() as update:
        for name, kind in ddl_columns(statement):
            update.add_column(name, ICEBERG[kind])

    table = table.refresh()
    assert {f.file.file_path for f in table.scan().plan_files()} == files_before
    old = table.scan().to_arrow()
    assert old.num_rows == len(routed["syslog"])
    assert set(old.column("trace_id").to_pylist()) == {None}
    # New records carry the field, old ones still read.
    firehose_write(table, [{**routed["syslog"][0], "trace_id": "abc123"}])
    assert table.scan(row_filter="trace_id == 'abc123'").to_arrow().num_rows == 1
    assert table.scan().to_arrow().num_rows == len(routed["syslog"]) + 1


def _athena_type(kind: IcebergType) -> str:
    return next(name for name, iceberg in ICEBERG.items() if iceberg == kind)


def _as_read(record: dict[str, Any], table: Any) -> dict[str, Any]:
    """A transform record as a scan returns it: timestamps as datetimes, doubles as floats."""
    out = {}
    types = {f.name: f.field_type for f in table.schema().fields}
    for name, value in record.items():
        kind = types[name]
        if kind == TimestampType():
            value = pa.scalar(value, type=pa.timestamp("us")).as_py()
        elif kind == DoubleType():
            value = float(value)
        out[name] = value
    return out


def _without_nulls(row: dict[str, Any], names: set[str]) -> dict[str, Any]:
    return {k: v for k, v in row.items() if v is not None and k in names}
