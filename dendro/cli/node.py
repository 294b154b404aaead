"""`dendro-node`: run on each server to set up its Vector agent."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from dendro.cli import options as o
from dendro.cli.console import fail
from dendro.cli.install_vector import install_vector

if TYPE_CHECKING:
    from dendro.agent.configure import Choices

app = typer.Typer(
    name="dendro-node",
    help="Set up the Vector agent on this server: detect services, write and validate its config.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
    # Plain help: click wraps it to the terminal and never cuts a default with an ellipsis, as
    # rich's narrow option table does at 80 columns (and rich markup would eat a "[default: ...]").
    rich_markup_mode=None,
)
app.command("install-vector")(install_vector)

DEFAULT_CONFIG = Path("/etc/vector/vector.toml")
SYSTEMD_DROPIN = Path("etc/systemd/system/vector.service.d/dendro.conf")


@app.command()
def init(
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
    output: Annotated[Path, typer.Option(help="Vector config file to write; dendro.toml goes beside it.")] = (
        DEFAULT_CONFIG
    ),
    from_aws: Annotated[
        bool,
        typer.Option(
            "--from-aws",
            help="Find the deployed pipeline (stream, region, store) in SSM; sink becomes firehose.",
        ),
    ] = False,
    stack_name: Annotated[
        str, typer.Option("--stack-name", help="Stack to find with --from-aws.")
    ] = "Dendro",
    profile: Annotated[str | None, typer.Option(help="AWS profile for --from-aws.")] = None,
    systemd: Annotated[
        bool,
        typer.Option(
            "--systemd", help="Also write a systemd drop-in so the vector service runs this config."
        ),
    ] = False,
    root: Annotated[
        Path, typer.Option(help="Filesystem root to detect services under (and write to).")
    ] = Path("/"),
) -> None:
    """Detect services, write the Vector config and validate it; prints the command that starts Vector.

    \b
    Examples:
      sudo dendro-node init
      sudo dendro-node init --yes --sink http --endpoint http://10.0.0.5:8686
      sudo dendro-node init --yes --from-aws --region eu-west-1
    """
    from dendro.agent.configure import Choices
    from dendro.cli.setup_flow import build_and_write, detect_and_choose
    from dendro.vector_configs.validate import config_format

    fmt = config_format(output)
    if fmt == "json":
        fail(f"{output}: dendro-node writes TOML or YAML; name the file .toml or .yaml")
    # StrEnum members are plain strings to Choices.
    choices = Choices(list(source or []), sink, endpoint, stream, region, role_arn, store, host, outputs)
    if from_aws:
        _discover_into(choices, stack_name, profile, region)
    choices = detect_and_choose(choices, yes=yes, root=root)
    build_and_write(choices, output, output.with_name("dendro.toml"), fmt, place_flag="--output")
    if systemd:
        dropin = root / SYSTEMD_DROPIN
        dropin.parent.mkdir(parents=True, exist_ok=True)
        # Clear the packaged ExecStart first: systemd would otherwise run both.
        dropin.write_text(f"[Service]\nExecStart=\nExecStart=/usr/bin/vector --config {output}\n")
        typer.echo(f"Wrote {dropin}")
        typer.echo("Start Vector: sudo systemctl daemon-reload && sudo systemctl enable --now vector")
    else:
        typer.echo(f"Start Vector: vector --config {output}")


@app.command()
def validate(path: Annotated[Path, typer.Argument(help="Vector config file (TOML, YAML or JSON).")]) -> None:
    """Check a Vector config against Vector's schema, its inputs and its VRL; exit 1 on any problem.

    Example: dendro-node validate /etc/vector/vector.toml
    """
    from dendro.cli.console import warn
    from dendro.vector_configs.validate import check_config, load_config_file

    try:
        document = load_config_file(path)
    except OSError as exc:
        fail(f"cannot read {path}: {exc.strerror}")
    except ValueError as exc:
        fail(f"{path} is not a readable config: {exc}")
    report = check_config(document)
    for note in report.notes:
        warn(note)
    for line in report.problems:
        typer.echo(line, err=True)
    if report.problems:
        raise typer.Exit(1)
    typer.echo(f"{path}: valid")


def _discover_into(choices: Choices, stack_name: str, profile: str | None, region: str | None) -> None:
    """Point the choices at the stack's delivery stream, as its SSM parameters describe it."""
    from dendro.agent.discover import DiscoveryError, discover_pipeline
    from dendro.stack.cdk_cli import PreflightError
    from dendro.stack.names import OutputKey
    from dendro.stack.preflight import check_credentials

    try:
        target = check_credentials(profile, region)
        found = discover_pipeline(target.session.client("ssm"), stack_name)
    except (PreflightError, DiscoveryError) as error:
        fail(str(error))
    choices.sink = "firehose"
    choices.stream = choices.stream or found[OutputKey.DELIVERY_STREAM_NAME]
    choices.region = choices.region or found.get(OutputKey.REGION, target.region)
    choices.store = choices.store or found.get(OutputKey.STORE)
    typer.echo(
        f"Found pipeline {stack_name}: stream {choices.stream} ({choices.store} store, {choices.region})"
    )
