"""The iceberg store as a dashboard backend: Athena (engine v3, Trino SQL) over the Glue Iceberg
tables, CloudFormation for where they are (the stack's outputs), CloudWatch for alarm states.

Tables (dendro_stack/stores/iceberg.py): one per catalog type in the stack's Glue database, exactly
the catalog's columns, event time in `timestamp` (Iceberg `timestamp`, UTC), partitioned by day of it.

Read-only by statement check (SELECT / WITH / SHOW / DESCRIBE / EXPLAIN only): Athena would otherwise
run INSERT, DELETE or DDL on Iceberg tables. The workgroup's bytes-scanned cutoff bounds what one query
costs. The dashboard's credentials need athena:StartQueryExecution / GetQueryExecution /
GetQueryResults / StopQueryExecution on the workgroup, glue:GetTable(s) / GetDatabase on the database,
s3:GetObject on the tables and the results prefix, s3:PutObject on the results prefix,
cloudformation:DescribeStacks and cloudwatch:DescribeAlarms.
"""

from __future__ import annotations

import re
from typing import Any

from dashboard.backends import Alarm, Health
from dashboard.dialect import Athena
from local_pipeline.query import QueryError, QueryResult

READ_KEYWORDS = frozenset({"SELECT", "WITH", "SHOW", "DESCRIBE", "EXPLAIN", "VALUES"})
MAX_QUERY_CHARS = 262_144  # StartQueryExecution's QueryString limit
QUERY_TIMEOUT = 60.0

# Comments, string literals and quoted names, which may contain anything (semicolons, keywords).
_NOISE = re.compile(r"--[^\n]*|/\*.*?(?:\*/|$)|'(?:[^']|'')*'?|\"(?:[^\"]|\"\")*\"?|`[^`]*`?", re.DOTALL)


def check_read_only(sql: str) -> None:
    bare = _NOISE.sub(" ", sql)
    statements = [s for s in bare.split(";") if s.strip()]
    if not statements:
        raise QueryError("no SQL statement given; try: SHOW TABLES")
    if len(statements) > 1:
        raise QueryError("one statement at a time: Athena runs a single query per request")
    keyword = statements[0].split(None, 1)[0].upper()
    if keyword not in READ_KEYWORDS:
        raise QueryError(
            f"{keyword} statements are refused: the dashboard is read-only; run a SELECT (or SHOW / DESCRIBE)"
        )
    if len(sql) > MAX_QUERY_CHARS:
        raise QueryError(f"the query is {len(sql):,} characters; Athena takes at most {MAX_QUERY_CHARS:,}")


def _message(error: Exception) -> str:
    response = getattr(error, "response", {}) or {}
    return str(response.get("Error", {}).get("Message") or error)


class AthenaBackend:
    store = "iceberg"

    def __init__(
        self,
        athena_client: Any,
        cloudwatch: Any,
        *,
        database: str,
        workgroup: str,
        tables: list[str],
        stack_name: str,
        region: str,
        timeout: float = QUERY_TIMEOUT,
    ) -> None:
        self.client = athena_client
        self.cloudwatch = cloudwatch
        self.dialect = Athena(database)
        self.database = database
        self.workgroup = workgroup
        self._tables = tables
        self.stack_name = stack_name
        self.timeout = timeout
        self.label = f"Athena {database} ({region}, stack {stack_name})"

    @classmethod
    def from_stack(cls, session: Any, stack_name: str) -> AthenaBackend:
        """Find the database, tables and workgroup in the deployed stack's outputs."""
        from dendro_stack.names import OutputKey
        from dendro_stack.status import stack_outputs

        _, outputs = stack_outputs(session, stack_name)
        store = outputs.get(OutputKey.STORE)
        if store != "iceberg" or not outputs.get(OutputKey.ATHENA_WORKGROUP):
            raise QueryError(
                f"stack {stack_name} stores its data in {store or 'an unknown store'}, not Iceberg; "
                f"run `dendro dashboard --store {store or 'local'}`, or pass the --stack-name of an "
                "iceberg stack"
            )
        return cls(
            session.client("athena"),
            session.client("cloudwatch"),
            database=outputs[OutputKey.DATABASE_NAME],
            workgroup=outputs[OutputKey.ATHENA_WORKGROUP],
            tables=[t for t in outputs.get(OutputKey.TABLE_NAMES, "").split(",") if t],
            stack_name=stack_name,
            region=session.region_name,
        )

    def tables(self) -> list[str]:
        return list(self._tables)

    def query(self, sql: str, max_rows: int | None = None) -> QueryResult:
        from botocore.exceptions import BotoCoreError, ClientError

        from cloud_query.athena import AthenaQueryError, run

        check_read_only(sql)
        try:
            result = run(
                self.client,
                sql,
                workgroup=self.workgroup,
                database=self.database,
                max_rows=max_rows,
                timeout=self.timeout,
            )
        except AthenaQueryError as error:
            raise QueryError(str(error)) from None
        except ClientError as error:
            raise QueryError(f"Athena: {_message(error)}") from None
        except BotoCoreError as error:
            raise QueryError(f"Athena could not be reached: {error}") from None
        return QueryResult(result.columns, result.rows, result.truncated)

    def health(self) -> Health:
        from botocore.exceptions import BotoCoreError, ClientError

        health = Health()
        alarms: list[Alarm] = []
        try:
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
        order = {"ALARM": 0, "INSUFFICIENT_DATA": 1, "OK": 2}
        health.alarms = sorted(alarms, key=lambda a: (order.get(a.state, 3), a.name))
        return health

    def close(self) -> None:
        pass
