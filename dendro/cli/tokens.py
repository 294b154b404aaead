"""Where a server's token comes from: an environment variable, a file, or (discouraged) a flag.

A flag's value is on the command line, which every user of the machine reads in `ps`: it still works,
with a warning. `--token-file` (or `DENDRO_TOKEN_FILE`) reads the token from a file instead.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from dendro.cli.console import fail
from dendro.http_guard import FLAG_WARNING, InsecureBindError, token_from_file


def token_file_option(flag: str, env: str, what: str) -> object:
    return typer.Option(
        f"{flag}-file",
        envvar=f"{env}_FILE",
        help=f"File whose first line is {what} (kept out of `ps`).",
        dir_okay=False,
        show_default=False,
    )


IngestTokenFile = Annotated[
    Path | None, token_file_option("--token", "DENDRO_TOKEN", "the bearer token senders must present")
]
ReadTokenFile = Annotated[
    Path | None, token_file_option("--read-token", "DENDRO_READ_TOKEN", "the read token")
]
ReadToken = Annotated[
    str | None,
    typer.Option(
        envvar="DENDRO_READ_TOKEN",
        help="Token for reading the store (the dashboard, /query); must differ from --token. "
        "Generated at start when not given (and kept in the runtime file beside the store).",
        show_default=False,
    ),
]


def resolve(
    ctx: typer.Context, name: str, value: str | None, file: Path | None, flag: str, env: str
) -> str | None:
    """The token from the flag / env var `value` or from `file` (not both); warns when it came from the
    command line itself."""
    if value is not None and file is not None:
        fail(f"give {flag} or {flag}-file, not both")
    if file is not None:
        try:
            return token_from_file(file, f"{flag}-file")
        except InsecureBindError as error:
            fail(str(error))
    source = ctx.get_parameter_source(name)  # typer ships its own click: compare by name
    if value is not None and source is not None and source.name == "COMMANDLINE":
        typer.echo(FLAG_WARNING.format(flag=flag, env=env), err=True)
    return value
