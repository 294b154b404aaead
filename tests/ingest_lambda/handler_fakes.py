"""Shared set-up of the handler tests: real boto3 clients wrapped in botocore's Stubber.

Stubber checks every request against the service model (required members, types, lengths, the
100-record cap of WriteRecords) before answering with the response the test queued, so a test passes
only if the handler sends requests that AWS's own model accepts. No network is used.
"""

from __future__ import annotations

import gzip
import io
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import boto3
import orjson
from botocore.response import StreamingBody
from botocore.stub import Stubber

from dendro.catalog import SOURCES
from dendro.ingest_lambda.env import IngestEnv
from dendro.ingest_lambda.staged_ingest import Runtime, build_runtime
from dendro.ingest_lambda.timestream import COMMON_ATTRIBUTES

REGION = "eu-west-1"
BUCKET = "dendro-stagingbucket437ab70b-1x2y3z4w5v6u"
DATABASE = "Dendro"


def client(service: str) -> Any:
    return boto3.client(
        service, region_name=REGION, aws_access_key_id="testing", aws_secret_access_key="testing"
    )


class Capture:
    """Matches any value in Stubber's `expected_params` and keeps it for the test to inspect."""

    def __init__(self) -> None:
        self.values: list[Any] = []

    def __eq__(self, other: object) -> bool:
        self.values.append(other)
        return True

    __hash__ = None  # type: ignore[assignment]

    @property
    def value(self) -> Any:
        return self.values[-1]


@dataclass
class Harness:
    s3: Stubber
    timestream: Stubber
    runtime: Runtime
    emitted: list[bytes] = field(default_factory=list)
    sleeps: list[float] = field(default_factory=list)

    def get_object(self, key: str, body: bytes) -> None:
        self.s3.add_response(
            "get_object",
            {"Body": StreamingBody(io.BytesIO(body), len(body)), "ContentLength": len(body)},
            {"Bucket": BUCKET, "Key": key},
        )

    def get_object_error(self, key: str, code: str, status: int) -> None:
        self.s3.add_client_error(
            "get_object",
            service_error_code=code,
            http_status_code=status,
            expected_params={"Bucket": BUCKET, "Key": key},
        )

    def put_dead_letters(self, staged_key: str) -> Capture:
        body = Capture()
        self.s3.add_response(
            "put_object",
            {"ETag": '"0123456789abcdef"'},
            {
                "Bucket": BUCKET,
                "Key": f"errors/{staged_key}.ndjson",
                "Body": body,
                "ContentType": "application/x-ndjson",
            },
        )
        return body

    def write_records(self, table: str, count: int | None = None) -> Capture:
        records = Capture()
        self.timestream.add_response(
            "write_records",
            {"RecordsIngested": {"Total": count or 0, "MemoryStore": count or 0, "MagneticStore": 0}},
            {
                "DatabaseName": DATABASE,
                "TableName": table,
                "CommonAttributes": COMMON_ATTRIBUTES,
                "Records": records,
            },
        )
        return records

    def write_records_any_table(self) -> tuple[Capture, Capture]:
        """For calls in flight together, whose order is not known: capture the table as well."""
        table, records = Capture(), Capture()
        self.timestream.add_response(
            "write_records",
            {"RecordsIngested": {"Total": 0}},
            {
                "DatabaseName": DATABASE,
                "TableName": table,
                "CommonAttributes": COMMON_ATTRIBUTES,
                "Records": records,
            },
        )
        return table, records

    def write_error(self, table: str, code: str, *, status: int = 400, **extra: Any) -> Capture:
        records = Capture()
        self.timestream.add_client_error(
            "write_records",
            service_error_code=code,
            service_message=f"{code} from the stub",
            http_status_code=status,
            modeled_fields=extra or None,
            expected_params={
                "DatabaseName": DATABASE,
                "TableName": table,
                "CommonAttributes": COMMON_ATTRIBUTES,
                "Records": records,
            },
        )
        return records

    def metrics(self) -> list[dict[str, Any]]:
        return [line for line in map(orjson.loads, self.emitted) if "_aws" in line]

    def logs(self) -> list[dict[str, Any]]:
        return [line for line in map(orjson.loads, self.emitted) if "_aws" not in line]

    def assert_done(self) -> None:
        self.s3.assert_no_pending_responses()
        self.timestream.assert_no_pending_responses()


def harness(*, concurrency: int = 1, max_attempts: int = 4, sources: Iterable[str] = SOURCES) -> Harness:
    env = IngestEnv(
        store="timestream",
        database=DATABASE,
        sources=frozenset(sources),
        errors_bucket=BUCKET,
        errors_prefix="errors/",
        metrics_namespace="Dendro/Dendro",
        write_concurrency=concurrency,
        write_max_attempts=max_attempts,
    )
    s3, timestream = client("s3"), client("timestream-write")
    sleeps: list[float] = []
    runtime = build_runtime(env, s3=s3, timestream=timestream, sleep=sleeps.append, jitter=lambda: 1.0)
    h = Harness(Stubber(s3), Stubber(timestream), runtime, sleeps=sleeps)
    runtime.emit = h.emitted.append
    h.s3.activate()
    h.timestream.activate()
    return h


def nginx_event(i: int, *, host: str = "web-1", status: int = 200, **fields: Any) -> dict[str, Any]:
    """An nginx access event as Vector sends it after the catalog's VRL program parsed the line."""
    event = {
        "type": "nginx_access",
        "host": host,
        "timestamp": f"2026-11-27T03:{i // 60 % 60:02d}:{i % 60:02d}Z",
        "service": "nginx",
        "method": "GET",
        "protocol": "HTTP/1.1",
        "status_class": f"{status // 100}xx",
        "status": status,
        "client": f"203.0.113.{i % 250}",
        "request": f"GET /items/{i} HTTP/1.1",
        "path": f"/items/{i}",
        "bytes": 512 + i,
        "referer": "-",
        "user_agent": "Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0",
        "request_time": 0.012,
    }
    event.update(fields)
    return event


def ndjson(events: Iterable[dict[str, Any]]) -> bytes:
    return b"".join(orjson.dumps(e) + b"\n" for e in events)


def gz(data: bytes) -> bytes:
    return gzip.compress(data, mtime=0)


def dead_letters(capture: Capture) -> list[dict[str, Any]]:
    return [orjson.loads(line) for line in capture.value.splitlines()]
