"""The AWS commands registered as `cli/main.py` registers them, for CliRunner."""

from __future__ import annotations

import typer

from cli.aws import deploy, diff, status, synth, teardown


def aws_app() -> typer.Typer:
    app = typer.Typer(pretty_exceptions_show_locals=False)
    for command in (synth, deploy, diff, teardown, status):
        app.command()(command)
    return app
