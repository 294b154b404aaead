"""The ingest Lambda's entry point, for both stores:

- iceberg: Firehose invokes it as the stream's data-transformation function (`firehose_transform`);
- timestream: S3 object-created events on the staging prefix (`staged_ingest`).

Thin on purpose: the event's shape picks the path, configuration and clients are built once per cold
start, the work is in those two modules. boto3 is imported on first use (the transform needs none),
so that loading the module stays fast.
"""

from __future__ import annotations

import os
from typing import Any

from dendro.ingest_lambda.env import load_env
from dendro.ingest_lambda.firehose_transform import TransformRuntime, is_firehose_event, transform_event
from dendro.ingest_lambda.staged_ingest import Runtime, build_runtime, ingest_event

_RUNTIME: Runtime | None = None
_TRANSFORM: TransformRuntime | None = None


def runtime() -> Runtime:
    global _RUNTIME
    if _RUNTIME is None:
        import boto3
        from botocore.config import Config

        # Our own backoff (timestream.TimestreamWriter) decides retries, so the SDK's is off for
        # Timestream; S3 keeps the SDK's standard retries.
        timestream_config = Config(
            retries={"mode": "standard", "total_max_attempts": 1}, max_pool_connections=50
        )
        env = load_env(os.environ)
        _RUNTIME = build_runtime(
            env,
            s3=boto3.client("s3", config=Config(retries={"mode": "standard"})),
            timestream=boto3.client("timestream-write", config=timestream_config),
        )
    return _RUNTIME


def transform_runtime() -> TransformRuntime:
    global _TRANSFORM
    if _TRANSFORM is None:
        _TRANSFORM = TransformRuntime(env=load_env(os.environ))
    return _TRANSFORM


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    if is_firehose_event(event):
        return transform_event(event, transform_runtime())
    return ingest_event(event, runtime())
