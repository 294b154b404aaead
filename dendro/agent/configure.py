"""Turn a user's choices into dendro.toml and the Vector config, validated before anything is written."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from dendro.stack.names import OutputKey
from dendro.vector_configs.generate import build_config
from dendro.vector_configs.render import to_toml, to_yaml
from dendro.vector_configs.settings import DendroSettings
from dendro.vector_configs.validate import ConfigReport, check_generated

DEFAULT_ENDPOINT = "http://127.0.0.1:8686"


class ChoiceError(ValueError):
    pass


@dataclass
class Choices:
    sources: list[str]
    sink: str = "http"
    endpoint: str | None = None
    stream: str | None = None
    region: str | None = None
    role_arn: str | None = None
    store: str | None = None
    host: str | None = None
    outputs: Path | None = None
    # Per source type, what the wizard asked for; absent, the catalog's defaults apply.
    include: dict[str, list[str]] = field(default_factory=dict)
    endpoints: dict[str, list[str]] = field(default_factory=dict)


def read_stack_outputs(path: Path) -> dict[str, str]:
    """The first stack in a `cdk deploy --outputs-file` document that has a delivery stream."""
    try:
        document = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise ChoiceError(f"cannot read stack outputs {path}: {exc}; run `dendro deploy` first") from exc
    for outputs in document.values():
        if isinstance(outputs, dict) and OutputKey.DELIVERY_STREAM_NAME in outputs:
            return {k: str(v) for k, v in outputs.items()}
    raise ChoiceError(f"{path} has no {OutputKey.DELIVERY_STREAM_NAME}; was it written by `dendro deploy`?")


def build_settings(choices: Choices) -> DendroSettings:
    """Raises ChoiceError for an incomplete choice, SettingsError (one line per field) for a bad one."""
    if not choices.sources:
        raise ChoiceError("no sources chosen; pass --source TYPE (see `dendro configure --help`)")
    sink: dict[str, str | None]
    if choices.sink == "firehose" or choices.outputs is not None:
        stream, region, store = choices.stream, choices.region, choices.store
        if choices.outputs is not None:
            saved = read_stack_outputs(choices.outputs)
            stream = stream or saved.get(OutputKey.DELIVERY_STREAM_NAME)
            region = region or saved.get(OutputKey.REGION)
            store = store or saved.get(OutputKey.STORE)
        if not stream or not region:
            raise ChoiceError("--sink firehose needs --stream and --region, or --outputs FILE")
        sink = {"kind": "firehose", "stream": stream, "region": region, "role_arn": choices.role_arn}
        sink["store"] = store or "iceberg"
    else:
        sink = {"kind": "http", "endpoint": choices.endpoint or DEFAULT_ENDPOINT}
    document = {
        "host": choices.host,
        "sources": [_source_entry(choices, t) for t in dict.fromkeys(choices.sources)],
        "sink": {k: v for k, v in sink.items() if v is not None},
    }
    return DendroSettings.parse({k: v for k, v in document.items() if v is not None}, where="choices")


def _source_entry(choices: Choices, source_type: str) -> dict[str, object]:
    entry: dict[str, object] = {"type": source_type}
    if source_type in choices.include:
        entry["include"] = choices.include[source_type]
    if source_type in choices.endpoints:
        entry["options"] = {"endpoints": choices.endpoints[source_type]}
    return entry


@dataclass(frozen=True)
class Written:
    vector_path: Path
    settings_path: Path
    problems: list[str]
    notes: list[str]


def render_vector_config(settings: DendroSettings, fmt: str = "toml") -> tuple[str, ConfigReport]:
    """The Vector config text and what Vector's schema (and our cross-checks) find in it."""
    config = build_config(settings)
    text = to_yaml(config) if fmt == "yaml" else to_toml(config)
    return text, check_generated(config)


def write_configs(
    settings: DendroSettings, vector_path: Path, settings_path: Path, fmt: str = "toml"
) -> Written:
    text, report = render_vector_config(settings, fmt)
    if report.problems:
        # An invalid config is never written over a working one.
        return Written(vector_path, settings_path, report.problems, report.notes)
    vector_path.parent.mkdir(parents=True, exist_ok=True)
    settings_path.parent.mkdir(parents=True, exist_ok=True)
    vector_path.write_text(text)
    settings.dump(settings_path)
    return Written(vector_path, settings_path, [], report.notes)
