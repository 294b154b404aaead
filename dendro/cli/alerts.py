"""`dendro alerts list | test`: the rules in force and their state, and a test notification per channel."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from dendro.cli.console import fail, warn
from dendro.cli.local import Db

app = typer.Typer(
    help="Alert rules from dendro.toml: what they watch, what fires, and whether notifications arrive.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
)

Config = Annotated[
    Path | None,
    typer.Option(
        "--config",
        help="dendro.toml holding [alerting], [[alerts]] and [[notify]]. [default: ./dendro.toml if present]",
        show_default=False,
        dir_okay=False,
    ),
]


def _settings(config: Path | None):  # type: ignore[no-untyped-def]
    from dendro.alerts.rules import AlertSettingsError, load_alert_settings

    try:
        return load_alert_settings(config)
    except AlertSettingsError as error:
        fail(str(error))


@app.command("list")
def list_(config: Config = None, db: Db = None) -> None:
    """The rules in force (yours and the built-in ones) and, from the local store's alert state, what
    fires now.

    Example: dendro alerts list --config dendro.toml
    """
    from dendro.alerts.message import clock, describe_rule
    from dendro.alerts.state import load_state, state_path
    from dendro.local_pipeline.store import default_db_path

    settings, source = _settings(config)
    state = load_state(state_path((db or default_db_path()).expanduser()))
    typer.echo(
        f"Rules from {source or 'the built-in defaults'} (evaluated every {settings.alerting.interval:g} s):"
    )
    for rule in settings.rules:
        firing = state.firing(rule.name)
        error = state.errors.get(rule.name)
        status = "ERROR" if error else f"FIRING x{len(firing)}" if firing else "ok"
        where = " (local only)" if rule.local_only or rule.kind == "sql" else ""
        typer.echo(f"  {status:<10} {rule.name}: {describe_rule(rule)}{where}")
        for active in firing:
            labels = ", ".join(f"{k}={v}" for k, v in active.labels) or "all"
            typer.echo(f"             {labels} since {clock(active.since)}")
        if error:
            typer.echo(f"             {error}")
    if state.evaluated_at is None:
        typer.echo("Not evaluated yet: `dendro local up` evaluates the rules while it runs.")
    channels = [c.label for c in settings.notify]
    typer.echo("Channels: " + (", ".join(channels) if channels else "none (add [[notify]] to dendro.toml)"))


@app.command()
def test(config: Config = None) -> None:
    """Send a test notification to every [[notify]] channel and report each one's outcome.

    Example: dendro alerts test --config dendro.toml
    """
    from datetime import UTC, datetime

    from dendro.alerts.message import Notification
    from dendro.alerts.notify import Dispatcher
    from dendro.alerts.rules import SqlRule
    from dendro.alerts.state import Transition

    settings, source = _settings(config)
    if not settings.notify:
        fail(f"no [[notify]] channel in {source or './dendro.toml'}; add a webhook or an email first")
    if settings.emails and settings.alerting.smtp is None:
        warn("[[notify]] email needs [alerting.smtp] to be sent locally (on AWS, SNS sends it); skipped")
    now = datetime.now(UTC).isoformat()
    rule = SqlRule(name="dendro test", kind="sql", sql="SELECT 1")
    transition = Transition("firing", rule.name, (("channel", "test"),), None, now, now)
    dispatcher = Dispatcher(settings.webhooks, settings.emails, settings.alerting.smtp, backoff=(1.0,))
    results = dispatcher.test(Notification(transition, rule, settings.alerting.dashboard_url, None))
    dispatcher.stop()
    for result in results:
        typer.echo(
            f"  {'ok' if result.ok else 'FAILED':<7} {result.channel}"
            + (f": {result.error}" if result.error else "")
        )
    if not all(r.ok for r in results):
        raise typer.Exit(1)
