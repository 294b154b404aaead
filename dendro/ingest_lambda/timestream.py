"""Rows to Timestream multi-measure records, and the parallel WriteRecords that store them.

One record per row: the catalog's dimension fields are dimensions, its measure fields are the measures
of one MULTI record named `event`, and `timestamp` is the record's time (microseconds).

Two things make a row's record deterministic, so that S3's at-least-once delivery (the same object
processed twice) writes the same rows again, which Timestream takes as an idempotent no-op:
- `event_id`, a dimension: a hash of the row's values plus its occurrence number among identical rows
  of the same object. Without it two requests logged in the same second with the same method and
  status would share dimensions and time, and the second would overwrite or be rejected.
- truncation to the 2 KB record limit always cuts the same fields at the same place.
"""

from __future__ import annotations

import hashlib
import random
import time
from collections import Counter
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson

from dendro.catalog.model import LINE, FieldType, Role, Source

MEASURE_NAME = "event"
EVENT_ID = "event_id"
TRUNCATED = "truncated_fields"
EVENT_COUNT = "event_count"
# Columns a Timestream table has beyond the catalog's: the row id, the truncation marker and the
# stand-in measure of a row without any.
EXTRA_COLUMNS = (EVENT_ID, TRUNCATED, EVENT_COUNT)
# Shared by every record of a WriteRecords call.
COMMON_ATTRIBUTES = {"MeasureName": MEASURE_NAME, "MeasureValueType": "MULTI", "TimeUnit": "MICROSECONDS"}
ELLIPSIS = "\u2026"
# Timestream's limit is 2 KB per record (aws-notes §1); the estimate below follows its metering rules,
# and the margin covers what those rules may not count.
RECORD_LIMIT = 2048
RECORD_BUDGET = RECORD_LIMIT - 128
BATCH_SIZE = 100  # records per WriteRecords call, the API maximum
RETRYABLE = frozenset({"ThrottlingException", "InternalServerException", "ServiceUnavailableException"})
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)

_MEASURE_TYPE = {
    FieldType.STRING: "VARCHAR",
    FieldType.INT: "BIGINT",
    FieldType.FLOAT: "DOUBLE",
    FieldType.BOOL: "BOOLEAN",
    FieldType.TIMESTAMP: "TIMESTAMP",
}
# Bytes Timestream meters for a value of each type; text counts its UTF-8 length.
_FIXED_SIZE = {"BIGINT": 8, "DOUBLE": 8, "BOOLEAN": 1, "TIMESTAMP": 8}


def _micros(value: datetime) -> int:
    return (value - EPOCH) // _MICROSECOND


# Each type's value as the text of a measure, as an expression over `{v}` for the generated
# `_record_builder`. A text value is nearly always a str already and is sent as it is.
_TEXT: dict[str, str] = {
    "VARCHAR": "{v} if type({v}) is str else str({v})",
    "BIGINT": "str({v})",
    "DOUBLE": "repr(float({v}))",
    "BOOLEAN": "'true' if {v} else 'false'",
    # A TIMESTAMP measure is epoch milliseconds. Only the envelope's `timestamp` is a timestamp in
    # the catalog today, and it is the record's time rather than a measure.
    "TIMESTAMP": "str(micros({v}) // 1000)",
}


@dataclass(frozen=True, slots=True)
class MappedRecord:
    record: dict[str, Any]
    truncated: tuple[str, ...]


