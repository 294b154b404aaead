"""Factories for dendro.toml settings and the configs built from them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from dendro.catalog import SOURCES
from dendro.vector_configs.generate import build_config
from dendro.vector_configs.interpolate import interpolate
from dendro.vector_configs.render import to_dict
from dendro.vector_configs.settings import DendroSettings

FIREHOSE_ICEBERG = {"kind": "firehose", "stream": "dendro-events", "region": "us-east-1"}
FIREHOSE_TIMESTREAM = {**FIREHOSE_ICEBERG, "store": "timestream"}
FIREHOSE_ROLE = {**FIREHOSE_ICEBERG, "role_arn": "arn:aws:iam::123456789012:role/dendro-agent"}
HTTP = {"kind": "http", "endpoint": "http://127.0.0.1:8080/ingest"}
SINKS = {"iceberg": FIREHOSE_ICEBERG, "timestream": FIREHOSE_TIMESTREAM, "http": HTTP}

CUSTOM_REGEX = {
    "name": "billing_worker",
    "include": ["/var/log/billing/*.log"],
    "regex": r"^(?P<timestamp>\S+) (?P<level>[A-Z]+) (?P<duration_ms>\d+(?:\.\d+)?)ms (?P<message>.*)$",
    "fields": {"duration_ms": "float"},
    "dimensions": ["level"],
}
CUSTOM_VRL = {
    "name": "queue_worker",
    "include": ["/srv/queue/worker.log"],
    "vrl": '. = merge(., parse_key_value(.message) ?? {})\n.timestamp = parse_timestamp(.ts, "%+") ?? null\n',
    "fields": {"job": "string", "attempt": "int"},
}

Settings = Callable[..., DendroSettings]


@pytest.fixture
def make_settings() -> Settings:
    def make(sources: list[dict[str, Any]] | None = None, sink: dict[str, Any] | None = None, **extra: Any):
        data = {"sources": [{"type": "nginx_access"}] if sources is None else sources, "sink": sink or HTTP}
        return DendroSettings.model_validate({**data, **extra})

    return make


def every_source() -> list[dict[str, Any]]:
    return [{"type": type_id} for type_id in SOURCES]


def rendered(settings: DendroSettings) -> dict[str, Any]:
    """The config as Vector sees it once it has substituted the environment."""
    return interpolate(to_dict(build_config(settings)), {"DENDRO_TOKEN": "secret-token"})
