"""Local alerts: how long one evaluation round takes on a store of a given size, and how long from a
rule's condition becoming true to the webhook receiving the notification.

    python benchmarks/alert_latency.py [--rows 200000] [--interval 30]

Fills a fresh store through a real collector with `--rows` nginx_access requests over the last hour
(plus host metrics), then runs the built-in rules plus a 5xx rule: first a timed round with nothing
firing, then a burst of 5xx posted at a random moment of the interval while the loop runs, and the time
until a receiver on 127.0.0.1 gets the firing notification. The wait is at most one interval plus one
round: the figure is printed with the interval it was measured at.

Last line: round_ms=N notify_s=M interval_s=I rows=R
"""

from __future__ import annotations

import argparse
import random
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from dendro.alerts.engine import Evaluator
from dendro.alerts.notify import Dispatcher
from dendro.alerts.rules import AlertSettings
from dendro.alerts.state import state_path
from dendro.local_pipeline.client import CollectorClient, ndjson
from dendro.local_pipeline.collector import Collector, CollectorConfig


def request(host: str, status: int, at: datetime) -> dict[str, Any]:
    return {
        "type": "nginx_access", "host": host, "timestamp": at.isoformat().replace("+00:00", "Z"),
        "service": "nginx", "method": "GET", "protocol": "HTTP/1.1", "status": status,
        "status_class": f"{status // 100}xx", "client": "203.0.113.9", "request": "GET / HTTP/1.1",
        "path": "/", "request_time": round(random.uniform(0.005, 0.3), 3),
    }  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--interval", type=float, default=30.0)
    args = parser.parse_args()

    received: list[float] = []

    class Hook(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length", "0")))
            received.append(time.monotonic())
            self.send_response(200)
            self.end_headers()

        def log_message(self, *_: Any) -> None:
            pass

    hook = ThreadingHTTPServer(("127.0.0.1", 0), Hook)
    threading.Thread(target=hook.serve_forever, daemon=True).start()
    with tempfile.TemporaryDirectory() as folder:
        collector = Collector(CollectorConfig(db=Path(folder) / "bench.duckdb", port=0))
        threading.Thread(target=collector.serve_forever, daemon=True).start()
        client = CollectorClient(collector.url)
        now = datetime.now(UTC)
        hosts = [f"web-{i}" for i in range(1, 11)]
        for start in range(0, args.rows, 10_000):
            batch = [
                request(hosts[i % 10], 200, now - timedelta(seconds=3600 * (1 - i / args.rows)))
                for i in range(start, min(args.rows, start + 10_000))
            ]
            client.post(ndjson(batch))
        settings = AlertSettings.parse(
            {
                "alerting": {"interval": args.interval},
                "alerts": [{"name": "web 5xx", "kind": "error_ratio", "above": 0.05}],
                "notify": [{"webhook": f"http://127.0.0.1:{hook.server_address[1]}/hook"}],
            }
        )
        evaluator = Evaluator(
            settings,
            collector.store.cursor(),
            state_path(Path(folder) / "bench.duckdb"),
            Dispatcher(settings.webhooks, (), None),
        )
        rounds = []
        for _ in range(3):
            started = time.perf_counter()
            assert evaluator.evaluate() == [], "nothing should fire before the burst"
            rounds.append((time.perf_counter() - started) * 1000)
        round_ms = sorted(rounds)[1]
        evaluator.start()
        time.sleep(random.uniform(0, args.interval))
        burst = [request("web-1", 503, datetime.now(UTC)) for _ in range(2000)]
        posted = time.monotonic()
        client.post(ndjson(burst))
        while not received and time.monotonic() - posted < args.interval * 2 + 30:
            time.sleep(0.05)
        evaluator.stop()
        collector.request_stop()
        collector.close()
    hook.shutdown()
    notify_s = received[0] - posted if received else float("nan")
    print(f"rules: {len(settings.rules)} (web 5xx + the built-in ones); median round of 3: {round_ms:.0f} ms")
    print(f"burst to webhook: {notify_s:.1f} s at an interval of {args.interval:g} s")
    print(f"round_ms={round_ms:.0f} notify_s={notify_s:.1f} interval_s={args.interval:g} rows={args.rows}")


if __name__ == "__main__":
    main()
