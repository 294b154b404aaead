"""The iceberg store as a dashboard backend: Athena (engine v3, Trino SQL) over the Glue Iceberg
tables, CloudFormation for where they are (the stack's outputs), CloudWatch for alarm states.

Tables (dendro/stack/stores/iceberg.py): one per catalog type in the stack's Glue database, exactly
the catalog's columns, event time in `timestamp` (Iceberg `timestamp`, UTC), partitioned by day of it.

Read-only by statement check (SELECT / WITH / SHOW / DESCRIBE / EXPLAIN only): Athena would otherwise
run INSERT, DELETE or DDL on Iceberg tables. The workgroup's bytes-scanned cutoff bounds what one query
costs. The dashboard's credentials need athena:StartQueryExecution / GetQueryExecution /
GetQueryResults / StopQueryExecution on the workgroup, glue:GetTable(s) / GetDatabase on the database,
s3:GetObject on the tables and the results prefix, s3:PutObject on the results prefix,
cloudformation:DescribeStacks and cloudwatch:DescribeAlarms.
"""

from __future__ import annotations

from typing import Any

from dendro.dashboard.backends import Health
from dendro.dashboard.backends.cloud import (
    aws_message,
    check_one_read,
    stack_health,
    store_outputs,
    table_names,
)
from dendro.dashboard.dialect import Athena
from dendro.local_pipeline.query import QueryError, QueryResult

READ_KEYWORDS = frozenset({"SELECT", "WITH", "SHOW", "DESCRIBE", "EXPLAIN", "VALUES"})
QUERY_TIMEOUT = 60.0


def check_read_only(sql: str) -> None:
    check_one_read(sql, service="Athena", allowed=READ_KEYWORDS, hint="SHOW TABLES")


class AthenaBackend:
    store = "iceberg"
    # The tables change once per Firehose commit (IcebergDeliveryStream's buffer, 5 minutes by default)
    # and every query is billed: pages refresh no faster than that (routes.min_refresh).
    min_refresh_seconds = 300

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
        from dendro.stack.names import OutputKey

        outputs = store_outputs(session, stack_name, "iceberg", OutputKey.ATHENA_WORKGROUP)
        return cls(
            session.client("athena"),
            session.client("cloudwatch"),
            database=outputs[OutputKey.DATABASE_NAME],
            workgroup=outputs[OutputKey.ATHENA_WORKGROUP],
            tables=table_names(outputs),
            stack_name=stack_name,
            region=session.region_name,
        )

    def tables(self) -> list[str]:
        return list(self._tables)

    def query(self, sql: str, max_rows: int | None = None) -> QueryResult:
        from botocore.exceptions import BotoCoreError, ClientError

        from dendro.cloud_query.athena import AthenaQueryError, run

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
            raise QueryError(f"Athena: {aws_message(error)}") from None
        except BotoCoreError as error:
            raise QueryError(f"Athena could not be reached: {error}") from None
        return QueryResult(result.columns, result.rows, result.truncated)

    def health(self) -> Health:
        return stack_health(self.cloudwatch, self.stack_name)

    def close(self) -> None:
        pass
