"""One S3 event -> each staged object read, ingested by the core, written to Timestream, dead-lettered.

The pure core (`route.Router`) turns bytes into rows and rejects; this module is the I/O around it.
Every input record ends as a written row or a dead letter. A poison object (unreadable, not gzip,
every line garbage) becomes dead letters and never stops the other objects of the event. A failure a
retry can fix (throttling that outlasts the backoff, S3 5xx) fails the invocation after the other
objects are done, and S3 retries it; processing is deterministic, so the retry rewrites the same rows.
"""

from __future__ import annotations

import time
import traceback
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import orjson

from dendro.ingest_lambda.batch import TOO_MANY_REJECTS, Batch, Reject
from dendro.ingest_lambda.decode import DecodeError
from dendro.ingest_lambda.emf import UNKNOWN_TYPE, PipelineCounts, metric_lines
from dendro.ingest_lambda.env import IngestEnv
from dendro.ingest_lambda.errors_sink import dead_letter_key, write_dead_letters
from dendro.ingest_lambda.per_source import PerSource, print_line
from dendro.ingest_lambda.route import Router, collector_paused
from dendro.ingest_lambda.s3_source import StagedObject, UnreadableObjectError, read_object, staged_objects
from dendro.ingest_lambda.timestream import BATCH_SIZE, RecordMapper, TimestreamWriter, WriteSession


class IngestRetryError(RuntimeError):
    """Raised after the whole event is handled when some object needs a retry."""


@dataclass
class Runtime:
    """Everything an invocation needs, built once per cold start (or by a test, with stubbed clients)."""

    env: IngestEnv
    s3: Any
    writer: TimestreamWriter
    router: Router = field(init=False)  # built from env.window
    emit: Callable[[bytes], None] = print_line
    mapper: PerSource[RecordMapper] = field(default_factory=lambda: PerSource(RecordMapper))

    def __post_init__(self) -> None:
        self.router = Router(window=self.env.window)


def build_runtime(env: IngestEnv, *, s3: Any, timestream: Any, **writer_options: Any) -> Runtime:
    writer = TimestreamWriter(
        timestream,
        env.database,
        concurrency=env.write_concurrency,
        max_attempts=env.write_max_attempts,
        **writer_options,
    )
    return Runtime(env=env, s3=s3, writer=writer)


@dataclass
class ObjectOutcome:
    uri: str
    records: int = 0
    written: int = 0
    rejected: int = 0
    truncated: int = 0
    reasons: Counter[str] = field(default_factory=Counter)

    def summary(self) -> dict[str, Any]:
        return {
            "object": self.uri,
            "records": self.records,
            "written": self.written,
            "rejected": self.rejected,
            "truncated": self.truncated,
            "reasons": dict(sorted(self.reasons.items())),
        }


def _read(obj: StagedObject, rt: Runtime) -> tuple[Batch | None, list[Reject]]:
    """The object's rows and rejects, or one reject for the whole object when it cannot be read."""
    try:
        body = read_object(rt.s3, obj)
    except UnreadableObjectError as error:
        return None, [Reject("unreadable_object", str(error), b"")]
    try:
        return rt.router.ingest(body), []
    except DecodeError as error:
        return None, [Reject("undecodable_object", str(error), body)]


def _submit(session: WriteSession, mapper: RecordMapper, rows: list[Any]) -> int:
    """Map rows a batch at a time, each sent while the next is mapped, so that the wait on Timestream
    overlaps the CPU work. Returns how many records were truncated."""
    ids = mapper.event_ids(rows)
    truncated = 0
    for start in range(0, len(rows), BATCH_SIZE):
        end = start + BATCH_SIZE
        records, cut = mapper.records(rows[start:end], ids[start:end])
        truncated += cut
        session.submit(mapper.source.type, start, records)
    return truncated