class RecordMapper:
    """Maps rows of one source (tuples in `Source.columns` order) to Timestream records.

    The record-level constants (measure name, MULTI, time unit) travel once per call as the
    WriteRecords `CommonAttributes` (`COMMON_ATTRIBUTES`), not in every record.
    """

    def __init__(self, source: Source) -> None:
        self.source = source
        columns = source.columns
        self.names = tuple(f.name for f in columns)
        self.time_index = self.names.index("timestamp")
        self.dimensions = tuple((i, f.name) for i, f in enumerate(columns) if f.role is Role.DIMENSION)
        self.measures = tuple(
            (i, f.name, _MEASURE_TYPE[f.type])
            for i, f in enumerate(columns)
            if f.role is Role.MEASURE and i != self.time_index
        )
        self.kinds = {name: kind for _, name, kind in self.measures}
        self._text_dimensions = all(f.type is FieldType.STRING for f in columns if f.role is Role.DIMENSION)
        # Metered bytes of every name a record may carry, and 8 per value for the fixed-size types:
        # a record whose text is small against the budget needs no exact count.
        names = [n for _, n in self.dimensions] + [n for _, n, _ in self.measures] + list(EXTRA_COLUMNS)
        self._overhead = 8 + len(MEASURE_NAME) + sum(len(n.encode()) for n in names) + 8 * len(self.measures)
        self._build = _record_builder(self)

    def event_ids(self, rows: Sequence[Sequence[Any]]) -> list[tuple[str, int]]:
        """One id per row, with the row's JSON size as a hint for `to_record`.

        The id hashes the row's values; identical rows of one object get distinct ids, numbered in
        order, so the same object always yields the same ids.
        """
        # A plain dict, not a Counter: nearly every digest is new, and Counter's `__missing__` is a
        # Python call per new key.
        seen: dict[str, int] = {}
        dumps, blake2b = orjson.dumps, hashlib.blake2b
        ids = []
        for row in rows:
            data = dumps(row)
            digest = blake2b(data, digest_size=8).hexdigest()
            n = seen.get(digest, 0)
            seen[digest] = n + 1
            ids.append((f"{digest}-{n}", len(data)))
        return ids

    def to_record(self, row: Sequence[Any], event_id: str, json_size: int | None = None) -> MappedRecord:
        """`json_size`, the length of the row as JSON, bounds its text's UTF-8 size from above, so a
        row far below the limit skips counting bytes."""
        return MappedRecord(*self._build(row, event_id, json_size))

    def records(
        self, rows: Sequence[Sequence[Any]], ids: Sequence[tuple[str, int]]
    ) -> tuple[list[dict[str, Any]], int]:
        """`to_record` over rows and their `event_ids`: the records, and how many were truncated."""
        build = self._build
        records = []
        truncated = 0
        for row, (event_id, json_size) in zip(rows, ids, strict=True):
            record, cut = build(row, event_id, json_size)
            records.append(record)
            if cut:
                truncated += 1
        return records, truncated

    def _oversize(
        self, dims: list[dict[str, str]], measures: list[dict[str, str]]
    ) -> tuple[list[dict[str, str]], list[dict[str, str]], tuple[str, ...]]:
        """A record whose JSON size hint is near the budget: count its characters, and cut it only
        if it may not fit."""
        chars = sum(len(d["Value"]) for d in dims) + sum(len(m["Value"]) for m in measures)
        # UTF-8 takes at most 4 bytes a character: below the budget even then, the record fits.
        if self._overhead + 4 * chars > RECORD_BUDGET:
            return self._fit(dims, measures)
        return dims, measures, ()

    def _fit(
        self, dims: list[dict[str, str]], measures: list[dict[str, str]]
    ) -> tuple[list[dict[str, str]], list[dict[str, str]], tuple[str, ...]]:
        dim_values = {d["Name"]: d["Value"] for d in dims}
        texts = {m["Name"]: m["Value"] for m in measures}
        truncated = _fit(dim_values, texts, self.kinds)
        if not truncated:
            return dims, measures, ()
        kinds = {**self.kinds, TRUNCATED: "VARCHAR"}
        texts[TRUNCATED] = ",".join(truncated)
        return (
            [{"Name": n, "Value": v} for n, v in dim_values.items()],
            [{"Name": n, "Value": v, "Type": kinds[n]} for n, v in texts.items()],
            truncated,
        )

    def row_json(self, row: Sequence[Any]) -> bytes:
        """The row as a JSON object, the `raw` of a reject that happened after normalization."""
        return orjson.dumps(dict(zip(self.names, row, strict=True)))


