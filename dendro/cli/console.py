"""Where the CLI writes: results to stdout, problems to stderr, then a non-zero exit."""

from __future__ import annotations

from typing import NoReturn

import typer


def fail(message: str, code: int = 1) -> NoReturn:
    """One line that names the problem and the next step, on stderr."""
    typer.secho(f"Error: {message}", err=True, fg=typer.colors.RED)
    raise typer.Exit(code)


def warn(message: str) -> None:
    typer.secho(f"Warning: {message}", err=True, fg=typer.colors.YELLOW)


def deprecated(old: str, new: str, why: str) -> None:
    """An old spelling still works, and says once per run what replaces it (README: Deprecated)."""
    warn(f"{old} is deprecated and will be removed; use {new} ({why})")
