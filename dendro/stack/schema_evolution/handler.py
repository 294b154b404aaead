"""The `Custom::IcebergTable` handler (CDK's Provider framework calls `on_event`).

Create: CREATE TABLE IF NOT EXISTS, then add any declared column the table lacks (so a table kept from
an earlier stack with `--keep-data` is adopted and brought up to date).
Update: add the declared columns the table lacks; nothing else is ever changed or dropped.
Both then (re)create the table's `<table>_unique` view, which keeps one copy of each event (ddl.py).
Delete: remove the table from the Glue catalog (the bucket's teardown removes its files). A stack
deployed with --keep-data retains the resource, so CloudFormation never calls this for it.

Properties (strings and lists, as CloudFormation passes them): Database, Table, Location, WorkGroup,
Columns ([[name, athena type], ...] in catalog order).
"""

from __future__ import annotations

import os
from typing import Any

from dendro.cloud_query import athena
from dendro.stack.schema_evolution.ddl import (
    EVENT_ID_COLUMN,
    RETENTION_EVENT,
    Column,
    add_columns,
    create_table,
    delete_older,
    plan,
    unique_view,
    unique_view_name,
)

# Athena DDL takes seconds; this bounds a stuck one well inside the function's 5-minute timeout.
DDL_TIMEOUT = 240.0


def _columns(properties: dict[str, Any]) -> list[Column]:
    return [(str(name), str(kind)) for name, kind in properties["Columns"]]


def existing_columns(glue: Any, database: str, table: str) -> dict[str, str] | None:
    try:
        described = glue.get_table(DatabaseName=database, Name=table)["Table"]
    except glue.exceptions.EntityNotFoundException:
        return None
    columns = described.get("StorageDescriptor", {}).get("Columns", [])
    return {c["Name"]: c.get("Type", "") for c in columns}


def reconcile(glue: Any, athena_client: Any, properties: dict[str, Any], **wait: Any) -> dict[str, str]:
    """Create the table if missing, then add missing columns. Returns what was done, for the logs."""
    database, table = properties["Database"], properties["Table"]
    workgroup = properties["WorkGroup"]
    declared = _columns(properties)

    def run(sql: str) -> None:
        query_id = athena.start(athena_client, sql, workgroup=workgroup)
        athena.wait(athena_client, query_id, timeout=DDL_TIMEOUT, **wait)

    existing = existing_columns(glue, database, table)
    created = existing is None
    if created:
        run(create_table(database, table, declared, properties["Location"]))
        existing = existing_columns(glue, database, table) or dict(declared)
    evolution = plan(existing, declared)
    if evolution.added:
        run(add_columns(database, table, evolution.added))
    if any(name == EVENT_ID_COLUMN for name, _ in declared):
        # Replaced every time: the view lists the table's columns, which may just have grown.
        run(unique_view(database, table, declared))
    return {
        "Created": str(created).lower(),
        "AddedColumns": ",".join(name for name, _ in evolution.added),
        "KeptColumns": ",".join(evolution.kept),
    }


def physical_id(properties: dict[str, Any]) -> str:
    return f"{properties['Database']}.{properties['Table']}"


def handle(event: dict[str, Any], glue: Any, athena_client: Any, **wait: Any) -> dict[str, Any]:
    request = event["RequestType"]
    properties = event["ResourceProperties"]
    if request == "Delete":
        database, table = event["PhysicalResourceId"].split(".", 1)
        for name in (unique_view_name(table), table):
            try:
                glue.delete_table(DatabaseName=database, Name=name)
            except glue.exceptions.EntityNotFoundException:
                pass  # already gone (a failed create, a table from before the views, removed by hand)
        return {"PhysicalResourceId": event["PhysicalResourceId"]}
    data = reconcile(glue, athena_client, properties, **wait)
    print({"request": request, "table": physical_id(properties), **data})  # noqa: T201 - the CR's log
    # A new name (never the case for a catalog table) gives a new ID, and CloudFormation then deletes
    # the old table; the same name keeps the ID, so an update never replaces the table.
    return {"PhysicalResourceId": physical_id(properties), "Data": data}


def expire(job: dict[str, Any], athena_client: Any, **wait: Any) -> dict[str, str]:
    """The daily retention run (an EventBridge rule's input): one DELETE per table; a failure of one
    table does not stop the others, and fails the run at the end so that EventBridge retries it."""
    done, failed = {}, {}
    for table, days in sorted(job["Tables"].items()):
        try:
            query_id = athena.start(athena_client, delete_older(job["Database"], table, int(days)),
                                    workgroup=job["WorkGroup"])  # fmt: skip
            athena.wait(athena_client, query_id, timeout=DDL_TIMEOUT, **wait)
            done[table] = f"older than {days} days deleted"
        except Exception as error:  # noqa: BLE001 - reported below, after the other tables
            failed[table] = str(error)
    print({"retention": done, "failed": failed})  # noqa: T201 - the function's log
    if failed:
        raise RuntimeError(f"retention failed for {sorted(failed)}: {failed}")
    return done


def on_event(event: dict[str, Any], context: Any) -> dict[str, Any]:
    import boto3

    region = os.environ.get("AWS_REGION")
    if RETENTION_EVENT in event:
        return expire(event[RETENTION_EVENT], boto3.client("athena", region_name=region))
    return handle(event, boto3.client("glue", region_name=region), boto3.client("athena", region_name=region))