def ingest_object(obj: StagedObject, rt: Runtime, counts: PipelineCounts) -> ObjectOutcome:
    outcome = ObjectOutcome(obj.uri)
    batch, rejects = _read(obj, rt)
    # Per table, the rows sent, to find the row behind each record Timestream refuses.
    table_rows: dict[str, list[Any]] = {}
    # Mapping builds a few lists and dicts per row, none in a cycle, while the rows and the batches
    # in flight stay alive: the collector would rescan them over and over (a quarter of the CPU).
    with collector_paused(), rt.writer.session() as session:
        if batch is not None:
            rejects.extend(batch.dead_letters())
            for type_id, rows in batch.rows.items():
                mapper = rt.mapper(type_id)
                if type_id not in rt.env.sources:
                    detail = (
                        f"{type_id} has no table in this stack; add it with dendro deploy --source {type_id}"
                    )
                    rejects.extend(
                        Reject("source_not_enabled", detail, mapper.row_json(r), type_id) for r in rows
                    )
                    continue
                outcome.truncated += _submit(session, mapper, rows)
                table_rows[type_id] = rows
                _count_rows(counts, mapper, rows)
    result = session.result
    for item in result.rejected:
        row = rt.mapper(item.table).row_json(table_rows[item.table][item.index])
        rejects.append(Reject("timestream_rejected", item.reason, row, item.table))

    write_dead_letters(
        rt.s3,
        bucket=rt.env.errors_bucket,
        key=dead_letter_key(rt.env.errors_prefix, obj.key),
        rejects=rejects,
        source_uri=obj.uri,
    )
    counts.written.update(result.written)
    # Past the batch's cap, rejects are counted, not kept: the summary reject stands for `omitted`.
    omitted = batch.omitted if batch is not None else Counter[str]()
    for reject in rejects:
        if reject.reason == TOO_MANY_REJECTS:
            continue
        counts.rejected[reject.type or UNKNOWN_TYPE] += 1
    if omitted:
        counts.rejected[UNKNOWN_TYPE] += omitted.total()
    outcome.written = sum(result.written.values())
    outcome.rejected = sum(1 for r in rejects if r.reason != TOO_MANY_REJECTS) + omitted.total()
    outcome.records = outcome.written + outcome.rejected
    outcome.reasons.update(r.reason for r in rejects if r.reason != TOO_MANY_REJECTS)
    outcome.reasons.update(omitted)
    return outcome


def _count_rows(counts: PipelineCounts, mapper: RecordMapper, rows: list[Any]) -> None:
    counts.count_rows(mapper.source.type, mapper.names, rows, red="error_rate" in mapper.source.alerts)


def ingest_event(
    event: Mapping[str, Any], rt: Runtime, *, now_ms: Callable[[], int] | None = None
) -> dict[str, Any]:
    counts = PipelineCounts(rules=rt.env.metric_rules)
    outcomes, failures = [], []
    for obj in staged_objects(event):
        # Counted into a copy, merged only on success: a retried object must not be counted twice.
        object_counts = PipelineCounts(rules=rt.env.metric_rules)
        try:
            outcome = ingest_object(obj, rt, object_counts)
        except Exception as error:  # noqa: BLE001 - any failure of one object must not stop the others
            failures.append({"object": obj.uri, "error": f"{type(error).__name__}: {error}"})
            rt.emit(orjson.dumps({"level": "ERROR", **failures[-1], "trace": traceback.format_exc(limit=5)}))
            continue
        counts.merge(object_counts)
        outcomes.append(outcome.summary())
        rt.emit(orjson.dumps({"level": "INFO", **outcomes[-1]}))
    timestamp = now_ms() if now_ms else int(time.time() * 1000)
    for line in metric_lines(counts, namespace=rt.env.metrics_namespace, timestamp_ms=timestamp):
        rt.emit(line)
    if failures:
        raise IngestRetryError(f"{len(failures)} object(s) will be retried: {failures}")
    return {"objects": outcomes}
