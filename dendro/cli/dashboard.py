"""`dendro dashboard`: serve the dashboard (home, charts, query) over the local store or a stack."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from dendro.cli import options as o
from dendro.cli import tokens
from dendro.cli.console import fail
from dendro.cli.local import Db
from dendro.cli.stores import StoreChoice, StoreOpt, open_cloud_backend

if TYPE_CHECKING:
    from dendro.dashboard.backends import Backend


def dashboard(
    ctx: typer.Context,
    host: Annotated[
        str, typer.Option(help="Address to listen on; anything but loopback requires --read-token.")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on (0 picks a free one).")] = 3000,
    store: StoreOpt = StoreChoice.local,
    db: Db = None,
    read_token: Annotated[
        str | None,
        typer.Option(
            envvar=tokens.READ_TOKEN_ENV,
            help="The read token, as for `dendro local up`: every visitor presents it (open /?token=... "
            f"once, or send Authorization: Bearer). Prefer {tokens.READ_TOKEN_ENV} or --read-token-file: "
            "a flag shows in `ps`.",
            show_default=False,
        ),
    ] = None,
    read_token_file: tokens.ReadTokenFile = None,
    old_token: tokens.OldDashboardToken = None,
    old_token_file: tokens.OldDashboardTokenFile = None,
    region: o.Region = None,
    profile: o.Profile = None,
    stack_name: o.StackName = "Dendro",
) -> None:
    """Serve the dashboard: sources and pipeline health, RED and host charts, and read-only SQL with export.

    Works beside a running `dendro local up` (it reads through the collector), and on AWS:

    \b
      dendro dashboard
      dendro dashboard --store iceberg --region eu-west-1
    """
    from dendro.dashboard.security import InsecureBindError, check_bind
    from dendro.dashboard.server import DashboardServer

    token = tokens.resolve(
        ctx, "read_token", read_token, read_token_file, "--read-token", tokens.READ_TOKEN_ENV
    )
    token = tokens.with_old_dashboard_token(ctx, token, old_token, old_token_file)
    try:
        check_bind(host, token)
    except InsecureBindError as error:
        fail(str(error))
    backend = (
        _local(db) if store is StoreChoice.local else open_cloud_backend(store, region, profile, stack_name)
    )
    try:
        server = DashboardServer(backend, host, port, token)
    except OSError as error:
        backend.close()
        fail(f"cannot listen on {host}:{port} ({error.strerror or error}); choose another --port")
    typer.echo(f"Dendro dashboard on {server.url} (reading the {backend.label})")
    if token:
        typer.echo(f"Open {server.url}?token=YOUR_TOKEN once per browser; scripts send it as a Bearer token.")
    typer.echo("Stop with Ctrl-C.")
    server.run()


def _local(db: Path | None) -> Backend:
    from dendro.dashboard.backends.local import LocalBackend
    from dendro.local_pipeline.store import default_db_path

    path = (db or default_db_path()).expanduser()
    if not path.exists():
        typer.echo(f"No store at {path} yet: the page says how to start one (dendro local up --demo).")
    return LocalBackend.open(path)
