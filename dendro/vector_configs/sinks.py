"""The one sink of a Dendro agent: Amazon Data Firehose, or the local collector over HTTP.

Both are built not to lose events:
- a disk buffer (sink_settings.DEFAULT_BUFFER_MAX_BYTES explains its size) with `when_full = "block"`;
- end-to-end acknowledgements, so file and journald sources checkpoint only what reached the disk
  buffer (Vector acknowledges an event once the disk buffer holds it) and a crash re-reads the rest;
- retries without limit (Vector's default `retry_attempts`), backing off to at most a minute.
"""

from __future__ import annotations

from dendro.vector_configs.models import (
    Acknowledgements,
    AwsAuth,
    Batch,
    BearerAuth,
    DiskBuffer,
    Encoding,
    FirehoseSink,
    Framing,
    Healthcheck,
    HttpSink,
    Remap,
    Request,
    Sink,
    Transform,
)
from dendro.vector_configs.packing import packing_transforms
from dendro.vector_configs.sink_settings import FirehoseSinkSettings, HttpSinkSettings

FIREHOSE_SINK_ID = "firehose"
COLLECTOR_SINK_ID = "collector"

# PutRecordBatch takes 500 records and 4 MiB per call. Vector sizes a batch by its estimate of
# the events' size before encoding, so stay a MiB below the hard limit.
FIREHOSE_MAX_RECORDS = 500
FIREHOSE_BATCH_BYTES = 3 * 1024 * 1024
COLLECTOR_BATCH_BYTES = 1024 * 1024
RETRY_MAX_BACKOFF_SECS = 60
EVENT_ID_TRANSFORM = "event_id"
EVENT_ID_VRL = ".event_id = uuid_v4()"


def build_sink(
    settings: FirehoseSinkSettings | HttpSinkSettings, inputs: list[str]
) -> tuple[dict[str, Transform], dict[str, Sink]]:
    """The sink reading `inputs`, plus any transforms it needs in front of it."""
    if isinstance(settings, HttpSinkSettings):
        return {}, {COLLECTOR_SINK_ID: collector_sink(settings, inputs)}
    transforms: dict[str, Transform] = {}
    if settings.store == "timestream":
        transforms, inputs = packing_transforms(inputs)
    else:
        # Iceberg appends whatever arrives, and an event may arrive twice (a resent request, Firehose's
        # at-least-once delivery). An id given once here, before the disk buffer, travels with every
        # copy; the tables' `_unique` views keep one row per id (stack/schema_evolution/ddl.py).
        transforms = {EVENT_ID_TRANSFORM: Remap(inputs=inputs, source=EVENT_ID_VRL)}
        inputs = [EVENT_ID_TRANSFORM]
    return transforms, {FIREHOSE_SINK_ID: firehose_sink(settings, inputs)}


def firehose_sink(settings: FirehoseSinkSettings, inputs: list[str]) -> FirehoseSink:
    return FirehoseSink(
        inputs=inputs,
        stream_name=settings.stream,
        region=settings.region,
        # Without `auth`, Vector uses the default AWS chain (env, profile, instance role).
        auth=AwsAuth(assume_role=settings.role_arn) if settings.role_arn else None,
        # Vector's start-up check calls DescribeDeliveryStream, which the agent policy deliberately
        # does not grant (PutRecord/PutRecordBatch only); delivery errors still surface as retries.
        healthcheck=Healthcheck(enabled=False),
        # timestream: records are packed NDJSON text; iceberg: one JSON event per record (one row).
        encoding=Encoding(codec="text" if settings.store == "timestream" else "json"),
        batch=Batch(max_events=FIREHOSE_MAX_RECORDS, max_bytes=FIREHOSE_BATCH_BYTES, timeout_secs=1),
        request=Request(retry_max_duration_secs=RETRY_MAX_BACKOFF_SECS),
        # A partly failed PutRecordBatch still answers HTTP 200; without this Vector drops the
        # failed records. Resending them may duplicate a record: Timestream's writes are idempotent,
        # and the iceberg tables' `_unique` views drop copies by the event_id given above.
        request_retry_partial=True,
        buffer=DiskBuffer(max_size=settings.buffer_max_bytes),
        acknowledgements=Acknowledgements(enabled=True),
    )


def collector_sink(settings: HttpSinkSettings, inputs: list[str]) -> HttpSink:
    return HttpSink(
        inputs=inputs,
        uri=settings.endpoint,
        encoding=Encoding(codec="json"),
        framing=Framing(method="newline_delimited"),
        compression="gzip",
        # Vector substitutes the variable when it loads the config; the file never holds the token.
        auth=BearerAuth(token="${" + settings.token_env + "}"),
        batch=Batch(max_bytes=COLLECTOR_BATCH_BYTES, timeout_secs=1),
        request=Request(retry_max_duration_secs=RETRY_MAX_BACKOFF_SECS),
        buffer=DiskBuffer(max_size=settings.buffer_max_bytes),
        acknowledgements=Acknowledgements(enabled=True),
    )
