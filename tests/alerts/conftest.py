"""A real collector on a fresh DuckDB store, events posted over HTTP, and a controllable clock."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from dendro.local_pipeline.client import CollectorClient, ndjson
from dendro.local_pipeline.collector import Collector, CollectorConfig
from tests.alerts.receivers import WebhookReceiver
from tests.support.collectors import running_collector


def access(
    host: str, status: int, at: datetime, service: str = "nginx", request_time: float = 0.05
) -> dict[str, Any]:
    return {
        "type": "nginx_access",
        "host": host,
        "timestamp": at.isoformat().replace("+00:00", "Z"),
        "service": service,
        "method": "GET",
        "protocol": "HTTP/1.1",
        "status": status,
        "status_class": f"{status // 100}xx",
        "client": "203.0.113.9",
        "request": "GET /checkout HTTP/1.1",
        "path": "/checkout",
        "request_time": request_time,
    }


class Clock:
    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def collector(tmp_path: Path) -> Iterator[Collector]:
    with running_collector(CollectorConfig(db=tmp_path / "dendro.duckdb", port=0)) as running:
        yield running


Post = Callable[[list[dict[str, Any]]], None]


@pytest.fixture
def post(collector: Collector) -> Post:
    client = CollectorClient(collector.url)

    def send(events: list[dict[str, Any]]) -> None:
        status, answer = client.post(ndjson(events))
        assert status == 200 and answer["rejected"] == 0, answer

    return send


@pytest.fixture
def webhook() -> Iterator[WebhookReceiver]:
    receiver = WebhookReceiver()
    yield receiver
    receiver.stop()
