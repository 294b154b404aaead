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


def pydantic_problems(error: Exception) -> list[str]:
    """pydantic's ValidationError as one line per field, naming it the way dendro.toml spells it."""
    lines = []
    for item in getattr(error, "errors", lambda: [])():
        where = ".".join(str(part) for part in item.get("loc", ()) if not str(part).startswith("function-"))
        lines.append(f"{where or 'settings'}: {item.get('msg', 'invalid')}")
    return lines or [str(error)]
