"""`dendro status`: the stack's state, each table's last write, and the alarms (boto3, read-only)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC
from typing import Any

from dendro.stack.cdk_cli import PreflightError
from dendro.stack.names import OutputKey


@dataclass(frozen=True)
class TableStatus:
    table: str
    last_write: str | None  # event time of the newest row, as Timestream prints it
    error: str | None = None


@dataclass(frozen=True)
class PipelineStatus:
    stack_name: str
    stack_status: str
    outputs: dict[str, str]
    tables: list[TableStatus] = field(default_factory=list)
    alarms: dict[str, str] = field(default_factory=dict)  # alarm name -> OK | ALARM | INSUFFICIENT_DATA


def stack_outputs(session: Any, stack_name: str) -> tuple[str, dict[str, str]]:
    from botocore.exceptions import ClientError

    try:
        stacks = session.client("cloudformation").describe_stacks(StackName=stack_name)["Stacks"]
    except ClientError as error:
        if "does not exist" in str(error):
            raise PreflightError(
                f"stack {stack_name} does not exist in {session.region_name}: "
                "run `dendro deploy` (or pass --region)"
            ) from None
        raise
    stack = stacks[0]
    outputs = {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}
    return stack["StackStatus"], outputs


def last_writes(session: Any, database: str, tables: list[str]) -> list[TableStatus]:
    from botocore.exceptions import ClientError

    client = session.client("timestream-query")
    found = []
    for table in tables:
        query = f'SELECT max(time) AS last_write FROM "{database}"."{table}"'
        try:
            rows = _query(client, query)
        except ClientError as error:
            found.append(TableStatus(table, None, error.response.get("Error", {}).get("Message", str(error))))
            continue
        value = rows[0][0].get("ScalarValue") if rows and rows[0] else None
        found.append(TableStatus(table, value))
    return found


def iceberg_last_commits(session: Any, database: str, tables: list[str]) -> list[TableStatus]:
    """The iceberg store's tables: the time of each table's last commit, from the Glue catalog (free,
    no Athena scan). Every Firehose commit updates the table's entry (a new metadata_location); so do
    compaction and a column added by a deploy, so this is "last change", at most a commit late.
    A table whose entry was never updated after Athena created it has no data yet."""
    from botocore.exceptions import ClientError

    glue = session.client("glue")
    found = []
    for table in tables:
        try:
            described = glue.get_table(DatabaseName=database, Name=table)["Table"]
        except ClientError as error:
            found.append(TableStatus(table, None, error.response.get("Error", {}).get("Message", str(error))))
            continue
        committed = "previous_metadata_location" in described.get("Parameters", {})
        updated = described.get("UpdateTime")
        when = updated.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC") if committed and updated else None
        found.append(TableStatus(table, f"{when} (last commit)" if when else None))
    return found


def _query(client: Any, query: str) -> list[list[dict[str, Any]]]:
    # The first page may hold only a NextToken (aws-notes §1): follow tokens until there is none.
    rows: list[list[dict[str, Any]]] = []
    token = None
    while True:
        page = client.query(QueryString=query, **({"NextToken": token} if token else {}))
        rows += [row["Data"] for row in page.get("Rows", [])]
        token = page.get("NextToken")
        if not token:
            return rows


def alarm_states(session: Any, stack_name: str) -> dict[str, str]:
    # CloudFormation names the alarms `<stack>-<logical id>-<suffix>`.
    paginator = session.client("cloudwatch").get_paginator("describe_alarms")
    states = {}
    for page in paginator.paginate(AlarmNamePrefix=f"{stack_name}-"):
        for alarm in page.get("MetricAlarms", []):
            states[alarm["AlarmName"]] = alarm["StateValue"]
    return states


def pipeline_status(session: Any, stack_name: str) -> PipelineStatus:
    stack_status, outputs = stack_outputs(session, stack_name)
    tables: list[TableStatus] = []
    if outputs.get(OutputKey.STORE) == "timestream" and outputs.get(OutputKey.DATABASE_NAME):
        names = [t for t in outputs.get(OutputKey.TABLE_NAMES, "").split(",") if t]
        tables = last_writes(session, outputs[OutputKey.DATABASE_NAME], names)
    elif outputs.get(OutputKey.STORE) == "iceberg" and outputs.get(OutputKey.DATABASE_NAME):
        names = [t for t in outputs.get(OutputKey.TABLE_NAMES, "").split(",") if t]
        tables = iceberg_last_commits(session, outputs[OutputKey.DATABASE_NAME], names)
    return PipelineStatus(
        stack_name=stack_name,
        stack_status=stack_status,
        outputs=outputs,
        tables=tables,
        alarms=alarm_states(session, stack_name),
    )
