"""The `Custom::IcebergTable` handler (CDK's Provider framework calls `on_event`).

Create: CREATE TABLE IF NOT EXISTS, then add any declared column the table lacks (so a table kept from
an earlier stack with `--keep-data` is adopted and brought up to date).
Update: add the declared columns the table lacks; nothing else is ever changed or dropped.
Both then (re)create the table's `<table>_unique` view, which keeps one copy of each event (ddl.py).
Delete: remove the table from the Glue catalog (the bucket's teardown removes its files). A stack
deployed with --keep-data retains the resource, so CloudFormation never calls this for it.

Properties (strings and lists, as CloudFormation passes them): Database, Table, Location, WorkGroup,
Columns ([[name, athena type], ...] in catalog order).

The same function runs the tables' daily maintenance (`maintain`), an EventBridge rule's input.
"""

from __future__ import annotations

import os
import time
from typing import Any

from dendro.cloud_query import athena
from dendro.stack.schema_evolution.ddl import (
    EVENT_ID_COLUMN,
    MAINTENANCE_EVENT,
    Column,
    add_columns,
    compact_yesterday,
    create_table,
    delete_older,
    maintenance_properties,
    plan,
    unique_view,
    unique_view_name,
    vacuum,
)

# Athena DDL takes seconds; this bounds a stuck one well inside the function's 15-minute timeout.
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


# Seconds each maintenance phase's queries (one per table, run together) have to finish; together
# inside the function's 15-minute timeout. Compaction reads a day of data: the most time.
PHASE_TIMEOUTS = {"retention": 120.0, "compaction": 480.0, "properties": 60.0, "vacuum": 180.0}
HANDLER_TIMEOUT = 900  # the function's (tables.py), Lambda's longest


def _phase(
    athena_client: Any, workgroup: str, step: str, statements: dict[str, str], failed: dict[str, str],
    **wait: Any,
) -> None:  # fmt: skip
    """Starts one statement per table, then waits for all of them against one deadline; a table's
    failure is noted (the first per table) and never stops the others."""
    clock = wait.get("clock", time.monotonic)
    deadline = clock() + PHASE_TIMEOUTS[step]
    started = {}
    for table, sql in sorted(statements.items()):
        try:
            started[table] = athena.start(athena_client, sql, workgroup=workgroup)
        except Exception as error:  # noqa: BLE001 - reported at the end, after the other tables
            failed.setdefault(table, f"{step}: {error}")
    for table, query_id in started.items():
        try:
            athena.wait(athena_client, query_id, timeout=max(1.0, deadline - clock()), **wait)
        except Exception as error:  # noqa: BLE001 - as above
            failed.setdefault(table, f"{step}: {error}")


def maintain(job: dict[str, Any], athena_client: Any, **wait: Any) -> dict[str, str]:
    """The daily maintenance run (an EventBridge rule's input, stores/iceberg.py), in place of Glue's
    table optimizers: per table, the retention DELETE (sources with retention_days), then OPTIMIZE of
    yesterday's small files, then VACUUM (snapshot expiry, orphan files) after setting what it keeps.
    Athena bills each by the bytes it scans, 10 MB at least, against a DPU-minute per Glue run. A
    table's failure does not stop the others, and fails the run at the end so that EventBridge
    retries it (every step is idempotent)."""
    database, workgroup = job["Database"], job["WorkGroup"]
    tables = sorted(job["Tables"])
    failed: dict[str, str] = {}
    retained = {t: int(d) for t, d in job.get("RetentionDays", {}).items()}
    phases = (
        ("retention", {t: delete_older(database, t, d) for t, d in retained.items()}),
        ("compaction", {t: compact_yesterday(database, t) for t in tables}),
        ("properties", {t: maintenance_properties(database, t) for t in tables}),
        ("vacuum", {t: vacuum(database, t) for t in tables}),
    )
    for step, statements in phases:
        _phase(athena_client, workgroup, step, statements, failed, **wait)
    done = {t: "maintained" + (f", older than {retained[t]} days deleted" if t in retained else "")
            for t in tables if t not in failed}  # fmt: skip
    print({"maintenance": done, "failed": failed})  # noqa: T201 - the function's log
    if failed:
        raise RuntimeError(f"maintenance failed for {sorted(failed)}: {failed}")
    return done


def on_event(event: dict[str, Any], context: Any) -> dict[str, Any]:
    import boto3

    region = os.environ.get("AWS_REGION")
    if MAINTENANCE_EVENT in event:
        return maintain(event[MAINTENANCE_EVENT], boto3.client("athena", region_name=region))
    return handle(event, boto3.client("glue", region_name=region), boto3.client("athena", region_name=region))
