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

import re
from collections.abc import Iterator
from typing import Any

from dashboard.backends import Alarm, Health
from dashboard.dialect import Timestream
from local_pipeline.query import QueryError, QueryResult

READ_KEYWORDS = frozenset({"SELECT", "WITH", "SHOW", "DESCRIBE"})
MAX_QUERY_CHARS = 262_144  # the API's QueryString limit
PAGE_ROWS = 1000  # MaxRows per page: the API's maximum

# Comments, string literals and quoted names, which may contain anything (semicolons, keywords).
_NOISE = re.compile(r"--[^\n]*|/\*.*?(?:\*/|$)|'(?:[^']|'')*'?|\"(?:[^\"]|\"\")*\"?", re.DOTALL)


def check_read_only(sql: str) -> None:
    """Refuse anything but one SELECT / WITH / SHOW / DESCRIBE statement."""
    bare = _NOISE.sub(" ", sql)
    statements = [s for s in bare.split(";") if s.strip()]
    if not statements:
        raise QueryError("no SQL statement given; try: SHOW TABLES FROM <database>")
    if len(statements) > 1:
        raise QueryError("one statement at a time: Timestream runs a single query per request")
    keyword = statements[0].split(None, 1)[0].upper()
    if keyword == "UNLOAD":
        raise QueryError("UNLOAD statements are refused: they write to S3, and this page is read-only")
    if keyword not in READ_KEYWORDS:
        raise QueryError(f"{keyword} statements are refused: run a SELECT (or SHOW / DESCRIBE)")
    if len(sql) > MAX_QUERY_CHARS:
        raise QueryError(
            f"the query is {len(sql):,} characters; Timestream takes at most {MAX_QUERY_CHARS:,}"
        )


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


def _message(error: Exception) -> str:
    response = getattr(error, "response", {}) or {}
    return str(response.get("Error", {}).get("Message") or error)


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

    @classmethod
    def from_stack(cls, session: Any, stack_name: str) -> TimestreamBackend:
        """Find the database and tables in the deployed stack's outputs (`dendro deploy` made them)."""
        from dendro_stack.names import OutputKey
        from dendro_stack.status import stack_outputs

        _, outputs = stack_outputs(session, stack_name)
        store = outputs.get(OutputKey.STORE)
        if store != "timestream" or not outputs.get(OutputKey.DATABASE_NAME):
            raise QueryError(
                f"stack {stack_name} stores its data in {store or 'an unknown store'}, not Timestream; "
                "run `dendro dashboard --store local`, or pass the --stack-name of a Timestream stack"
            )
        return cls(
            session.client("timestream-query"),
            session.client("cloudwatch"),
            database=outputs[OutputKey.DATABASE_NAME],
            tables=[t for t in outputs.get(OutputKey.TABLE_NAMES, "").split(",") if t],
            stack_name=stack_name,
            region=session.region_name,
        )

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
            raise QueryError(f"Timestream: {_message(error)}") from None
        except BotoCoreError as error:
            raise QueryError(f"Timestream could not be reached: {error}") from None
        return QueryResult(columns, rows[:max_rows] if truncated else rows, truncated)

    def health(self) -> Health:
        from botocore.exceptions import BotoCoreError, ClientError

        health = Health()
        alarms: list[Alarm] = []
        try:
            # CloudFormation names the stack's alarms `<stack>-<logical id>-<suffix>`.
            pages = self.cloudwatch.get_paginator("describe_alarms").paginate(
                AlarmNamePrefix=f"{self.stack_name}-", AlarmTypes=["MetricAlarm", "CompositeAlarm"]
            )
            for page in pages:
                for alarm in page.get("MetricAlarms", []) + page.get("CompositeAlarms", []):
                    alarms.append(
                        Alarm(alarm["AlarmName"], alarm["StateValue"], alarm.get("StateReason", ""))
                    )
        except (ClientError, BotoCoreError) as error:
            health.problems.append(f"alarm states unavailable: {_message(error)}")
        # Firing first: during an outage the alarm that fired is what the team looks for.
        order = {"ALARM": 0, "INSUFFICIENT_DATA": 1, "OK": 2}
        health.alarms = sorted(alarms, key=lambda a: (order.get(a.state, 3), a.name))
        return health

    def close(self) -> None:
        pass
