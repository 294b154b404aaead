"""`dendro cost`: what a pipeline would cost a month, line by line, before deploying it."""

from __future__ import annotations

from typing import Annotated

import typer

from dendro.cli import options as o
from dendro.cli.console import fail


def cost(
    gb_per_day: Annotated[
        float,
        typer.Option("--gb-per-day", help="GB of events the agents send per day (JSON, before compression)."),
    ],
    store: Annotated[
        o.Store, typer.Option("--store", help="iceberg (the default store) or timestream.")
    ] = o.Store.iceberg,
    days_retained: Annotated[
        int,
        typer.Option("--days-retained", help="Days of data kept (Iceberg files, or Timestream magnetic)."),
    ] = 30,
    markdown: Annotated[bool, typer.Option("--markdown", help="Print a Markdown table.")] = False,
    compare: Annotated[
        bool,
        typer.Option(
            "--compare",
            help="Also print the monthly total at 1, 10 and 100 GB/day before and after the cost work of "
            "issue 14 (wide metrics, 5-minute commits, table maintenance).",
        ),
    ] = False,
) -> None:
    """Estimate the monthly AWS bill of a pipeline from published prices (us-east-1).

    Lines: Firehose, Lambda, S3, Timestream writes/storage/queries or Athena scans and Glue table
    maintenance, CloudWatch.

    \b
      dendro cost --gb-per-day 10
      dendro cost --gb-per-day 10 --store timestream --days-retained 90
      dendro cost --gb-per-day 1 --compare
    """
    from dendro.cost.estimate import ASSUMPTIONS, Usage, estimate, render, render_markdown
    from dendro.cost.estimate import compare as before_after

    if not 0 < gb_per_day <= 100_000:
        fail(
            f"--gb-per-day {gb_per_day:g} is out of range; give the daily volume in GB, e.g. --gb-per-day 10"
        )
    if not 1 <= days_retained <= 3650:
        fail(f"--days-retained {days_retained} is out of range; use 1 to 3650")
    result = estimate(gb_per_day, store.value, days_retained)
    typer.echo(render_markdown(result) if markdown else render(result))
    typer.echo("")
    if compare:
        typer.echo(before_after(store.value, days_retained=days_retained))
        typer.echo("")
    usage = Usage()
    typer.echo(ASSUMPTIONS.format(**{name: getattr(usage, name) for name in usage.__dataclass_fields__}))
