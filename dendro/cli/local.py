"""`dendro local up` and `dendro local import`: the whole pipeline on this machine, stored in DuckDB."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from dendro.cli import tokens
from dendro.cli.console import fail, warn

if TYPE_CHECKING:
    from dendro.alerts.engine import Evaluator
    from dendro.alerts.rules import AlertSettings
    from dendro.dashboard.server import DashboardServer
    from dendro.local_pipeline.collector import Collector
    from dendro.local_pipeline.importer import ImportSummary
    from dendro.local_pipeline.writer import Totals

app = typer.Typer(
    help="Run Dendro on this machine: a collector for Vector, backfill imports, and a DuckDB store.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
    # Plain help: click wraps it to the terminal and never cuts a default with an ellipsis, as
    # rich's narrow option table does at 80 columns (and rich markup would eat a "[default: ...]").
    rich_markup_mode=None,
)

Db = Annotated[
    Path | None,
    typer.Option(
        "--db",
        envvar="DENDRO_DB",
        help="DuckDB file of the local store. [default: ~/.dendro/dendro.duckdb]",
        show_default=False,
    ),
]

QUERY_EXAMPLES = (
    'dendro query "SELECT host, status_class, count(*) AS requests FROM nginx_access GROUP BY ALL '
    'ORDER BY ALL"',
    "dendro query \"SELECT time_bucket(INTERVAL '1 minute', timestamp) AS minute, count(*) FILTER "
    "(status >= 500) AS errors, round(quantile_cont(request_time, 0.95), 3) AS p95_s FROM nginx_access "
    'GROUP BY minute ORDER BY minute DESC LIMIT 15"',
    "dendro query \"SELECT host, round(avg(value), 2) AS load1 FROM host_metrics WHERE metric = 'load1' "
    'GROUP BY host" --format json',
    'dendro query "SELECT reason, count(*) FROM _rejects GROUP BY reason"',
)


@app.command()
def up(
    ctx: typer.Context,
    host: Annotated[
        str, typer.Option(help="Address to listen on; anything but loopback requires --token.")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on (0 picks a free one).")] = 8686,
    db: Db = None,
    token: Annotated[
        str | None,
        typer.Option(
            envvar="DENDRO_TOKEN",
            help="Bearer token senders must present (Vector's http sink reads it from DENDRO_TOKEN); "
            "it cannot read the store. Prefer DENDRO_TOKEN or --token-file: a flag shows in `ps`.",
            show_default=False,
        ),
    ] = None,
    token_file: tokens.IngestTokenFile = None,
    read_token: tokens.ReadToken = None,
    read_token_file: tokens.ReadTokenFile = None,
    demo: Annotated[
        bool, typer.Option("--demo", help="Also generate realistic traffic from three demo web servers.")
    ] = False,
    dashboard_port: Annotated[
        int, typer.Option("--dashboard-port", help="Also serve the dashboard here (same address); -1: no.")
    ] = 3000,
    config: Annotated[
        Path | None,
        typer.Option(
            "--config",
            help="dendro.toml with alert rules and channels. [default: ./dendro.toml if present]",
            show_default=False,
            dir_okay=False,
        ),
    ] = None,
    memory_limit: Annotated[
        str | None,
        typer.Option(
            "--memory-limit",
            help="Memory for the store's DuckDB: recent rows, cached data and the working memory of "
            "queries, which spill to <db>.tmp beyond it. Raise it (e.g. 1GB) for faster heavy queries "
            "on a big store. [default: 128MB]",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Start the collector that Vector's http sink posts to; stop it with Ctrl-C or SIGTERM.

    A batch is answered 200 only once it is committed; SIGTERM finishes the batches in flight first.
    Runs Vector's VRL in-process for --demo: vector-vrl on Python 3.12+, pyvrl on
    Python 3.11 (x86_64 Linux); where neither is installed it says what to install.

    Point agents here with: dendro configure --sink http --endpoint http://THIS_HOST:8686

    Alert rules ([[alerts]] in dendro.toml, or the built-in ones) are evaluated every `interval`:

        dendro local up --config dendro.toml
    """
    from dendro.alerts.rules import AlertSettingsError, load_alert_settings
    from dendro.local_pipeline.collector import (
        Collector,
        CollectorConfig,
        InsecureBindError,
        check_bind,
        is_loopback,
        serve_until_signal,
        tune_gc,
    )
    from dendro.local_pipeline.schema import SchemaConflictError
    from dendro.local_pipeline.store import MEMORY_LIMIT, StoreError, default_db_path

    try:
        alert_settings, alert_file = load_alert_settings(config)
    except AlertSettingsError as error:
        fail(str(error))
    token = tokens.resolve(ctx, "token", token, token_file, "--token", "DENDRO_TOKEN")
    read_token = tokens.resolve(
        ctx, "read_token", read_token, read_token_file, "--read-token", "DENDRO_READ_TOKEN"
    )
    try:
        check_bind(host, token, read_token)  # the agents' side first: is the ingest token enough?
    except InsecureBindError as error:
        fail(str(error))
    if dashboard_port >= 0 and read_token is None and not is_loopback(host):
        fail(
            f"the dashboard on {host} needs a read token, distinct from the agents' --token: set "
            "DENDRO_READ_TOKEN or --read-token-file (or --dashboard-port -1 for no dashboard)"
        )
    path = (db or default_db_path()).expanduser()
    new_store = not path.exists()
    try:
        collector = Collector(
            CollectorConfig(
                db=path,
                host=host,
                port=port,
                token=token,
                read_token=read_token,
                memory_limit=memory_limit or MEMORY_LIMIT,
            )
        )
    except (InsecureBindError, StoreError, SchemaConflictError) as error:
        fail(str(error))
    except OSError as error:
        fail(f"cannot listen on {host}:{port} ({error.strerror or error}); choose another --port")
    board = None
    if dashboard_port >= 0:
        from dendro.dashboard.server import beside_collector

        try:
            # The dashboard reads the store: the read token opens it, never the agents' ingest token.
            board = beside_collector(collector, host=host, port=dashboard_port, token=read_token)
        except OSError as error:
            collector.close()
            fail(f"cannot serve the dashboard on port {dashboard_port} ({error}); use --dashboard-port")
    traffic = None
    if demo:
        from dendro.local_pipeline.demo import DemoTraffic
        from dendro.local_pipeline.vrl import VrlUnavailableError

        try:
            traffic = DemoTraffic(collector.url, token).start()
        except VrlUnavailableError as error:
            if board is not None:
                board.stop()
            collector.close()
            fail(str(error))
    typer.echo(f"Dendro collector listening on {collector.url}")
    if board is not None:
        typer.echo(f"Dashboard: open {board.url}")
    typer.echo(f"Store: {path}" + (" (new)" if new_store else ""))
    if not new_store:
        for statement in collector.store.migrations:  # the catalog grew since the last start
            typer.echo(f"  schema: {statement}")
    if traffic is not None:
        typer.echo("Demo traffic: web-1, web-2, web-3 (nginx access logs and host metrics), last hour first.")
        typer.echo("Try, in another terminal:")
        db_flag = "" if path == default_db_path().expanduser() else f" --db {path}"
        for example in QUERY_EXAMPLES:
            typer.echo(f"  {example}{db_flag}")
    retention = _retention_sweeper(alert_file, collector)
    alerts = _start_alerts(alert_settings, alert_file, collector, board)
    typer.echo("Stop with Ctrl-C.")
    tune_gc()
    reporter = _Reporter(collector.writer.totals)
    reporter.start()
    try:
        serve_until_signal(collector)
    finally:
        reporter.stop()
        retention.set()
        alerts.stop()
        if traffic is not None:
            traffic.stop()
        if board is not None:
            board.stop()
        collector.close()
    totals = collector.writer.totals
    typer.echo(f"Stopped. Stored {totals.stored:,} rows and rejected {totals.rejected:,}.")


