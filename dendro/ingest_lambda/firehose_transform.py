"""The iceberg store's path: Firehose calls the ingest Lambda as its data-transformation function.

Contract (aws-notes §2, §3): every input `recordId` comes back exactly once, in input order, either
- `Ok`, `data` = the record's row as normalized JSON (catalog columns only, nulls left out, timestamps
  as epoch microseconds, which Firehose's Iceberg writer requires) and `metadata.otfMetadata` naming
  the Glue database and the table (the catalog type) Firehose inserts it into; or
- `ProcessingFailed`, `data` = the dead-letter line the timestream store writes for a reject
  ({"reason", "detail", "type", "source", "raw"}). Firehose puts it under errors/processing-failed/.

One Firehose record is one event (the agents' iceberg sink does not pack). A record holding several
events is refused whole (`packed_record`), since one recordId can carry one row only.

The 6 MB response limit. Firehose hands the Lambda at most 1 MB of records (the stream's processor
setting), which a response normally fits five times over; but many tiny records (each output carries
its routing metadata) could still exceed it, so the response is measured as it is built. When it would
exceed the budget, records are made smaller, first the failed ones (their data becomes the original
record instead of the dead-letter line; the reason stays in this function's log), then, from the end,
good ones: they become ProcessingFailed with reason `response_too_large` and their original data, so
they land in errors/ for replay and the RecordsDeadLettered alarm says so. A record returned that way is
never larger than it was in the request, and the request itself was at most 6 MB, so the budget is
always met and no record is ever dropped.

Pure: no boto3. Metrics are the timestream path's EMF lines (ingest_lambda/emf.py).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson

from dendro.catalog.model import FieldType, Source
from dendro.ingest_lambda.batch import Reject
from dendro.ingest_lambda.decode import DecodeError
from dendro.ingest_lambda.emf import UNKNOWN_TYPE, PipelineCounts, metric_lines
from dendro.ingest_lambda.env import IngestEnv
from dendro.ingest_lambda.errors_sink import reject_line
from dendro.ingest_lambda.per_source import PerSource, print_line
from dendro.ingest_lambda.route import Router
from dendro.ingest_lambda.timestream import EVENT_ID

OK = "Ok"
FAILED = "ProcessingFailed"
# AWS's own transform blueprints keep responses under 6,000,000 bytes: a margin below Lambda's 6 MB.
RESPONSE_BUDGET = 6_000_000
TOO_LARGE = "response_too_large"
LOGGED_REJECTS = 50  # per invocation, so that one poison batch does not flood the log
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)


def is_firehose_event(event: Mapping[str, Any]) -> bool:
    return "records" in event and "deliveryStreamArn" in event


class RowEncoder:
    """Rows of one source (tuples in `Source.columns` order) as the JSON objects Firehose maps onto
    the Iceberg table's columns: only first-level keys, names and types as the table has them."""

    def __init__(self, source: Source) -> None:
        self.source = source
        self.names = tuple(f.name for f in source.columns)
        self.timestamps = tuple(i for i, f in enumerate(source.columns) if f.type is FieldType.TIMESTAMP)
        self.host = self.names.index("host")
        red = "error_rate" in source.alerts and {"service", "status_class"} <= set(self.names)
        self.red = (self.names.index("service"), self.names.index("status_class")) if red else None

    def encode(self, row: Sequence[Any], event_id: str | None = None) -> bytes:
        """The row's JSON with its `event_id`, so that a record delivered twice (a resent request,
        Firehose's at-least-once delivery) carries the same id twice and the tables' `_unique` views
        keep one copy (schema_evolution/ddl.py). The agent gives each event a UUID before its buffer
        (vector_configs/sinks.py); an event without one (an agent configured before) gets a hash of
        its content, which also merges genuinely identical events (same host, second and line)."""
        values = list(row)
        for i in self.timestamps:
            if values[i] is not None:
                values[i] = (values[i] - EPOCH) // _MICROSECOND
        data = orjson.dumps({n: v for n, v in zip(self.names, values, strict=True) if v is not None})
        if event_id is None:
            event_id = hashlib.blake2b(data, digest_size=8).hexdigest()
        # `data` is a non-empty object (type, host, timestamp at least): splice the id in before `}`.
        return b"%s,%s}" % (data[:-1], orjson.dumps({EVENT_ID: event_id})[1:-1])


@dataclass
class TransformRuntime:
    env: IngestEnv
    router: Router = field(init=False)  # built from env.window
    emit: Callable[[bytes], None] = print_line
    encoder: PerSource[RowEncoder] = field(default_factory=lambda: PerSource(RowEncoder))

    def __post_init__(self) -> None:
        self.router = Router(window=self.env.window)


MAX_EVENT_ID = 64


@dataclass
class Output:
    """One output record, with what is needed to shrink it later."""

    record: dict[str, Any]
    size: int  # bytes in the response as the Lambda runtime serializes it (json.dumps)
    original: str  # the input's base64 data
    type: str | None
    reject: Reject | None = None


def _size(record: Mapping[str, Any]) -> int:
    # The Python runtime serializes the handler's return value with json.dumps' default separators.
    return len(json.dumps(record))


def _failed(record_id: str, reject: Reject, original: str, source: str) -> Output:
    data = base64.b64encode(reject_line(reject, source)).decode("ascii")
    record = {"recordId": record_id, "result": FAILED, "data": data}
    return Output(record, _size(record), original, reject.type, reject)


def _fallback(output: Output, reason: str | None = None) -> Output:
    """The smallest form of a record: ProcessingFailed with the data exactly as it came in."""
    record = {"recordId": output.record["recordId"], "result": FAILED, "data": output.original}
    reject = output.reject
    if reason is not None:
        raw = base64.b64decode(output.original)
        reject = Reject(
            reason, f"the transform's response would exceed {RESPONSE_BUDGET} bytes", raw, output.type
        )
    return Output(record, _size(record), output.original, output.type, reject)


