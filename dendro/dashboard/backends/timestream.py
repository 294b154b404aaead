"""Timestream for LiveAnalytics as a dashboard backend: Timestream Query for the data, CloudFormation
for where it is (the stack's outputs name the database and its tables), CloudWatch for alarm states.

Table layout (ingest_lambda/timestream.py): one table per catalog type; the catalog's dimension fields
(host, service, status_class, metric ...) are dimensions, its measure fields are the columns of one
multi-measure record named `event`, and the event time is `time`.

Read-only: the Query API runs SELECT, SHOW and DESCRIBE, and UNLOAD, which writes results to S3; only
the first three are let through. The dashboard's credentials need timestream:Select,
timestream:DescribeEndpoints, cloudformation:DescribeStacks and cloudwatch:DescribeAlarms, no more.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from dendro.catalog import SOURCES
from dendro.catalog.model import FieldType
from dendro.dashboard.backends import Health
from dendro.dashboard.backends.cloud import (
    aws_message,
    check_one_read,
    stack_health,
    store_outputs,
    table_names,
)
from dendro.dashboard.dialect import Timestream, identifier
from dendro.local_pipeline.query import QueryError, QueryResult

READ_KEYWORDS = frozenset({"SELECT", "WITH", "SHOW", "DESCRIBE"})
PAGE_ROWS = 1000  # MaxRows per page: the API's maximum


def check_read_only(sql: str) -> None:
    check_one_read(sql, service="Timestream", allowed=READ_KEYWORDS, hint="SHOW TABLES FROM <database>")


def _scalar(value: str, kind: str) -> Any:
    if kind in ("BIGINT", "INTEGER"):
        return int(value)
    if kind == "DOUBLE":
        return float(value)
    if kind == "BOOLEAN":
        return value.lower() == "true"
    if kind == "TIMESTAMP":
        return value.replace(" ", "T") + "Z"  # '2026-01-01 10:00:00.000000000', always UTC
    return value


def _datum(datum: dict[str, Any], kind: dict[str, Any]) -> Any:
    """One cell of a Rows[].Data list, typed by its ColumnInfo Type."""
    if datum.get("NullValue"):
        return None
    if "ScalarValue" in datum:
        return _scalar(datum["ScalarValue"], kind.get("ScalarType", "VARCHAR"))
    if "ArrayValue" in datum:
        inner = kind.get("ArrayColumnInfo", {}).get("Type", {})
        return [_datum(d, inner) for d in datum["ArrayValue"]]
    if "RowValue" in datum:
        infos = kind.get("RowColumnInfo", [])
        cells = datum["RowValue"].get("Data", [])
        return [_datum(d, infos[i]["Type"] if i < len(infos) else {}) for i, d in enumerate(cells)]
    if "TimeSeriesValue" in datum:
        inner = kind.get("TimeSeriesMeasureValueColumnInfo", {}).get("Type", {})
        return [
            {"time": _scalar(p["Time"], "TIMESTAMP"), "value": _datum(p["Value"], inner)}
            for p in datum["TimeSeriesValue"]
        ]
    return None


# How a catalog type reads in Timestream SQL (measure values and dimensions).
SQL_TYPES = {
    FieldType.STRING: "varchar",
    FieldType.INT: "bigint",
    FieldType.FLOAT: "double",
    FieldType.BOOL: "boolean",
    FieldType.TIMESTAMP: "timestamp",
}


def absent_columns(table: str, present: set[str]) -> tuple[tuple[str, str], ...]:
    """The catalog columns of `table` that Timestream does not have yet, with their SQL types. The
    event time is Timestream's own `time`, always there."""
    source = SOURCES.get(table)
    if source is None:
        return ()
    return tuple(
        (f.name, SQL_TYPES[f.type]) for f in source.columns if f.name != "timestamp" and f.name not in present
    )


class TimestreamBackend:
    store = "timestream"

    def __init__(
        self,
        query_client: Any,
        cloudwatch: Any,
        *,
        database: str,
        tables: list[str],
        stack_name: str,
        region: str,
    ) -> None:
        self.client = query_client
        self.cloudwatch = cloudwatch
        self.dialect = Timestream(database)
        self._tables = tables
        self.stack_name = stack_name
        self.label = f"Timestream {database} ({region}, stack {stack_name})"

    def discover_columns(self) -> None:
        """Read each table's columns (DESCRIBE, no data scanned) and let the dialect stand in typed
        NULLs for the catalog columns a table does not have yet (dialect.Timestream.missing)."""
        missing = []
        for table in self._tables:
            try:
                result = self.query(f"DESCRIBE {identifier(self.dialect.database)}.{identifier(table)}")
            except QueryError:
                continue  # the chart queries will say what is wrong with the table
            present = {str(row[0]) for row in result.rows}
            absent = absent_columns(table, present)
            if absent:
                missing.append((table, absent))
        self.dialect = Timestream(self.dialect.database, missing=tuple(missing))

    @classmethod
    def from_stack(cls, session: Any, stack_name: str) -> TimestreamBackend:
        """Find the database and tables in the deployed stack's outputs (`dendro deploy` made them)."""
        from dendro.stack.names import OutputKey

        outputs = store_outputs(session, stack_name, "timestream", OutputKey.DATABASE_NAME)
        backend = cls(
            session.client("timestream-query"),
            session.client("cloudwatch"),
            database=outputs[OutputKey.DATABASE_NAME],
            tables=table_names(outputs),
            stack_name=stack_name,
            region=session.region_name,
        )
        backend.discover_columns()
        return backend

    def tables(self) -> list[str]:
        return list(self._tables)

    def _pages(self, sql: str) -> Iterator[dict[str, Any]]:
        # A page may hold no rows and only a NextToken while the query is still running: follow the
        # tokens until there is none.
        token = None
        while True:
            args: dict[str, Any] = {"QueryString": sql, "MaxRows": PAGE_ROWS}
            if token:
                args["NextToken"] = token
            page = self.client.query(**args)
            yield page
            token = page.get("NextToken")
            if not token:
                return

    def query(self, sql: str, max_rows: int | None = None) -> QueryResult:
        from botocore.exceptions import BotoCoreError, ClientError

        check_read_only(sql)
        columns: list[str] = []
        kinds: list[dict[str, Any]] = []
        rows: list[list[Any]] = []
        truncated = False
        try:
            for page in self._pages(sql):
                if not columns and page.get("ColumnInfo"):
                    columns = [c.get("Name", "") for c in page["ColumnInfo"]]
                    kinds = [c.get("Type", {}) for c in page["ColumnInfo"]]
                for row in page.get("Rows", []):
                    rows.append([_datum(d, kinds[i]) for i, d in enumerate(row["Data"])])
                if max_rows is not None and len(rows) > max_rows:
                    truncated = True
                    if page.get("NextToken"):
                        # Stop the rest of the query, which would otherwise keep scanning (and billing).
                        self.client.cancel_query(QueryId=page["QueryId"])
                    break
        except ClientError as error:
            raise QueryError(f"Timestream: {aws_message(error)}") from None
        except BotoCoreError as error:
            raise QueryError(f"Timestream could not be reached: {error}") from None
        return QueryResult(columns, rows[:max_rows] if truncated else rows, truncated)

    def health(self) -> Health:
        return stack_health(self.cloudwatch, self.stack_name)

    def close(self) -> None:
        pass
