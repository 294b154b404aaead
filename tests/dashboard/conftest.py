"""Fixtures for the dashboard: a store of demo traffic (built once), an empty store, and real servers
on 127.0.0.1 with an ephemeral port, stopped at the end of each test that starts one."""

from __future__ import annotations

import http.client
import urllib.parse
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
import pytest

from dendro.dashboard.backends import Backend
from dendro.dashboard.backends.local import LocalBackend
from dendro.dashboard.server import DashboardServer
from dendro.local_pipeline.demo import DemoPlan
from dendro.local_pipeline.store import Store
from tests.dashboard.demo_store import build_demo_store
from tests.dashboard.logs_store import LiveStore


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return orjson.loads(self.body)

    @property
    def text(self) -> str:
        return self.body.decode()


class Client:
    """Plain HTTP/1.1 to a running dashboard (the standard library: no test-only HTTP stack)."""

    def __init__(self, url: str, host_header: str | None = None) -> None:
        parts = urllib.parse.urlsplit(url)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80
        self.host_header = host_header

    def request(
        self, method: str, path: str, body: bytes | None = None, headers: dict[str, str] | None = None
    ) -> Answer:
        conn = http.client.HTTPConnection(self.host, self.port, timeout=30)
        try:
            sent = dict(headers or {})
            if self.host_header:
                sent["Host"] = self.host_header
            conn.request(method, path, body=body, headers=sent)
            response = conn.getresponse()
            return Answer(response.status, {k.lower(): v for k, v in response.getheaders()}, response.read())
        finally:
            conn.close()

    def get(self, path: str, headers: dict[str, str] | None = None) -> Answer:
        return self.request("GET", path, headers=headers)

    def post_json(self, path: str, data: Any, headers: dict[str, str] | None = None) -> Answer:
        sent = {"Content-Type": "application/json", **(headers or {})}
        return self.request("POST", path, orjson.dumps(data), sent)

    def post_form(self, path: str, fields: dict[str, str], headers: dict[str, str] | None = None) -> Answer:
        sent = {"Content-Type": "application/x-www-form-urlencoded", **(headers or {})}
        return self.request("POST", path, urllib.parse.urlencode(fields).encode(), sent)


@pytest.fixture(scope="session")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    end = between_bursts(datetime.now(UTC), DemoPlan())
    return build_demo_store(tmp_path_factory.mktemp("demo") / "dendro.duckdb", minutes=60, now=end)


def between_bursts(now: datetime, plan: DemoPlan) -> datetime:
    """The last time before `now` midway between two of the demo's 5xx bursts. The demo's bursts
    follow the clock, so a store ending at `now` ended inside one on some runs, and then the newest
    5xx lines of that host had fewer newer lines than a test asks for (15 context lines, not 21)."""
    midway = plan.burst_seconds + (plan.burst_every - plan.burst_seconds) // 2
    second = int(now.timestamp())
    return datetime.fromtimestamp(second - (second - midway) % plan.burst_every, UTC)


@pytest.fixture
def empty_db(tmp_path: Path) -> Path:
    path = tmp_path / "empty.duckdb"
    Store.open(path).close()
    return path


ServeFn = Callable[..., DashboardServer]


@pytest.fixture
def serve() -> Iterator[ServeFn]:
    """serve(backend_or_path, token=None, host="127.0.0.1") -> a started server."""
    started: list[DashboardServer] = []

    def start(target: Backend | Path, token: str | None = None, host: str = "127.0.0.1") -> DashboardServer:
        backend = LocalBackend.open(target) if isinstance(target, Path) else target
        server = DashboardServer(backend, host=host, port=0, token=token).start()
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


@pytest.fixture
def demo(serve: ServeFn, demo_db: Path) -> Client:
    return Client(serve(demo_db).url)


@pytest.fixture
def live(tmp_path: Path) -> Iterator[LiveStore]:
    """A store written to while a dashboard serves it (the Logs page's tests)."""
    store = LiveStore(tmp_path / "live.duckdb")
    yield store
    store.close()
