"""`dendro query`: read-only SQL over the local store, printed as a table, JSON or CSV."""

from __future__ import annotations

import csv
import sys
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated

import typer

from cli.console import fail
from cli.local import Db

if TYPE_CHECKING:
    from local_pipeline.query import QueryResult


class OutputFormat(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"


def query(
    sql: Annotated[str, typer.Argument(help='SQL to run, e.g. "SELECT count(*) FROM nginx_access".')],
    db: Db = None,
    output: Annotated[
        OutputFormat,
        typer.Option("--format", "-f", help="table for people; json (array of rows) or csv for tools."),
    ] = OutputFormat.table,
) -> None:
    """Run read-only SQL (DuckDB dialect) on the local store; works while `dendro local up` runs.

    Tables: one per source type (nginx_access, host_metrics, ...) and _rejects. Writes, settings and
    reading outside files are refused.

        dendro query "SHOW TABLES"
        dendro query "SELECT status_class, count(*) FROM nginx_access GROUP BY ALL" --format json
    """
    from local_pipeline.query import QueryError, query_store
    from local_pipeline.store import StoreError, default_db_path

    path = (db or default_db_path()).expanduser()
    try:
        result = query_store(path, sql)
    except (QueryError, StoreError) as error:
        fail(str(error))
    if output is OutputFormat.json:
        _print_json(result)
    elif output is OutputFormat.csv:
        _print_csv(result)
    else:
        _print_table(result)


def _print_json(result: QueryResult) -> None:
    import orjson

    from local_pipeline.query import json_default

    typer.echo(orjson.dumps(result.records(), default=json_default, option=orjson.OPT_INDENT_2).decode())


def _print_csv(result: QueryResult) -> None:
    writer = csv.writer(sys.stdout, lineterminator="\n")
    writer.writerow(result.columns)
    writer.writerows([_text(v) for v in row] for row in result.rows)


def _print_table(result: QueryResult) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(*result.columns, show_edge=False, header_style="bold")
    for row in result.rows:
        table.add_row(*(_text(v) for v in row))
    console = Console()
    console.print(table)
    count = len(result.rows)
    console.print(f"{count:,} row{'s' if count != 1 else ''}" + (" (truncated)" if result.truncated else ""))


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="backslashreplace")
    return str(value)
