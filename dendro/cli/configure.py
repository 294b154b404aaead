"""`dendro configure`: pick sources and a sink, write vector.toml and dendro.toml."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from dendro.cli import options as o
from dendro.cli.console import deprecated


def configure(
    yes: o.Yes = False,
    source: o.Sources = None,
    sink: o.Sink = o.SinkKind.http,
    endpoint: o.Endpoint = None,
    stream: o.Stream = None,
    region: o.Region = None,
    role_arn: o.RoleArn = None,
    store: o.StoreOpt = None,
    outputs: o.Outputs = None,
    host: o.HostName = None,
    out: Annotated[
        Path, typer.Option("--out", help="Folder to write vector.toml and dendro.toml into.")
    ] = Path("."),
    old_output: Annotated[
        Path | None, typer.Option("--output", hidden=True, help="Deprecated spelling of --out.")
    ] = None,
    fmt: o.Format = o.ConfigFormat.toml,
    root: Annotated[Path, typer.Option(hidden=True, help="Filesystem root to detect services under.")] = Path(
        "/"
    ),
) -> None:
    """Choose what Vector collects and where it sends it; writes DIR/vector.toml and DIR/dendro.toml.

    Without --yes it asks (detected services are preselected). For CI:

    \b
      dendro configure --yes --source nginx_access --source host_metrics \\
          --sink http --endpoint http://127.0.0.1:8686 --out DIR
    """
    from dendro.agent.configure import Choices
    from dendro.cli.setup_flow import build_and_write, detect_and_choose

    if old_output is not None:
        # A folder is --out everywhere (here and `dendro synth`); --output names a file (`dendro-node init`).
        deprecated("--output DIR", "--out DIR", "a folder is --out, a file --output, in every command")
        out = old_output

    # StrEnum members are plain strings to Choices.
    choices = Choices(list(source or []), sink, endpoint, stream, region, role_arn, store, host, outputs)
    choices = detect_and_choose(choices, yes=yes, root=root)
    vector_file = out / f"vector.{fmt.value}"
    build_and_write(choices, vector_file, out / "dendro.toml", fmt.value, place_flag="--out")
    typer.echo(
        f"Next: vector --config {vector_file}   (validate any time: dendro-node validate {vector_file})"
    )
