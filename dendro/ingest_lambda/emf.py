"""The pipeline's metrics as CloudWatch Embedded Metric Format log lines (aws-notes §7).

A Lambda's stdout goes to CloudWatch Logs, which turns each EMF line into metric data points: no
PutMetricData call, no extra permission. Pure: building the lines does no I/O.

Lines, one per dimension value:
    {"_aws": {...}, "type": "nginx_access", "RecordsIn": 120, "RecordsWritten": 118, "RecordsRejected": 2}
    {"_aws": {...}, "service": "nginx", "host": "web-1", "Requests": 90, "Http5xx": 3}
    {"_aws": {...}, "host": "web-1", "Heartbeat": 118}
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import orjson

# Metric names; the stack's alarms import these, so both sides agree.
RECORDS_IN = "RecordsIn"
RECORDS_WRITTEN = "RecordsWritten"
RECORDS_REJECTED = "RecordsRejected"
REQUESTS = "Requests"
HTTP_5XX = "Http5xx"
HEARTBEAT = "Heartbeat"

UNKNOWN_TYPE = "unknown"  # rejects that never had a valid `type`


@dataclass
class PipelineCounts:
    """What one invocation saw, aggregated so that it costs a handful of log lines, not one per row."""

    records_in: Counter[str] = field(default_factory=Counter)
    written: Counter[str] = field(default_factory=Counter)
    rejected: Counter[str] = field(default_factory=Counter)
    requests: Counter[tuple[str, str]] = field(default_factory=Counter)
    errors_5xx: Counter[tuple[str, str]] = field(default_factory=Counter)
    heartbeat: Counter[str] = field(default_factory=Counter)

    def count_requests(
        self, rows: Iterable[Sequence[Any]], *, service: int, host: int, status_class: int
    ) -> None:
        """RED counts for access-log rows; the indexes are the columns' positions in the row."""
        for row in rows:
            key = (row[service], row[host])
            self.requests[key] += 1
            if row[status_class] == "5xx":
                self.errors_5xx[key] += 1

    def count_hosts(self, rows: Iterable[Sequence[Any]], *, host: int) -> None:
        self.heartbeat.update(row[host] for row in rows)


def _directive(namespace: str, timestamp_ms: int, dimensions: list[list[str]], metrics: Sequence[str]) -> Any:
    return {
        "Timestamp": timestamp_ms,
        "CloudWatchMetrics": [
            {
                "Namespace": namespace,
                "Dimensions": dimensions,
                "Metrics": [{"Name": name, "Unit": "Count"} for name in metrics],
            }
        ],
    }


def metric_lines(counts: PipelineCounts, *, namespace: str, timestamp_ms: int) -> list[bytes]:
    lines: list[dict[str, Any]] = []
    record_metrics = (RECORDS_IN, RECORDS_WRITTEN, RECORDS_REJECTED)
    for type_id in sorted(counts.records_in | counts.written | counts.rejected):
        lines.append(
            {
                "_aws": _directive(namespace, timestamp_ms, [["type"]], record_metrics),
                "type": type_id,
                RECORDS_IN: counts.records_in[type_id],
                RECORDS_WRITTEN: counts.written[type_id],
                RECORDS_REJECTED: counts.rejected[type_id],
            }
        )
    for service, host in sorted(counts.requests):
        lines.append(
            {
                # One line feeds both the per-service alarm and the per-host breakdown.
                "_aws": _directive(
                    namespace, timestamp_ms, [["service"], ["service", "host"]], (REQUESTS, HTTP_5XX)
                ),
                "service": service,
                "host": host,
                REQUESTS: counts.requests[(service, host)],
                HTTP_5XX: counts.errors_5xx[(service, host)],
            }
        )
    for host in sorted(counts.heartbeat):
        lines.append(
            {
                "_aws": _directive(namespace, timestamp_ms, [["host"]], (HEARTBEAT,)),
                "host": host,
                HEARTBEAT: counts.heartbeat[host],
            }
        )
    return [orjson.dumps(line) for line in lines]
