"""Options shared by `dendro configure` and `dendro-node init`, declared once."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer


class SinkKind(StrEnum):
    http = "http"
    firehose = "firehose"


class Store(StrEnum):
    iceberg = "iceberg"
    timestream = "timestream"


class ConfigFormat(StrEnum):
    toml = "toml"
    yaml = "yaml"


Yes = Annotated[
    bool, typer.Option("--yes", "-y", help="No questions: take the flags (and detection) as they are.")
]
Sources = Annotated[
    list[str] | None,
    typer.Option(
        "--source", "-s", help="Catalog source to collect; repeat for several. Default: detected ones."
    ),
]
Sink = Annotated[SinkKind, typer.Option(help="Where Vector sends events: the local collector or AWS.")]
Endpoint = Annotated[
    str | None, typer.Option(help="Collector URL for --sink http, e.g. http://127.0.0.1:8686.")
]
Stream = Annotated[str | None, typer.Option(help="Firehose delivery stream name for --sink firehose.")]
Region = Annotated[str | None, typer.Option(help="AWS region of the stream, e.g. eu-west-1.")]
RoleArn = Annotated[str | None, typer.Option(help="IAM role Vector assumes to write to Firehose (optional).")]
StoreOpt = Annotated[
    Store | None,
    typer.Option("--store", help="The pipeline's store; timestream packs events into fewer billed records."),
]
Outputs = Annotated[
    Path | None,
    typer.Option(
        help="Stack outputs saved by `dendro deploy` (.dendro/outputs.json) to read stream and region from."
    ),
]
HostName = Annotated[
    str | None, typer.Option("--host", help="Host name stamped on events. Default: hostname.")
]
Format = Annotated[ConfigFormat, typer.Option("--format", help="Vector config format.")]
Profile = Annotated[
    str | None, typer.Option(help="AWS profile from ~/.aws/config (default: the usual chain).")
]
StackName = Annotated[str, typer.Option("--stack-name", help="CloudFormation stack name of the pipeline.")]
