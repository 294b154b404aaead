"""`dendro query`: read-only SQL over the local store, printed as a table, JSON or CSV."""

from __future__ import annotations

import shutil
import sys
from dataclasses import replace
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated

import typer

from dendro.cli import options as o
from dendro.cli.console import fail
from dendro.cli.local import Db
from dendro.cli.stores import StoreChoice, StoreOpt, open_cloud_backend

if TYPE_CHECKING:
    from dendro.local_pipeline.query import QueryResult


# Cloud stores bill per query; a terminal has no use for more rows than this.
CLOUD_MAX_ROWS = 10_000


class OutputFormat(StrEnum):
    table = "table"
    records = "records"
    json = "json"
    csv = "csv"


def query(
    sql: Annotated[str, typer.Argument(help='SQL to run, e.g. "SELECT count(*) FROM nginx_access".')],
    db: Db = None,
    output: Annotated[
        OutputFormat,
        typer.Option(
            "--format",
            "-f",
            help="table for people (one block per record when rows are wider than the terminal), "
            "records (always one block per record); json (array of rows) or csv for tools.",
        ),
    ] = OutputFormat.table,
    store: StoreOpt = StoreChoice.local,
    timeout: Annotated[
        float, typer.Option(help="Seconds a local query may run before it is stopped.", min=0.1)
    ] = 60.0,
    region: o.Region = None,
    profile: o.Profile = None,
    stack_name: o.StackName = "Dendro",
) -> None:
    """Run read-only SQL on the local store (DuckDB dialect; works while `dendro local up` runs) or on
    a deployed stack (--store iceberg: Athena's dialect; --store timestream).

    Tables: one per source type (nginx_access, host_metrics, ...), and _rejects.

    One statement per call; writes, settings and reading outside files are refused. For example:

    \b
      dendro query "SHOW TABLES"
      dendro query "SELECT status, count(*) FROM nginx_access GROUP BY ALL" \\
          --format json
      dendro query "SELECT count(*) FROM nginx_access" \\
          --store iceberg --region eu-west-1
    """
    from dendro.local_pipeline.query import DEFAULT_LIMITS, QueryError, query_store
    from dendro.local_pipeline.store import StoreError, default_db_path

    try:
        if store is StoreChoice.local:
            limits = replace(DEFAULT_LIMITS, timeout=timeout)
            result = query_store((db or default_db_path()).expanduser(), sql, limits)
        else:
            backend = open_cloud_backend(store, region, profile, stack_name)
            result = backend.query(sql, CLOUD_MAX_ROWS)
    except (QueryError, StoreError) as error:
        fail(str(error))
    if output is OutputFormat.json:
        _print_json(result)
    elif output is OutputFormat.csv:
        _print_csv(result)
    else:
        _print_table(result, output)
    if result.note:
        typer.echo(f"Note: {result.note}", err=True)


def _print_json(result: QueryResult) -> None:
    import orjson

    from dendro.local_pipeline.query import json_default

    typer.echo(orjson.dumps(result.records(), default=json_default, option=orjson.OPT_INDENT_2).decode())


def _print_csv(result: QueryResult) -> None:
    from dendro.csv_cells import csv_text

    for text in csv_text(result.columns, [result.rows]):
        sys.stdout.write(text)


def _print_table(result: QueryResult, layout: OutputFormat) -> None:
    """A table when it fits the terminal; otherwise one block per record (psql's expanded display),
    since a table squeezed narrower than its rows cuts every cell."""
    width = _terminal_width()
    needed = _table_width(result)
    if layout is OutputFormat.table and needed > width:
        layout = OutputFormat.records
        typer.echo(
            f"(rows are {needed} columns wide and the terminal {width}: one block per record; "
            "--format csv or json for the full grid)",
            err=True,
        )
    if layout is OutputFormat.records:
        _print_records(result)
    else:
        from rich.console import Console
        from rich.table import Table

        table = Table(*result.columns, show_edge=False, header_style="bold")
        for row in result.rows:
            table.add_row(*(_text(v) for v in row))
        Console(width=width).print(table)
    count = len(result.rows)
    typer.echo(f"{count:,} row{'s' if count != 1 else ''}" + (" (truncated)" if result.truncated else ""))


def _terminal_width() -> int:
    """The terminal's width ($COLUMNS first), or 80 when stdout is not a terminal."""
    return shutil.get_terminal_size((80, 24)).columns


def _table_width(result: QueryResult) -> int:
    """Columns the table needs to show every cell on one line: the widest cell (or line of a cell)
    of each column, plus the ` │ ` between columns."""
    from rich.cells import cell_len

    widths = [cell_len(name) for name in result.columns]
    for row in result.rows:
        for index, value in enumerate(row):
            lines = _text(value).splitlines() or [""]
            widths[index] = max(widths[index], *(cell_len(line) for line in lines))
    return sum(widths) + 3 * max(len(widths) - 1, 0)


def _print_records(result: QueryResult) -> None:
    """`column | value` per line, one block per row; a value's further lines stay in its column."""
    label = max((len(name) for name in result.columns), default=0)
    for number, row in enumerate(result.rows, 1):
        typer.echo(f"-[ RECORD {number} ]" + "-" * max(label - 9, 4))
        for name, value in zip(result.columns, row, strict=True):
            first, *more = _text(value).splitlines() or [""]
            typer.echo(f"{name:<{label}} | {first}")
            for line in more:
                typer.echo(f"{'':<{label}} | {line}")


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="backslashreplace")
    return str(value)