def _record_builder(
    mapper: RecordMapper,
) -> Callable[[Sequence[Any], str, int | None], tuple[dict[str, Any], tuple[str, ...]]]:
    """Compile `build(row, event_id, json_size) -> (record, truncated fields)` for one source.

    Generated, like validate's fast path, because it runs once per stored row and the plain loop
    over the columns (a dict and a conversion call per value, names and types looked up) was most of
    the Lambda's CPU: one statement per column, with names and types as constants, takes about half.
    Empty strings are stored as NULL: Timestream refuses empty measure values (min length 1).
    Field names enter the code only as repr() literals.
    """
    lines = ["def build(row, event_id, json_size):"]
    lines.append("    " + "".join(f"v{i}, " for i in range(len(mapper.names))) + "= row")
    lines.append("    dims = []")
    for i, name in mapper.dimensions:
        if mapper._text_dimensions:
            lines += [f"    if v{i}:", f"        dims.append({{'Name': {name!r}, 'Value': v{i}}})"]
        else:
            lines += [
                f"    if v{i} is not None and v{i} != '':",
                f"        dims.append({{'Name': {name!r}, 'Value': str(v{i})}})",
            ]
    lines.append(f"    dims.append({{'Name': {EVENT_ID!r}, 'Value': event_id}})")
    lines.append("    measures = []")
    for i, name, kind in mapper.measures:
        text = _TEXT[kind].format(v=f"v{i}")
        lines += [
            f"    if v{i} is not None and v{i} != '':",
            f"        measures.append({{'Name': {name!r}, 'Value': {text}, 'Type': {kind!r}}})",
        ]
    # The row's JSON size bounds its text's UTF-8 size from above: a row far below the budget skips
    # counting bytes.
    lines += [
        "    truncated = ()",
        f"    if json_size is None or len(event_id) + json_size > {RECORD_BUDGET - mapper._overhead}:",
        "        dims, measures, truncated = oversize(dims, measures)",
        # A MULTI record needs a measure, and a row whose optional measures are all absent (a bare
        # MySQL error line, say) must still be stored.
        "    if not measures:",
        f"        measures.append({{'Name': {EVENT_COUNT!r}, 'Value': '1', 'Type': 'BIGINT'}})",
        f"    time = str((v{mapper.time_index} - EPOCH) // MICROSECOND)",
        "    return {'Dimensions': dims, 'MeasureValues': measures, 'Time': time}, truncated",
    ]
    namespace: dict[str, Any] = {
        "micros": _micros,
        "EPOCH": EPOCH,
        "MICROSECOND": _MICROSECOND,
        "oversize": mapper._oversize,
    }
    exec("\n".join(lines), namespace)  # the text is built above, from catalog names as literals only
    return namespace["build"]


def record_size(dims: dict[str, str], texts: dict[str, str], kinds: dict[str, str]) -> int:
    """Bytes of a record as Timestream meters them: names and text in UTF-8, fixed sizes otherwise."""
    size = 8 + len(MEASURE_NAME)  # time, measure name
    for name, value in dims.items():
        size += len(name.encode()) + len(value.encode())
    for name, value in texts.items():
        kind = kinds.get(name, "VARCHAR")
        size += (
            len(name.encode()) + _FIXED_SIZE.get(kind, 0) + (len(value.encode()) if kind == "VARCHAR" else 0)
        )
    return size


def _fit(dims: dict[str, str], texts: dict[str, str], kinds: dict[str, str]) -> tuple[str, ...]:
    """Cut text fields until the record fits, in place; return the names cut (the record's
    `truncated_fields`, which the Logs page shows among a line's fields).

    The original `line` goes first, as far as it must, down to its ellipsis: every parsed field was
    read from it, so the fields that queries filter and group on stay whole while the line loses
    only what they still hold. Then the longest field first, ties by name. Deterministic: cut at a
    UTF-8 boundary, ending in an ellipsis. `host` and `event_id` identify the record and are never
    cut.
    """
    size = record_size(dims, texts, kinds)
    if size <= RECORD_BUDGET:
        return ()
    cut: list[str] = []
    # The marker measure that lists the cut fields costs bytes too; reserve it up front.
    reserve = len(TRUNCATED) + 64
    while size + reserve > RECORD_BUDGET:
        candidates = [(len(v.encode()), n, "d") for n, v in dims.items() if n not in ("host", EVENT_ID)]
        candidates += [(len(v.encode()), n, "m") for n, v in texts.items() if kinds.get(n) == "VARCHAR"]
        candidates = [c for c in candidates if c[0] > len(ELLIPSIS.encode())]
        if not candidates:
            break
        line = [c for c in candidates if c[1] == LINE.name and c[2] == "m"]
        length, name, where = line[0] if line else max(candidates, key=lambda c: (c[0], c[1]))
        excess = size + reserve - RECORD_BUDGET
        keep = max(0, length - excess - len(ELLIPSIS.encode()))
        target = dims if where == "d" else texts
        shortened = target[name].encode()[:keep].decode("utf-8", errors="ignore") + ELLIPSIS
        size -= length - len(shortened.encode())
        target[name] = shortened
        if name not in cut:
            cut.append(name)
    return tuple(sorted(cut))


@dataclass(frozen=True, slots=True)
class RecordReject:
    table: str
    index: int  # position in the records given to `write`
    reason: str


class WriteRetriesExhaustedError(RuntimeError):
    """Timestream kept throttling or failing; the whole object is retried later (idempotently)."""


@dataclass(frozen=True, slots=True)
class WriteResult:
    written: Counter[str]
    rejected: list[RecordReject]