def _retention_sweeper(config: Path | None, collector: Collector) -> threading.Event:
    """Sources' retention_days from dendro.toml, enforced on the store now and every hour."""
    from dendro.local_pipeline.retention import start_sweeper

    retention: dict[str, int] = {}
    if config is not None:
        # Imported only for a dendro.toml: the settings' models and VRL checks (which load the VRL
        # runtime) cost an idle collector about 6 MB that it has no use for otherwise.
        from dendro.vector_configs.settings import DendroSettings, SettingsError

        try:
            retention = DendroSettings.load(config).retention_days()
        except SettingsError as error:
            warn(f"{config}: no retention_days applied ({error})")
    if retention:
        kept = ", ".join(f"{t} {d} days" for t, d in sorted(retention.items()))
        typer.echo(f"Retention: {kept} (older rows are deleted every hour)")
    return start_sweeper(collector.store.cursor, retention)


def _start_alerts(
    settings: AlertSettings, source: Path | None, collector: Collector, board: DashboardServer | None
) -> Evaluator:
    from dendro.alerts.engine import start_beside_collector

    every = f"every {settings.alerting.interval:g} s"
    typer.echo(f"Alerts: {len(settings.rules)} rules from {source or 'the built-in defaults'}, {every}")
    if not settings.notify:
        warn("no [[notify]] channel in dendro.toml: alerts show on the dashboard only")
    if settings.emails and settings.alerting.smtp is None:
        warn("[[notify]] email needs [alerting.smtp] to be sent from here; email is skipped")
    dashboard = board.url if board is not None else None
    evaluator = start_beside_collector(settings, collector.store.path, collector.store.cursor(), dashboard)
    if board is not None:
        board.show_alerts(evaluator.snapshot)
    return evaluator


