"""How soon an event posted to the collector can be read back, under a steady background load.

    python benchmarks/collector_latency.py [--probes 200] [--rate 10] [--background 5000]

Starts `dendro local up` (dashboard included) with a fresh store. `--senders` senders post background
traffic (`--background` events per second in all, in distinct 1,000-event gzip batches made before the
clock starts, each sender posting on a fixed schedule and waiting for each 200, as Vector's http sink
does), while a probe posts one event `--rate` times per second, each with its own path, and
then asks for it the way `dendro query` does (`query_store`: through the running collector, with the
read token from the runtime file) until it is found. The figure is the time from the probe's POST to
the first answer that holds it. The background figure is the rate acknowledged while the probes ran.

Last line: post_to_visible_p50_ms=A post_to_visible_p99_ms=B background_events_per_s=C
"""

from __future__ import annotations

import argparse
import gzip
import math
import os
import signal
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

import orjson

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from collector import make_lines, start_collector  # noqa: E402

from dendro.local_pipeline.client import CollectorClient, ndjson  # noqa: E402
from dendro.local_pipeline.query import query_store  # noqa: E402


class Background:
    """`senders` threads, each posting 1,000-event gzip batches on a fixed schedule (by deadline: the
    next batch is due `interval` after the previous one was due, not after its answer came back), each
    batch waiting for its 200 as Vector's http sink does. Every body is distinct (its own host name),
    so none is a duplicate the collector could acknowledge without storing it; the bodies are made
    before the clock starts, so making them costs the load nothing."""

    def __init__(self, rate: int, senders: int, seconds: float) -> None:
        self.url = ""
        count = max(senders, math.ceil(rate * seconds / 1_000))
        bodies = [gzip.compress(b"".join(lines)) for lines in make_lines(count * 1_000, 1_000)]
        self.shares = [bodies[k::senders] for k in range(senders)]
        self.interval = senders * 1_000 / rate
        self.stop = threading.Event()
        self.acknowledged: list[float] = []  # monotonic time of each 200
        self.threads = [
            threading.Thread(target=self._send, args=(share, k * self.interval / senders), daemon=True)
            for k, share in enumerate(self.shares)
        ]

    def start(self, url: str) -> None:
        self.url = url
        for thread in self.threads:
            thread.start()

    def _send(self, share: list[bytes], offset: float) -> None:
        """Post `share`, the first batch `offset` seconds from now (the senders take turns evenly)."""
        client = CollectorClient(self.url)
        due = time.monotonic() + offset
        time.sleep(offset)
        for body in share:
            if self.stop.is_set():
                break
            client.send(body, compress=False)
            self.acknowledged.append(time.monotonic())
            due += self.interval
            time.sleep(max(0.0, due - time.monotonic()))
        client.close()

    def rate_between(self, start: float, end: float) -> float:
        """Events acknowledged per second between two monotonic times."""
        return sum(1_000 for t in self.acknowledged if start <= t <= end) / (end - start)

    def finish(self) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--probes", type=int, default=200)
    parser.add_argument("--rate", type=float, default=10.0, help="probe events per second")
    parser.add_argument("--background", type=int, default=5_000, help="background events per second")
    parser.add_argument("--senders", type=int, default=2, help="background senders, one batch in flight each")
    args = parser.parse_args()

    event = orjson.loads(make_lines(1, 1)[0][0])
    # Enough distinct bodies for the probes' run at their rate, with room to spare.
    loader = Background(args.background, args.senders, args.probes / args.rate * 1.5 + 10)
    with tempfile.TemporaryDirectory() as folder:
        db = Path(folder) / "latency.duckdb"
        process, url = start_collector(db)
        try:
            loader.start(url)
            time.sleep(2.0)  # the background load is running
            client = CollectorClient(url)
            latencies: list[float] = []
            started = time.monotonic()
            for number in range(args.probes):
                path = f"/probe/{number}"
                began = time.perf_counter()
                client.send(ndjson([{**event, "path": path}]))
                while not query_store(db, f"SELECT 1 FROM nginx_access WHERE path = '{path}'").rows:
                    pass
                latencies.append((time.perf_counter() - began) * 1000)
                time.sleep(max(0.0, started + (number + 1) / args.rate - time.monotonic()))
            ended = time.monotonic()
            elapsed = ended - started
            client.close()
        finally:
            loader.finish()
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=120)
    # The rate the background really kept while the probes ran (what the latency was measured under).
    background_rate = loader.rate_between(started, ended)
    cuts = statistics.quantiles(latencies, n=100)
    load = os.getloadavg()
    print(
        f"{args.probes} probes at {args.rate:g}/s over {elapsed:.0f} s, background {background_rate:,.0f} "
        f"events/s; load average {load[0]:.1f} on {os.cpu_count()} CPUs; max {max(latencies):.0f} ms"
    )
    print(
        f"post_to_visible_p50_ms={statistics.median(latencies):.0f} post_to_visible_p99_ms={cuts[98]:.0f} "
        f"background_events_per_s={background_rate:.0f}"
    )


if __name__ == "__main__":
    main()
