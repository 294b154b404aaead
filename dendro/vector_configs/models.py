"""Pydantic models of the part of Vector's configuration that Dendro writes (Vector 0.54).

Option names and shapes follow Vector's published config JSON Schema (vector_configs/schema/); the
tests validate every generated config against it. Typed components forbid unknown keys, so a typo
in the generator fails at once. Sources allow extra keys because the catalog and the user's
`options` pass Vector options straight through; the schema check catches a bad one there.

VRL text is held as Vector should run it. Vector substitutes environment variables (`$VAR`,
`${VAR}`) in the raw config text, VRL included, so serialization escapes every `$` in VRL (and in
multiline regexes) as `$$`. Other strings pass through: a user may mean `${PGPASSWORD}` in an option.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_serializer


def escape_dollars(vrl: str) -> str:
    """VRL as written into a Vector config file: `$$` reads back as `$` after interpolation."""
    return vrl.replace("$", "$$")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class _Open(BaseModel):
    model_config = ConfigDict(extra="allow")


# --- sources ---


class Multiline(_Strict):
    start_pattern: str
    condition_pattern: str
    mode: Literal["continue_through", "continue_past", "halt_before", "halt_with"]
    timeout_ms: int

    @field_serializer("start_pattern", "condition_pattern")
    def _escaped(self, pattern: str) -> str:
        return escape_dollars(pattern)  # a regex's `$` is never an environment variable


class SourceComponent(_Open):
    """Any Vector source: `type` plus its options (the catalog's and the user's)."""

    type: str


class FileSource(SourceComponent):
    type: Literal["file"] = "file"
    include: list[str]
    # Where to start in a file that has no checkpoint yet (see generate.file_source).
    read_from: Literal["beginning", "end"] = "end"
    multiline: Multiline | None = None


# --- transforms ---


class Remap(_Strict):
    type: Literal["remap"] = "remap"
    inputs: list[str]
    source: str
    # A runtime error leaves the event as it was and sends it on: a line is never dropped for it.
    drop_on_error: bool = False
    drop_on_abort: bool | None = None

    @field_serializer("source")
    def _escaped(self, source: str) -> str:
        return escape_dollars(source)


class MetricToLog(_Strict):
    type: Literal["metric_to_log"] = "metric_to_log"
    inputs: list[str]


class Route(_Strict):
    """Outputs are `<id>.<route name>` and `<id>._unmatched`; conditions are VRL expressions."""

    type: Literal["route"] = "route"
    inputs: list[str]
    route: dict[str, str]
    reroute_unmatched: bool = True

    @field_serializer("route")
    def _escaped(self, route: dict[str, str]) -> dict[str, str]:
        return {name: escape_dollars(condition) for name, condition in route.items()}


class Reduce(_Strict):
    type: Literal["reduce"] = "reduce"
    inputs: list[str]
    group_by: list[str] = []
    merge_strategies: dict[str, str]
    max_events: int
    expire_after_ms: int
    end_every_period_ms: int
    flush_period_ms: int


Transform = Annotated[Remap | MetricToLog | Route | Reduce, Field(discriminator="type")]


# --- sinks ---


class Acknowledgements(_Strict):
    enabled: bool = True


class DiskBuffer(_Strict):
    type: Literal["disk"] = "disk"
    max_size: int
    when_full: Literal["block"] = "block"


class Batch(_Strict):
    max_events: int | None = None
    max_bytes: int | None = None
    timeout_secs: float | None = None


class Request(_Strict):
    # retry_attempts is left at Vector's default, unlimited (i64::MAX, above the schema's maximum).
    retry_initial_backoff_secs: int | None = None
    retry_max_duration_secs: int | None = None
    timeout_secs: int | None = None


class Encoding(_Strict):
    codec: Literal["json", "text"]


class Framing(_Strict):
    method: Literal["newline_delimited"]


class AwsAuth(_Strict):
    assume_role: str


class BearerAuth(_Strict):
    strategy: Literal["bearer"] = "bearer"
    token: str


class Healthcheck(_Strict):
    enabled: bool


class FirehoseSink(_Strict):
    type: Literal["aws_kinesis_firehose"] = "aws_kinesis_firehose"
    inputs: list[str]
    stream_name: str
    region: str
    auth: AwsAuth | None = None
    healthcheck: Healthcheck | None = None
    encoding: Encoding
    batch: Batch
    request: Request
    request_retry_partial: bool = True
    buffer: DiskBuffer
    acknowledgements: Acknowledgements = Acknowledgements()


class HttpSink(_Strict):
    type: Literal["http"] = "http"
    inputs: list[str]
    uri: str
    method: Literal["post"] = "post"
    encoding: Encoding
    framing: Framing
    compression: Literal["gzip", "none"] = "gzip"
    auth: BearerAuth
    batch: Batch
    request: Request
    buffer: DiskBuffer
    acknowledgements: Acknowledgements = Acknowledgements()


Sink = Annotated[FirehoseSink | HttpSink, Field(discriminator="type")]


# --- the whole file ---


class Api(_Strict):
    enabled: bool = True
    address: str = "127.0.0.1:8686"


class VectorConfig(_Strict):
    data_dir: str
    api: Api | None = None
    # FileSource listed first: serialized as itself, not cut down to the base model's fields.
    sources: dict[str, FileSource | SourceComponent]
    transforms: dict[str, Transform]
    sinks: dict[str, Sink]

    def dump(self) -> dict[str, Any]:
        """The document as written to the file (VRL `$` escaped; `${VAR}` references left for Vector)."""
        return self.model_dump(mode="json", exclude_none=True)
