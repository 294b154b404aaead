"""A writable store served by a dashboard on 127.0.0.1, for the Logs page's tests: lines are written
the real way (raw text through the catalog's VRL envelope, the ingest core and the store's writer)
while the dashboard reads the same store through a cursor of the writer's connection, as inside
`dendro local up`."""

from __future__ import annotations

import threading
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from dendro.catalog import SOURCES
from dendro.dashboard.backends.local import LocalBackend
from dendro.dashboard.server import DashboardServer
from dendro.ingest_lambda.route import Router
from dendro.local_pipeline.client import ndjson
from dendro.local_pipeline.store import Store, Write
from dendro.local_pipeline.vrl import Program
from dendro.vector_configs.programs import parse_program
from tests.support.vrl import compile_program, remap_all

# Hostile text a log line may carry: markup, script, an attribute break-out, a javascript: URL.
HOSTILE_PATH = "/<script>window.__pwned=1</script>?x='><img src=x onerror=window.__pwned=2>"
HOSTILE_AGENT = "</pre><iframe src=javascript:window.__pwned=3></iframe>"


def access_line(at: datetime, path: str = "/", status: int = 200, agent: str = "curl/8.5.0") -> str:
    stamp = at.strftime("%d/%b/%Y:%H:%M:%S +0000")
    return f'10.0.0.1 - - [{stamp}] "GET {path} HTTP/1.1" {status} 12 "-" "{agent}" 0.010 0.009'


def error_line(at: datetime, text: str, level: str = "error") -> str:
    return f"{at.strftime('%Y/%m/%d %H:%M:%S')} [{level}] 10#10: *1 {text}, client: 10.0.0.1, server: shop"


class LiveStore:
    """Write raw lines for a host; read them through the dashboard."""

    def __init__(self, path: Path) -> None:
        self.store = Store.open(path)
        self.router = Router()
        self.lock = threading.Lock()
        self._programs: dict[tuple[str, str], Program] = {}
        self.server: DashboardServer | None = None

    def write(self, type_id: str, host: str, raw_lines: Iterable[str]) -> int:
        key = (type_id, host)
        if key not in self._programs:
            self._programs[key] = compile_program(parse_program(SOURCES[type_id], host=host))
        program = self._programs[key]
        events = remap_all(program, [{"message": raw, "host": host} for raw in raw_lines])
        with self.lock:
            batch = self.router.ingest(ndjson(events))
            assert batch.rejected == 0, batch.rejects
            self.store.write([Write(batch)], self.store.cursor())
        return batch.stored

    def serve(self) -> str:
        backend = LocalBackend.shared(self.store.cursor(), Path(self.store.path))
        self.server = DashboardServer(backend, port=0).start()
        return self.server.url

    def close(self) -> None:
        if self.server is not None:
            self.server.stop()
        self.store.close()


def seconds_ago(n: float) -> datetime:
    return datetime.now(UTC).replace(microsecond=0) - timedelta(seconds=n)