class _Reporter:
    """A line every 10 seconds while rows are coming in."""

    def __init__(self, totals: Totals) -> None:
        self.totals = totals
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="dendro-report", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()

    def _run(self) -> None:
        last = (0, 0)
        while not self._stop.wait(10):
            now = (self.totals.stored, self.totals.rejected)
            if now != last:
                typer.echo(f"stored {now[0]:,} rows (+{now[0] - last[0]:,}), rejected {now[1]:,}")
                last = now


@app.command("import")
def import_(
    files: Annotated[
        list[Path],
        typer.Argument(help="Log files to import (.gz too).", exists=True, dir_okay=False, readable=True),
    ],
    source: Annotated[
        str, typer.Option("--source", "-s", help="Catalog type of the files, e.g. nginx_access.")
    ],
    host: Annotated[
        str | None,
        typer.Option(help="Host the logs came from. [default: this machine's name]", show_default=False),
    ] = None,
    db: Db = None,
    timezone: Annotated[
        str | None,
        typer.Option(
            help="Zone of times written without an offset (error logs, old MySQL, syslog), e.g. "
            "Europe/Berlin or +04:00. [default: UTC]",
            show_default=False,
        ),
    ] = None,
    log_line_prefix: Annotated[
        str | None,
        typer.Option(
            help="postgres: the server's log_line_prefix, e.g. '%t:%h:%u@%d:[%p]:'.", show_default=False
        ),
    ] = None,
    config: Annotated[
        Path | None,
        typer.Option(
            help="Take the source's settings from this dendro.toml ([[sources]] settings); flags win.",
            exists=True,
            dir_okay=False,
            show_default=False,
        ),
    ] = None,
) -> None:
    """Backfill log files through the source's real VRL parser (the one Vector runs) into the store.

    Importing a file again adds only what was appended since: nothing is stored twice.
    Runs Vector's VRL in-process: vector-vrl on Python 3.12+, pyvrl on
    Python 3.11 (x86_64 Linux); where neither is installed it says what to install.

    Examples:

    \b
      dendro local import /var/log/nginx/access.log.1 --source nginx_access \\
          --host web-1
      dendro local import postgresql.log -s postgres \\
          --log-line-prefix '%m [%p] ' --timezone Europe/Paris
    """
    from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn

    from dendro.catalog import UnknownSourceError, get_source
    from dendro.local_pipeline.import_settings import ImportSettingsError, resolve_settings
    from dendro.local_pipeline.importer import import_files
    from dendro.local_pipeline.schema import SchemaConflictError
    from dendro.local_pipeline.store import Store, StoreError, default_db_path
    from dendro.local_pipeline.vrl import VrlProgramError, VrlUnavailableError

    try:
        catalog_source = get_source(source)
        settings = resolve_settings(
            catalog_source, config=config, flags={"timezone": timezone, "log_line_prefix": log_line_prefix}
        )
    except (UnknownSourceError, ImportSettingsError) as error:
        fail(str(error))
    path = (db or default_db_path()).expanduser()
    try:
        store = Store.open(path)
    except (StoreError, SchemaConflictError) as error:
        fail(str(error))
    if host is None:
        import socket

        host = socket.gethostname()
        typer.echo(f"Host: {host} (this machine's name; pass --host NAME for logs copied from elsewhere)")
    total = sum(f.stat().st_size for f in files)
    columns = (TextColumn("importing"), BarColumn(), DownloadColumn(), TimeRemainingColumn())
    try:
        with Progress(*columns, transient=True) as progress:
            task = progress.add_task("import", total=total)
            summary = import_files(
                store,
                files,
                catalog_source,
                host=host,
                settings=settings,
                on_progress=lambda n: progress.advance(task, n),
            )
    except (VrlUnavailableError, VrlProgramError) as error:
        fail(str(error))
    finally:
        store.close()
    _print_summary(summary, source, path)
    if summary.events and not summary.stored:
        # Nothing usable came out: most likely the wrong --source, or a log format the parser lacks.
        fail(
            f"all {summary.events:,} events were rejected, none stored; check that the files hold "
            f"{source} lines (--source), and look at one: "
            'dendro query "SELECT reason, detail, raw FROM _rejects ORDER BY time DESC LIMIT 5"'
        )


def _print_summary(summary: ImportSummary, source: str, db: Path) -> None:
    typer.echo(f"Imported {len(summary.files)} file(s) as {source} into {db}")
    typer.echo(f"  events    {summary.events:,}")
    typer.echo(f"  parsed    {summary.stored:,}")
    reasons = ", ".join(f"{reason} {count:,}" for reason, count in summary.reasons.most_common())
    typer.echo(
        f"  rejected  {summary.rejected:,}" + (f" ({reasons}; see the _rejects table)" if reasons else "")
    )
    skipped = [f for f in summary.files if f.skipped_bytes]
    if skipped:
        typer.echo(f"  skipped   {summary.skipped_bytes:,} bytes of {len(skipped)} file(s) imported before")


if __name__ == "__main__":
    app()
