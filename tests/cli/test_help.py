"""`--help` at 80 columns: every default and env var shown in full, never cut with an ellipsis."""

from __future__ import annotations

import re

import click
import pytest
import typer
from typer.testing import CliRunner

from dendro.cli.main import app
from dendro.cli.node import app as node_app

runner = CliRunner()
# What click puts after an option's help: the text itself may wrap, these must not be cut.
SHOWN = re.compile(r"\[(?:default|env var): [^\]]*\]")


def _every_command(application: typer.Typer) -> list[tuple[list[str], click.Command]]:
    found: list[tuple[list[str], click.Command]] = []

    def walk(path: list[str], command: click.Command) -> None:
        found.append((path, command))
        for name, sub in getattr(command, "commands", {}).items():
            walk([*path, name], sub)

    walk([], typer.main.get_command(application))
    return found


COMMANDS = [(app, path, command) for path, command in _every_command(app)] + [
    (node_app, path, command) for path, command in _every_command(node_app)
]


@pytest.mark.parametrize(
    ("application", "path", "command"),
    COMMANDS,
    ids=[" ".join(["dendro-node" if a is node_app else "dendro", *p]) for a, p, _ in COMMANDS],
)
def test_help_at_80_columns_shows_every_default_in_full(
    application: typer.Typer, path: list[str], command: click.Command
) -> None:
    result = runner.invoke(application, [*path, "--help"], env={"COLUMNS": "80"}, terminal_width=80)

    assert result.exit_code == 0
    assert max(len(line) for line in result.output.splitlines()) <= 80
    assert "…" not in result.output
    # Lines joined back as a reader reads them: a default split at a hyphen would not match.
    read = re.sub(r"\s*\n\s*", " ", result.output)
    with click.Context(command, info_name=path[-1] if path else "dendro") as ctx:
        for param in command.get_params(ctx):
            record = param.get_help_record(ctx)
            for shown in SHOWN.findall(record[1] if record else ""):
                assert " ".join(shown.split()) in read, f"{param.name}: {shown} is cut in:\n{result.output}"


@pytest.mark.parametrize("command", [["local", "import"], ["local", "up"]])
def test_commands_that_run_vrl_say_which_runtime_they_need(command: list[str]) -> None:
    # Issue 9: where no VRL runtime installs, --help already tells the user what these need.
    result = runner.invoke(app, [*command, "--help"], env={"COLUMNS": "80"})
    assert result.exit_code == 0
    text = " ".join(result.output.split())
    assert "vector-vrl on Python 3.12+" in text and "pyvrl on Python 3.11" in text
