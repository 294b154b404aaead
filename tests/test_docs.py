"""Every command is documented (README) and explains itself (--help with an example), as
sqlite-utils and datasette test theirs."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from dendro.cli.main import app
from dendro.cli.node import app as node_app

README = (Path(__file__).parents[1] / "README.md").read_text()
runner = CliRunner()


def _commands(application: typer.Typer, program: str) -> list[tuple[str, list[str]]]:
    # typer carries its own click: tell groups from commands by their subcommands.
    group = typer.main.get_command(application)
    found = []
    for name, command in group.commands.items():  # type: ignore[attr-defined]
        if hasattr(command, "commands"):
            found += [(f"{program} {name} {sub}", [name, sub]) for sub in command.commands]
        else:
            found.append((f"{program} {name}", [name]))
    return found


COMMANDS = _commands(app, "dendro") + _commands(node_app, "dendro-node")


@pytest.mark.parametrize(("usage", "argv"), COMMANDS, ids=[usage for usage, _ in COMMANDS])
def test_command_is_in_the_readme(usage: str, argv: list[str]) -> None:
    # `dendro install-vector` is documented as its server-side twin `dendro-node install-vector`.
    assert re.search(rf"\b{re.escape(usage)}\b", README) or usage.replace("dendro ", "dendro-node ") in README


@pytest.mark.parametrize(("usage", "argv"), COMMANDS, ids=[usage for usage, _ in COMMANDS])
def test_help_shows_an_example(usage: str, argv: list[str]) -> None:
    application = node_app if usage.startswith("dendro-node") else app
    result = runner.invoke(application, [*argv, "--help"])

    assert result.exit_code == 0
    description = [line for line in result.output.split("Options")[0].splitlines() if "Usage:" not in line]
    assert any(re.search(r"\bdendro(-node)? \w", line) for line in description), f"{usage}: no example"
