"""The flow `dendro configure` and `dendro-node init` share: detect, ask (unless --yes), validate, write."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from dendro.cli.console import fail, warn

if TYPE_CHECKING:
    from dendro.agent.configure import Choices, Written


def detect_and_choose(choices: Choices, *, yes: bool, root: Path) -> Choices:
    from dendro.agent.detect import detect_sources

    detected = detect_sources(root)
    if detected:
        typer.echo("Detected on this machine:")
        for d in detected:
            typer.echo(f"  {d.type:<17} {d.reason}")
    if yes:
        if not choices.sources:
            choices.sources = [d.type for d in detected]
        return choices
    if not sys.stdin.isatty():
        fail("no terminal for the wizard; pass --yes with --source/--sink flags (see --help)")
    from dendro.cli.wizard import WizardCancelled, run_wizard

    try:
        return run_wizard(detected, choices)
    except WizardCancelled:
        fail("cancelled; nothing was written", code=130)


def build_and_write(
    choices: Choices, vector_path: Path, settings_path: Path, fmt: str, *, place_flag: str
) -> Written:
    from dendro.agent.configure import ChoiceError, build_settings, write_configs
    from dendro.vector_configs.settings import SettingsError

    try:
        settings = build_settings(choices)
    except ChoiceError as exc:
        fail(str(exc))
    except SettingsError as exc:
        for line in exc.problems[1:]:
            typer.secho(f"Error: {line}", err=True, fg=typer.colors.RED)
        fail(exc.problems[0])
    try:
        written = write_configs(settings, vector_path, settings_path, fmt)
    except OSError as exc:
        fail(f"cannot write {exc.filename}: {exc.strerror}; choose another place with {place_flag}")
    if written.problems:
        for line in written.problems:
            typer.secho(f"  {line}", err=True)
        fail(f"the generated Vector config is invalid ({len(written.problems)} problems); nothing written")
    for note in written.notes:
        warn(note)
    typer.echo(f"Wrote {written.vector_path} and {written.settings_path} ({', '.join(choices.sources)})")
    if settings.sink.kind == "http":
        # The config reads the collector's token from the environment so it is never written to disk.
        env = settings.sink.token_env
        typer.echo(
            f"Vector sends the collector's token from {env}: set {env} in Vector's environment to the "
            "collector's --token (any value if it has none)."
        )
    return written
