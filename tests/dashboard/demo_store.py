"""A store filled with the demo's traffic, made the real way: local_pipeline.demo's nginx lines and
host metrics, parsed by the catalog's VRL programs, routed by the ingest core and written by the
store's writer, as `dendro local up --demo` would have stored them (without the HTTP hop)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from dendro.ingest_lambda.route import Router
from dendro.local_pipeline.client import ndjson
from dendro.local_pipeline.demo import DemoTraffic
from dendro.local_pipeline.store import Store, Write

BAD_RECORDS = (
    b'{"type": "nginx_access", "host": "web-1", "timestamp": "yesterday"}\n'
    b'{"type": "no_such_source", "host": "web-2", "timestamp": "2026-01-01T00:00:00Z"}\n'
    b"not json at all\n"
)


def build_demo_store(path: Path, minutes: int = 60, now: datetime | None = None) -> Path:
    """`minutes` of demo traffic up to `now`, plus a few rejects, in a new store at `path`."""
    end = (now or datetime.now(UTC)).replace(microsecond=0)
    traffic = DemoTraffic("http://127.0.0.1:9")  # the client is never used: events go straight in
    router = Router()
    with Store.open(path) as store:
        start = end - timedelta(minutes=minutes)
        while start < end:
            seconds = min(600, int((end - start).total_seconds()))
            batch = router.ingest(ndjson(traffic.events(start, seconds)))
            store.write([Write(batch)])
            start += timedelta(seconds=seconds)
        store.write([Write(router.ingest(BAD_RECORDS))])
    return path