def transform_record(record: Mapping[str, Any], rt: TransformRuntime, source: str) -> tuple[Output, Any]:
    """One input record -> its output, and the row (for the metrics) when it is Ok."""
    record_id = record["recordId"]
    original = record["data"]
    try:
        raw = base64.b64decode(original, validate=True)
    except (binascii.Error, ValueError) as error:
        reject = Reject("invalid_base64", f"record data is not base64: {error}", original.encode())
        return _failed(record_id, reject, original, source), None
    try:
        batch = rt.router.ingest(raw)
    except DecodeError as error:
        return _failed(record_id, Reject("undecodable_record", str(error), raw), original, source), None
    if batch.records != 1:
        reject = (
            Reject("empty_record", "the record holds no event", raw)
            if batch.records == 0
            else Reject(
                "packed_record",
                f"the record holds {batch.records} events; the iceberg store takes one event per Firehose "
                'record: set store = "iceberg" in the agent\'s sink settings (dendro configure)',
                raw,
            )
        )
        return _failed(record_id, reject, original, source), None
    if batch.rejects:
        return _failed(record_id, batch.rejects[0], original, source), None
    [(type_id, [row])] = batch.rows.items()
    encoder = rt.encoder(type_id)
    if type_id not in rt.env.sources:
        detail = f"{type_id} has no table in this stack; add it with dendro deploy --source {type_id}"
        reject = Reject("source_not_enabled", detail, raw, type_id)
        return _failed(record_id, reject, original, source), None
    out = {
        "recordId": record_id,
        "result": OK,
        "data": base64.b64encode(encoder.encode(row, _agent_event_id(raw))).decode("ascii"),
        "metadata": {
            "otfMetadata": {
                "destinationDatabaseName": rt.env.database,
                "destinationTableName": type_id,
                "operation": "insert",
            }
        },
    }
    return Output(out, _size(out), original, type_id), row


def _agent_event_id(raw: bytes) -> str | None:
    """The id the agent gave the event, when it is a short string (a UUID); anything else is ignored."""
    if b'"event_id"' not in raw:  # most records of an older agent: skip the second parse
        return None
    value = orjson.loads(raw).get(EVENT_ID)
    return value if isinstance(value, str) and 0 < len(value) <= MAX_EVENT_ID else None


def response_size(outputs: Sequence[Output]) -> int:
    # {"records": [a, b, ...]}: the envelope, the records and a ", " between two of them.
    return len('{"records": []}') + sum(o.size for o in outputs) + 2 * max(0, len(outputs) - 1)


def fit(outputs: list[Output], budget: int = RESPONSE_BUDGET) -> int:
    """Shrink records in place until the response fits `budget`; returns how many good records had to
    be failed. Failed records shrink first (largest saving first), then good ones from the end."""
    total = response_size(outputs)
    if total <= budget:
        return 0
    failed = sorted(
        (i for i, o in enumerate(outputs) if o.reject is not None),
        key=lambda i: outputs[i].size - len(outputs[i].original),
        reverse=True,
    )
    for i in failed:
        if total <= budget:
            return 0
        smaller = _fallback(outputs[i])
        total -= outputs[i].size - smaller.size
        outputs[i] = smaller
    demoted = 0
    for i in range(len(outputs) - 1, -1, -1):
        if total <= budget:
            break
        if outputs[i].reject is None:
            smaller = _fallback(outputs[i], TOO_LARGE)
            total -= outputs[i].size - smaller.size
            outputs[i] = smaller
            demoted += 1
    return demoted


def transform_event(
    event: Mapping[str, Any],
    rt: TransformRuntime,
    *,
    now_ms: Callable[[], int] | None = None,
    budget: int = RESPONSE_BUDGET,
) -> dict[str, Any]:
    stream = event.get("deliveryStreamArn", "firehose")
    outputs: list[Output] = []
    rows: dict[int, Any] = {}
    for record in event["records"]:
        output, row = transform_record(record, rt, f"{stream}#{record['recordId']}")
        if row is not None:
            rows[len(outputs)] = row
        outputs.append(output)
    demoted = fit(outputs, budget)

    counts = PipelineCounts(rules=rt.env.metric_rules)
    reasons: dict[str, int] = {}
    logged: list[dict[str, Any]] = []
    for i, output in enumerate(outputs):
        type_id = output.type or UNKNOWN_TYPE
        if output.reject is None:
            counts.written[type_id] += 1
            encoder = rt.encoder(type_id)
            counts.count_rows(type_id, encoder.names, (rows[i],), red=encoder.red is not None)
            continue
        counts.rejected[type_id] += 1
        reasons[output.reject.reason] = reasons.get(output.reject.reason, 0) + 1
        if len(logged) < LOGGED_REJECTS:
            logged.append(
                {
                    "recordId": output.record["recordId"],
                    "reason": output.reject.reason,
                    "detail": output.reject.detail,
                    "type": output.reject.type,
                }  # fmt: skip
            )
    written = sum(counts.written.values())
    summary = {
        "level": "WARN" if demoted else "INFO",
        "invocation": event.get("invocationId"),
        "records": len(outputs),
        "ok": written,
        "failed": len(outputs) - written,
        "reasons": dict(sorted(reasons.items())),
        "response_bytes": response_size(outputs),
    }
    rt.emit(orjson.dumps({**summary, "rejects": logged} if logged else summary))
    timestamp = now_ms() if now_ms else int(time.time() * 1000)
    for line in metric_lines(counts, namespace=rt.env.metrics_namespace, timestamp_ms=timestamp):
        rt.emit(line)
    return {"records": [o.record for o in outputs]}
