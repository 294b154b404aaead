"""The `[sink]` table of dendro.toml: Amazon Data Firehose, or the local collector over HTTP."""

from __future__ import annotations

import math
import re
from typing import Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, field_validator

# Vector's smallest disk buffer (vector_buffers config); the schema rejects anything below.
MIN_DISK_BUFFER_BYTES = 268_435_488
# The disk buffer sits between the pipeline and the network. Size it for a long outage of the
# destination on a busy small-team server: 12 hours at a sustained 64 KiB/s of events (about 200
# access-log lines a second), about 2.6 GiB, rounded up to 3 GiB. Disk buffers grow on demand, so
# this costs disk only during an outage. Past it `when_full = "block"` holds the file sources
# back: nothing is dropped, the log files themselves become the buffer until logrotate removes them.
OUTAGE_HOURS = 12
SUSTAINED_BYTES_PER_SEC = 64 * 1024
_GIB = 1024**3
DEFAULT_BUFFER_MAX_BYTES = math.ceil(OUTAGE_HOURS * 3600 * SUSTAINED_BYTES_PER_SEC / _GIB) * _GIB

_REGION = re.compile(r"^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d+$")
_STREAM = re.compile(r"^[a-zA-Z0-9_.-]{1,64}$")
_ROLE_ARN = re.compile(r"^arn:aws[a-z-]*:iam::\d{12}:role/[\w+=,.@/-]{1,512}$")
_ENV_VAR = re.compile(r"^[A-Z_][A-Z0-9_]*$")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class FirehoseSinkSettings(_Strict):
    kind: Literal["firehose"]
    stream: str
    region: str
    role_arn: str | None = None
    # "timestream" packs many events per Firehose record (see packing.py); "iceberg" sends one each.
    store: Literal["iceberg", "timestream"] = "iceberg"
    buffer_max_bytes: int = Field(DEFAULT_BUFFER_MAX_BYTES, ge=MIN_DISK_BUFFER_BYTES)

    @field_validator("stream")
    @classmethod
    def _stream_name(cls, value: str) -> str:
        if not _STREAM.match(value):
            raise ValueError(f"{value!r} is not a Firehose stream name (1-64 of a-z A-Z 0-9 _ . -)")
        return value

    @field_validator("region")
    @classmethod
    def _region(cls, value: str) -> str:
        if not _REGION.match(value):
            raise ValueError(f"{value!r} is not an AWS region; write it like us-east-1 or eu-central-1")
        return value

    @field_validator("role_arn")
    @classmethod
    def _role(cls, value: str | None) -> str | None:
        if value is not None and not _ROLE_ARN.match(value):
            example = "arn:aws:iam::123456789012:role/dendro-agent"
            raise ValueError(f"{value!r} is not an IAM role ARN like {example}")
        return value


class HttpSinkSettings(_Strict):
    """The local collector (`dendro local up`)."""

    kind: Literal["http"]
    endpoint: str
    # Vector reads the token from this variable at run time (`${DENDRO_TOKEN}`); it is never written.
    token_env: str = "DENDRO_TOKEN"
    buffer_max_bytes: int = Field(DEFAULT_BUFFER_MAX_BYTES, ge=MIN_DISK_BUFFER_BYTES)

    @field_validator("endpoint")
    @classmethod
    def _http_url(cls, value: str) -> str:
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"{value!r} is not an http(s) URL like http://127.0.0.1:8080/ingest")
        return value

    @field_validator("token_env")
    @classmethod
    def _env_name(cls, value: str) -> str:
        if not _ENV_VAR.match(value):
            raise ValueError(f"{value!r} is not an environment variable name like DENDRO_TOKEN")
        return value