class WriteSession:
    """Batches submitted while the caller keeps mapping rows, so that the CPU work of mapping and the
    waiting on WriteRecords overlap. With a concurrency of 1 each batch is written on submit, in order.
    Leaving the `with` block waits for every batch; `result` then holds what was written and refused.
    """

    def __init__(self, writer: TimestreamWriter) -> None:
        self.writer = writer
        self.pool = ThreadPoolExecutor(writer.concurrency) if writer.concurrency > 1 else None
        self.futures: list[Future[list[RecordReject]]] = []
        self.rejected: list[RecordReject] = []
        self.submitted: Counter[str] = Counter()

    def submit(self, table: str, offset: int, records: list[dict[str, Any]]) -> None:
        """`records` is at most one batch; `offset` is the first record's index within its table."""
        self.submitted[table] += len(records)
        if self.pool is None:
            self.rejected += self.writer._write_batch(table, offset, records)
        else:
            self.futures.append(self.pool.submit(self.writer._write_batch, table, offset, records))

    def __enter__(self) -> WriteSession:
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self.pool is None:
            return
        try:
            for future in self.futures:
                self.rejected += future.result()
        finally:
            self.pool.shutdown(wait=True, cancel_futures=True)

    @property
    def result(self) -> WriteResult:
        written = self.submitted - Counter(r.table for r in self.rejected)
        return WriteResult(written=written, rejected=self.rejected)


class TimestreamWriter:
    """Writes records in batches of 100, several calls in flight, retrying throttling with backoff.

    `client` is a boto3 `timestream-write` client (thread-safe); `sleep` and `jitter` are injectable
    so tests need not wait.
    """

    def __init__(
        self,
        client: Any,
        database: str,
        *,
        concurrency: int = 32,
        max_attempts: int = 6,
        base_delay: float = 0.1,
        max_delay: float = 5.0,
        sleep: Callable[[float], None] = time.sleep,
        jitter: Callable[[], float] = random.random,
    ) -> None:
        self.client = client
        self.database = database
        self.concurrency = concurrency
        self.max_attempts = max_attempts
        self.base_delay = base_delay
        self.max_delay = max_delay
        self.sleep = sleep
        self.jitter = jitter

    def session(self) -> WriteSession:
        return WriteSession(self)

    def write(self, tables: dict[str, list[dict[str, Any]]]) -> WriteResult:
        """Write whole tables; `session()` lets the caller start writing while it still maps rows."""
        with self.session() as session:
            for table, records in tables.items():
                for offset in range(0, len(records), BATCH_SIZE):
                    session.submit(table, offset, records[offset : offset + BATCH_SIZE])
        return session.result

    def _write_batch(self, table: str, offset: int, records: list[dict[str, Any]]) -> list[RecordReject]:
        for attempt in range(1, self.max_attempts + 1):
            try:
                self.client.write_records(
                    DatabaseName=self.database,
                    TableName=table,
                    CommonAttributes=COMMON_ATTRIBUTES,
                    Records=records,
                )
                return []
            except self.client.exceptions.RejectedRecordsException as error:
                # The others in the call were written (aws-notes §1); these are for the dead letters.
                return [
                    RecordReject(table, offset + item["RecordIndex"], item.get("Reason", "rejected"))
                    for item in error.response.get("RejectedRecords", [])
                ]
            except self.client.exceptions.ValidationException as error:
                # One malformed record fails the whole call; halve until it stands alone.
                if len(records) == 1:
                    return [RecordReject(table, offset, f"ValidationException: {_message(error)}")]
                middle = len(records) // 2
                return self._write_batch(table, offset, records[:middle]) + self._write_batch(
                    table, offset + middle, records[middle:]
                )
            except self.client.exceptions.ResourceNotFoundException as error:
                return [
                    RecordReject(table, offset + i, f"ResourceNotFound: {_message(error)}")
                    for i in range(len(records))
                ]
            except self.client.exceptions.ClientError as error:
                if error.response.get("Error", {}).get("Code") not in RETRYABLE:
                    raise
                if attempt == self.max_attempts:
                    raise WriteRetriesExhaustedError(
                        f"{table}: WriteRecords still failing after {attempt} attempts: {_message(error)}"
                    ) from error
                # Back off but keep offering load: Timestream scales with sustained demand (aws-notes §1).
                delay = min(self.max_delay, self.base_delay * 2 ** (attempt - 1))
                self.sleep(delay * (0.5 + self.jitter() / 2))
        raise AssertionError("unreachable")  # the loop returns or raises


def _message(error: Exception) -> str:
    response = getattr(error, "response", {}) or {}
    return str(response.get("Error", {}).get("Message") or error)
