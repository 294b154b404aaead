"""The `Custom::IcebergTable` handler against botocore's Stubber (AWS is never called): each Glue and
Athena request is checked against the service model, and the DDL it runs is the one asserted."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.stub import ANY, Stubber

from dendro.stack.schema_evolution import handler
from dendro.stack.schema_evolution.ddl import (
    SchemaConflictError,
    add_columns,
    compact_yesterday,
    create_table,
    delete_older,
    maintenance_properties,
    plan,
    unique_view,
    vacuum,
)

PROPERTIES = {
    "ServiceToken": "arn:aws:lambda:eu-west-1:123456789012:function:provider",
    "Database": "dendro",
    "Table": "syslog",
    "Location": "s3://dendro-bucket/iceberg/syslog/",
    "WorkGroup": "Dendro",
    "Columns": [["type", "string"], ["host", "string"], ["timestamp", "timestamp"], ["message", "string"]],
}


class Clients:
    def __init__(self) -> None:
        kwargs = {
            "region_name": "eu-west-1",
            "aws_access_key_id": "testing",
            "aws_secret_access_key": "testing",
        }
        self.glue = boto3.client("glue", **kwargs)
        self.athena = boto3.client("athena", **kwargs)
        self.glue_stub = Stubber(self.glue)
        self.athena_stub = Stubber(self.athena)
        self.sql: list[str] = []

    def table(self, columns: list[tuple[str, str]] | None) -> None:
        params = {"DatabaseName": "dendro", "Name": "syslog"}
        if columns is None:
            self.glue_stub.add_client_error("get_table", "EntityNotFoundException", expected_params=params)
            return
        table = {
            "Name": "syslog",
            "DatabaseName": "dendro",
            "StorageDescriptor": {"Columns": [{"Name": n, "Type": t} for n, t in columns]},
            "Parameters": {"table_type": "ICEBERG"},
        }
        self.glue_stub.add_response("get_table", {"Table": table}, params)

    def ddl(self, query_id: str, states: tuple[str, ...] = ("RUNNING", "SUCCEEDED")) -> None:
        sql = self.sql

        class Sql:
            def __eq__(self, other: object) -> bool:
                sql.append(str(other))
                return True

        self.athena_stub.add_response(
            "start_query_execution",
            {"QueryExecutionId": query_id},
            {"QueryString": Sql(), "WorkGroup": "Dendro"},
        )
        for state in states:
            self.athena_stub.add_response(
                "get_query_execution",
                {"QueryExecution": {"QueryExecutionId": query_id, "Status": {"State": state}}},
                {"QueryExecutionId": query_id},
            )

    def handle(self, event: dict[str, Any]) -> dict[str, Any]:
        return handler.handle(event, self.glue, self.athena, sleep=lambda _: None)

    def assert_done(self) -> None:
        self.glue_stub.assert_no_pending_responses()
        self.athena_stub.assert_no_pending_responses()


@pytest.fixture
def aws() -> Iterator[Clients]:
    clients = Clients()
    with clients.glue_stub, clients.athena_stub:
        yield clients


def test_create_makes_a_day_partitioned_iceberg_table_with_athena_ddl(aws: Clients) -> None:
    aws.table(None)
    aws.ddl("q-create")
    aws.table([(n, t) for n, t in PROPERTIES["Columns"]])

    answer = aws.handle({"RequestType": "Create", "ResourceProperties": PROPERTIES})

    assert answer == {
        "PhysicalResourceId": "dendro.syslog",
        "Data": {"Created": "true", "AddedColumns": "", "KeptColumns": ""},
    }
    [sql] = aws.sql
    assert sql == create_table(
        "dendro", "syslog", [tuple(c) for c in PROPERTIES["Columns"]], PROPERTIES["Location"]
    )
    assert "PARTITIONED BY (day(`timestamp`))" in sql and "'table_type'='ICEBERG'" in sql
    assert "`timestamp` timestamp" in sql  # reserved words are quoted
    aws.assert_done()


def test_an_update_that_adds_a_field_only_adds_that_column(aws: Clients) -> None:
    old = PROPERTIES["Columns"]
    new = {**PROPERTIES, "Columns": [*old, ["facility", "string"]]}
    aws.table([(n, t) for n, t in old])
    aws.ddl("q-alter")

    answer = aws.handle(
        {
            "RequestType": "Update",
            "PhysicalResourceId": "dendro.syslog",
            "ResourceProperties": new,
            "OldResourceProperties": PROPERTIES,
        }  # fmt: skip
    )

    # The same physical ID: CloudFormation updates the table in place, it never replaces it.
    assert answer["PhysicalResourceId"] == "dendro.syslog"
    assert aws.sql == ["ALTER TABLE `dendro`.`syslog` ADD COLUMNS (`facility` string)"]
    assert answer["Data"]["AddedColumns"] == "facility"
    aws.assert_done()


def test_a_table_kept_from_an_earlier_stack_is_adopted_and_brought_up_to_date(aws: Clients) -> None:
    aws.table([("type", "string"), ("host", "string"), ("timestamp", "timestamp"), ("retired", "bigint")])
    aws.ddl("q-alter")

    answer = aws.handle({"RequestType": "Create", "ResourceProperties": PROPERTIES})

    assert aws.sql == [add_columns("dendro", "syslog", [("message", "string")])]
    # A column the catalog dropped keeps its data: never dropped from the table.
    assert answer["Data"] == {"Created": "false", "AddedColumns": "message", "KeptColumns": "retired"}
    aws.assert_done()


def test_a_changed_type_fails_the_update_with_what_to_do(aws: Clients) -> None:
    aws.table([("type", "string"), ("host", "string"), ("timestamp", "timestamp"), ("message", "bigint")])
    with pytest.raises(
        SchemaConflictError, match="message is bigint in the table but the catalog declares string"
    ):
        aws.handle(
            {"RequestType": "Update", "PhysicalResourceId": "dendro.syslog", "ResourceProperties": PROPERTIES}
        )


def test_failed_ddl_fails_the_deployment_with_athenas_reason(aws: Clients) -> None:
    aws.table(None)
    aws.athena_stub.add_response(
        "start_query_execution", {"QueryExecutionId": "q-1"}, {"QueryString": ANY, "WorkGroup": "Dendro"}
    )
    aws.athena_stub.add_response(
        "get_query_execution",
        {"QueryExecution": {"QueryExecutionId": "q-1",
                            "Status": {"State": "FAILED", "StateChangeReason": "Access denied on s3://x"}}},
        {"QueryExecutionId": "q-1"},
    )  # fmt: skip
    with pytest.raises(Exception, match="Athena query failed: Access denied on s3://x"):
        aws.handle({"RequestType": "Create", "ResourceProperties": PROPERTIES})


def test_delete_removes_the_catalog_entry_and_tolerates_one_already_gone(aws: Clients) -> None:
    params = {"DatabaseName": "dendro", "Name": "syslog"}
    view = {"DatabaseName": "dendro", "Name": "syslog_unique"}
    aws.glue_stub.add_response("delete_table", {}, view)
    aws.glue_stub.add_response("delete_table", {}, params)
    aws.glue_stub.add_client_error("delete_table", "EntityNotFoundException", expected_params=view)
    aws.glue_stub.add_client_error("delete_table", "EntityNotFoundException", expected_params=params)
    event = {"RequestType": "Delete", "PhysicalResourceId": "dendro.syslog", "ResourceProperties": PROPERTIES}

    assert aws.handle(event) == {"PhysicalResourceId": "dendro.syslog"}
    assert aws.handle(event) == {"PhysicalResourceId": "dendro.syslog"}
    aws.assert_done()


def test_the_plan_never_drops_and_compares_names_case_insensitively() -> None:
    evolution = plan({"Type": "STRING", "old": "string"}, [("type", "string"), ("new", "double")])
    assert (evolution.added, evolution.kept) == ((("new", "double"),), ("old",))


def test_a_table_with_event_ids_gets_its_unique_view_after_each_change(aws: Clients) -> None:
    """Issue 14 item 8: Iceberg appends a redelivered record again; `<table>_unique` keeps one copy."""
    columns = [*PROPERTIES["Columns"], ["event_id", "string"]]
    props = {**PROPERTIES, "Columns": columns}
    aws.table([(n, t) for n, t in PROPERTIES["Columns"]])  # an older table, without the id column
    aws.ddl("q-add")
    aws.ddl("q-view")

    answer = aws.handle({"RequestType": "Update", "ResourceProperties": props})

    assert answer["Data"]["AddedColumns"] == "event_id"
    add, view = aws.sql
    assert add == add_columns("dendro", "syslog", [("event_id", "string")])
    assert view == unique_view("dendro", "syslog", [tuple(c) for c in columns])
    assert view.startswith('CREATE OR REPLACE VIEW "dendro"."syslog_unique" AS')
    aws.assert_done()


def test_the_unique_view_keeps_one_row_per_event_and_every_row_without_an_id() -> None:
    """The view's SQL run by DuckDB (the same window-function SQL Athena's Trino engine runs)."""
    import duckdb

    columns = [("host", "string"), ("timestamp", "timestamp"), ("message", "string"), ("event_id", "string")]
    db = duckdb.connect()
    db.execute('CREATE SCHEMA dendro; CREATE TABLE dendro.syslog (host VARCHAR, "timestamp" TIMESTAMP, '
               "message VARCHAR, event_id VARCHAR)")  # fmt: skip
    rows = [
        ("h", "2026-12-02 10:00:00", "a", "id-1"),
        ("h", "2026-12-02 10:00:00", "a", "id-1"),  # the same event delivered twice
        ("h", "2026-12-02 10:00:00", "a", "id-2"),  # an identical line that is another event
        ("h", "2026-12-02 10:00:01", "b", None),  # written before the id column existed
        ("h", "2026-12-02 10:00:01", "b", None),
    ]
    db.executemany("INSERT INTO dendro.syslog VALUES (?, ?, ?, ?)", rows)
    db.execute(unique_view("dendro", "syslog", columns))
    got = db.execute(
        "SELECT event_id, count(*) FROM dendro.syslog_unique WHERE \"timestamp\" >= TIMESTAMP '2026-12-02' "
        "GROUP BY ALL ORDER BY ALL"
    ).fetchall()
    assert got == [("id-1", 1), ("id-2", 1), (None, 2)]


def _phase(aws: Clients, ids: list[str], failing: str | None = None) -> None:
    """A maintenance phase's requests in the order the handler makes them: every query started, then
    each one polled until done."""
    for query_id in ids:
        aws.ddl(query_id, states=())
    for query_id in ids:
        state = "FAILED" if query_id == failing else "SUCCEEDED"
        status = {
            "State": state,
            **({"StateChangeReason": "ICEBERG_COMMIT_ERROR"} if failing == query_id else {}),
        }
        aws.athena_stub.add_response(
            "get_query_execution",
            {"QueryExecution": {"QueryExecutionId": query_id, "Status": status}},
            {"QueryExecutionId": query_id},
        )


def test_the_daily_maintenance_deletes_compacts_and_vacuums_every_table(aws: Clients) -> None:
    """Issue 14 items 9 and 11: an EventBridge rule's input (stores/iceberg.py) -> per table the
    retention DELETE (only where retention_days is set), OPTIMIZE of yesterday, the VACUUM settings,
    VACUUM; each phase's queries run together."""
    _phase(aws, ["d-1"])
    _phase(aws, ["o-1", "o-2"])
    _phase(aws, ["p-1", "p-2"])
    _phase(aws, ["v-1", "v-2"])
    job = {"Database": "dendro", "WorkGroup": "Dendro", "Tables": ["syslog", "nginx_access"],
           "RetentionDays": {"syslog": 7}}  # fmt: skip

    done = handler.maintain(job, aws.athena, sleep=lambda _: None)

    assert done == {"nginx_access": "maintained", "syslog": "maintained, older than 7 days deleted"}
    assert aws.sql == [
        delete_older("dendro", "syslog", 7),
        *(compact_yesterday("dendro", t) for t in ("nginx_access", "syslog")),
        *(maintenance_properties("dendro", t) for t in ("nginx_access", "syslog")),
        *(vacuum("dendro", t) for t in ("nginx_access", "syslog")),
    ]
    assert aws.sql[0] == (
        'DELETE FROM "dendro"."syslog" WHERE "timestamp" < '
        "date_add('day', -7, CAST(current_date AS timestamp))"
    )
    assert aws.sql[1] == (
        "OPTIMIZE dendro.nginx_access REWRITE DATA USING BIN_PACK WHERE "
        "\"timestamp\" >= date_add('day', -1, CAST(current_date AS timestamp)) "
        'AND "timestamp" < CAST(current_date AS timestamp)'
    )
    assert aws.sql[3] == (
        "ALTER TABLE `dendro`.`nginx_access` SET TBLPROPERTIES ("
        "'vacuum_max_snapshot_age_seconds'='86400', 'vacuum_min_snapshots_to_keep'='1')"
    )
    assert aws.sql[5] == "VACUUM dendro.nginx_access"
    aws.assert_done()


def test_one_tables_failure_leaves_the_others_maintained_and_fails_the_run(aws: Clients) -> None:
    """A commit conflict on one table's OPTIMIZE: the other table is still compacted and vacuumed, and
    the run fails at the end (EventBridge retries it; every step is idempotent)."""
    _phase(aws, ["o-1", "o-2"], failing="o-1")
    _phase(aws, ["p-1", "p-2"])
    _phase(aws, ["v-1", "v-2"])
    job = {"Database": "dendro", "WorkGroup": "Dendro", "Tables": ["nginx_access", "syslog"]}

    with pytest.raises(RuntimeError, match=r"maintenance failed for \['nginx_access'\].*compaction.*ICEBERG"):
        handler.maintain(job, aws.athena, sleep=lambda _: None)

    assert aws.sql[-1] == "VACUUM dendro.syslog"
    aws.assert_done()


def test_maintenance_statements_refuse_a_name_that_is_not_a_glue_identifier() -> None:
    with pytest.raises(ValueError, match="'dendro; DROP' is not a lowercase identifier"):
        vacuum("dendro; DROP", "syslog")
