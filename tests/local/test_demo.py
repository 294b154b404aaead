"""The demo traffic: realistic shapes, made through the real VRL, flowing through the collector."""

from __future__ import annotations

import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

from dendro.ingest_lambda.route import Router
from dendro.local_pipeline.client import ndjson
from dendro.local_pipeline.demo import DemoPlan, DemoTraffic
from dendro.local_pipeline.query import query_store
from tests.local.conftest import StartCollector

PLAN = DemoPlan(history=timedelta(minutes=2))


def day(hour: int) -> datetime:
    return datetime(2026, 3, 2, hour, 0, 0, tzinfo=UTC)


def test_every_demo_event_is_valid_after_the_real_vrl() -> None:
    events = list(DemoTraffic("http://127.0.0.1:1", plan=PLAN).events(day(16), 120))

    batch = Router().ingest(ndjson(events))

    assert batch.rejected == 0, batch.rejects[:3]
    # 16:00 is inside a 5xx burst: nginx also writes its upstream errors to the error log.
    assert set(batch.rows) == {"nginx_access", "nginx_error", "host_metrics"}
    hosts = {row[1] for row in batch.rows["nginx_access"]}
    assert hosts == set(PLAN.hosts)


def test_the_traffic_has_a_daily_rhythm_bursts_and_spikes() -> None:
    traffic = DemoTraffic("http://127.0.0.1:1", plan=PLAN)
    peak = [e for e in traffic.events(day(16), 300) if e["type"] == "nginx_access"]
    night = [e for e in traffic.events(day(4), 300) if e["type"] == "nginx_access"]

    assert len(peak) > 3 * len(night)
    # The burst (the first 45 s of each 5 minutes, one host) shows as 5xx concentrated on that host.
    errors = Counter(e["host"] for e in peak if e["status"] >= 500)
    assert errors.most_common(1)[0][1] > 3 * (sum(errors.values()) - errors.most_common(1)[0][1])
    # The latency spike (first 30 s of each 7 minutes) is an order of magnitude slower.
    start = int(day(16).timestamp())
    spiking = [e["request_time"] for e in peak if (int(_seconds(e)) - start) % 420 < 30]
    calm = [e["request_time"] for e in peak if (int(_seconds(e)) - start) % 420 >= 30]
    assert sorted(spiking)[len(spiking) // 2] > 5 * sorted(calm)[len(calm) // 2]


def _seconds(event: dict[str, object]) -> float:
    return datetime.fromisoformat(str(event["timestamp"])).timestamp()


def test_the_demo_posts_through_the_collector(db: Path, start_collector: StartCollector) -> None:
    collector = start_collector(token="t")
    traffic = DemoTraffic(collector.url, "t", plan=PLAN).start()
    deadline = time.monotonic() + 30
    while traffic.sent < 200 and time.monotonic() < deadline:
        time.sleep(0.05)
    traffic.stop()

    [(access, errors, metrics, rejects)] = query_store(
        db,
        "SELECT (SELECT count(*) FROM nginx_access), (SELECT count(*) FROM nginx_error), "
        "(SELECT count(*) FROM host_metrics), (SELECT count(*) FROM _rejects)",
    ).rows
    assert access > 0 and metrics > 0 and rejects == 0
    assert access + errors + metrics == traffic.sent  # acknowledged means stored
