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
# One name per role, in every command: DENDRO_TOKEN writes (what Vector's http sink sends),
# DENDRO_READ_TOKEN reads (the dashboard's visitors, `dendro query` through the collector).
READ_TOKEN_ENV = "DENDRO_READ_TOKEN"
ReadTokenFile = Annotated[Path | None, token_file_option("--read-token", READ_TOKEN_ENV, "the read token")]
ReadToken = Annotated[
    str | None,
    typer.Option(
        envvar=READ_TOKEN_ENV,
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


# `dendro dashboard --token` / DENDRO_DASHBOARD_TOKEN (and their -file forms) were the dashboard's own
# names for what is the read token everywhere else: still read, with a note, and hidden from --help.
_OLD_DASHBOARD = {
    ("old_token", "COMMANDLINE"): ("--token", "--read-token"),
    ("old_token", "ENVIRONMENT"): ("DENDRO_DASHBOARD_TOKEN", READ_TOKEN_ENV),
    ("old_token_file", "COMMANDLINE"): ("--token-file", "--read-token-file"),
    ("old_token_file", "ENVIRONMENT"): ("DENDRO_DASHBOARD_TOKEN_FILE", f"{READ_TOKEN_ENV}_FILE"),
}
OldDashboardToken = Annotated[
    str | None, typer.Option("--token", envvar="DENDRO_DASHBOARD_TOKEN", hidden=True, show_default=False)
]
OldDashboardTokenFile = Annotated[
    Path | None,
    typer.Option(
        "--token-file", envvar="DENDRO_DASHBOARD_TOKEN_FILE", hidden=True, dir_okay=False, show_default=False
    ),
]


def with_old_dashboard_token(
    ctx: typer.Context, token: str | None, old_token: str | None, old_token_file: Path | None
) -> str | None:
    """`token` (the read token), or the old spelling's value with a deprecation note."""
    from dendro.cli.console import deprecated, warn

    used = [
        _OLD_DASHBOARD[(name, source.name)]
        for name, value in (("old_token", old_token), ("old_token_file", old_token_file))
        if value is not None
        and (source := ctx.get_parameter_source(name)) is not None
        and (name, source.name) in _OLD_DASHBOARD
    ]
    if not used:
        return token
    for old, new in used:
        deprecated(old, new, "the dashboard's token is the read token, one name in every command")
    if token is not None:
        warn(f"{used[0][0]} is ignored: the read token is set too")
        return token
    return resolve(ctx, "old_token", old_token, old_token_file, "--token", "DENDRO_DASHBOARD_TOKEN")
