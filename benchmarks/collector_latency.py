"""How soon an event posted to the collector can be read back, under a steady background load.

    python benchmarks/collector_latency.py [--probes 200] [--rate 10] [--background 5000]

Starts `dendro local up` (dashboard included) with a fresh store. Two senders post background traffic
(`--background` events per second in 1,000-event gzip batches, each waiting for its 200, as Vector's
http sink does), while a probe posts one event `--rate` times per second, each with its own path, and
then asks for it the way `dendro query` does (`query_store`: through the running collector, with the
read token from the runtime file) until it is found. The figure is the time from the probe's POST to
the first answer that holds it.

Last line: post_to_visible_p50_ms=A post_to_visible_p99_ms=B background_events_per_s=C
"""

from __future__ import annotations

import argparse
import gzip
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


def background(url: str, rate: int, stop: threading.Event, sent: list[int]) -> None:
    """Two senders, each posting a 1,000-event batch every 2,000 / rate seconds."""
    batches = make_lines(200_000, 1_000)
    bodies = [gzip.compress(b"".join(lines)) for lines in batches]
    interval = 2 * 1_000 / rate

    def sender(share: list[bytes]) -> None:
        client = CollectorClient(url)
        next_at = time.monotonic()
        for body in share:
            if stop.is_set():
                break
            client.send(body, compress=False)
            sent.append(1_000)
            next_at += interval
            time.sleep(max(0.0, next_at - time.monotonic()))
        client.close()

    threads = [threading.Thread(target=sender, args=(bodies[k::2],), daemon=True) for k in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--probes", type=int, default=200)
    parser.add_argument("--rate", type=float, default=10.0, help="probe events per second")
    parser.add_argument("--background", type=int, default=5_000, help="background events per second")
    args = parser.parse_args()

    event = orjson.loads(make_lines(1, 1)[0][0])
    with tempfile.TemporaryDirectory() as folder:
        db = Path(folder) / "latency.duckdb"
        process, url = start_collector(db)
        stop = threading.Event()
        sent: list[int] = []
        loader = threading.Thread(target=background, args=(url, args.background, stop, sent), daemon=True)
        try:
            loader.start()
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
            elapsed = time.monotonic() - started
            client.close()
        finally:
            stop.set()
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=120)
    background_rate = sum(sent) / (elapsed + 2.0)
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
