"""`dendro`: the team-side CLI. One module per command group; heavy imports stay inside commands so
`dendro --help` is fast."""

from __future__ import annotations

import typer

from dendro.cli import alerts, local
from dendro.cli.aws import deploy, diff, status, synth, teardown
from dendro.cli.configure import configure
from dendro.cli.cost import cost
from dendro.cli.dashboard import dashboard
from dendro.cli.install_vector import install_vector
from dendro.cli.query import query

app = typer.Typer(
    name="dendro",
    help="Dendro: logs and metrics of every server in one place, in your own AWS account or locally.",
    no_args_is_help=True,
    # Locals can hold credentials and tokens: never print them in a traceback.
    pretty_exceptions_show_locals=False,
    # Plain help: click wraps it to the terminal and never cuts a default with an ellipsis, as
    # rich's narrow option table does at 80 columns (and rich markup would eat a "[default: ...]").
    rich_markup_mode=None,
)
app.command()(configure)
app.command("install-vector")(install_vector)
app.add_typer(local.app, name="local")
app.add_typer(alerts.app, name="alerts")
app.command()(query)
app.command()(dashboard)
app.command()(synth)
app.command()(deploy)
app.command()(diff)
app.command()(teardown)
app.command()(status)
app.command()(cost)
