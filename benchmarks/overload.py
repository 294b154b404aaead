"""The local collector under overload: many senders posting large bodies at once.

    python benchmarks/overload.py [--clients 32] [--batch 11000] [--bodies 2] [--baseline-clients 4]

Starts `dendro local up` (dashboard included) with a fresh store, then:
1. unloaded: `--baseline-clients` senders post `--bodies` gzip NDJSON bodies each, one request in flight
   per sender, as Vector's http sink does;
2. overload: `--clients` senders do the same at once. An 11,000-event body is about 10 MB before
   compression (Vector's default batch.max_bytes), so the collector cannot hold them all: it must
   refuse (429, before reading the body) what it cannot queue, and the senders retry with backoff
   (doubling from 50 ms up to 1 s, with jitter), as Vector does, until every body is accepted.

Bodies are prepared before the clock starts; every body is unique (its own host name), and the run
ends by checking the store holds exactly the records sent.

Last line: accepted_records_per_s=N peak_rss_mb=M ratio_to_unloaded=R
  N  records acknowledged per second under overload;
  M  the collector process's peak resident memory over the whole run;
  R  N divided by the same rate with the baseline senders (goal: >= 0.8).
"""

from __future__ import annotations

import argparse
import gzip
import http.client
import os
import random
import signal
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from collector import TEMPLATE_HOST, make_lines, start_collector  # noqa: E402
from collector_vs_engine import rss_mb  # noqa: E402

from dendro.local_pipeline.client import CollectorClient  # noqa: E402
from dendro.local_pipeline.query import query_store  # noqa: E402


def make_body_factory(batch: int) -> tuple[bytes, int]:
    """The plain NDJSON template of one batch (with TEMPLATE_HOST in every line) and its record count."""
    (lines,) = make_lines(batch, batch)  # its first batch carries TEMPLATE_HOST itself
    return b"".join(lines), batch


def bodies_for(template: bytes, first: int, count: int) -> list[bytes]:
    return [
        gzip.compress(template.replace(TEMPLATE_HOST.encode(), f"bench-host-{n:07d}".encode()), 1)
        for n in range(first, first + count)
    ]


def drive(url: str, shares: list[list[bytes]], batch: int) -> tuple[float, Counter[int]]:
    """Send every body of every share (one sender per share), retrying 429/503 and dropped
    connections with backoff until accepted. Returns the elapsed time and the count of each status."""
    statuses: Counter[int] = Counter()
    lock = threading.Lock()
    errors: list[str] = []

    def sender(share: list[bytes]) -> None:
        client = CollectorClient(url, timeout=120)
        for body in share:
            delay = 0.05
            while True:
                try:
                    status, answer = client.post(body, compress=False)
                except (OSError, http.client.HTTPException):
                    status, answer = 0, {}
                with lock:
                    statuses[status] += 1
                if status == 200:
                    if answer.get("stored") != batch:
                        errors.append(f"answer {answer}")
                    break
                if status not in (0, 429, 503):
                    errors.append(f"status {status}: {answer}")
                    return
                time.sleep(delay * random.uniform(0.5, 1.5))
                delay = min(delay * 2, 1.0)
        client.close()

    threads = [threading.Thread(target=sender, args=(share,)) for share in shares]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise SystemExit(f"a sender failed: {errors[0]}")
    return time.perf_counter() - start, statuses


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--baseline-clients", type=int, default=4)
    parser.add_argument("--batch", type=int, default=11_000)
    parser.add_argument("--bodies", type=int, default=2, help="bodies per sender in each phase")
    args = parser.parse_args()

    template, batch = make_body_factory(args.batch)
    print(f"body: {batch:,} events, {len(template) / 1e6:.1f} MB before gzip", flush=True)
    base_bodies = bodies_for(template, 0, args.baseline_clients * args.bodies)
    load_bodies = bodies_for(template, len(base_bodies), args.clients * args.bodies)
    with tempfile.TemporaryDirectory() as folder:
        db = Path(folder) / "overload.duckdb"
        process, url = start_collector(db)
        try:
            time.sleep(1.0)
            base_time, base_statuses = drive(
                url, [base_bodies[k :: args.baseline_clients] for k in range(args.baseline_clients)], batch
            )
            base_rate = len(base_bodies) * batch / base_time
            print(
                f"unloaded: {args.baseline_clients} senders, {base_rate:,.0f} records/s, "
                f"answers {dict(base_statuses)}"
            )
            load_time, load_statuses = drive(
                url, [load_bodies[k :: args.clients] for k in range(args.clients)], batch
            )
            load_rate = len(load_bodies) * batch / load_time
            print(
                f"overload: {args.clients} senders, {load_rate:,.0f} records/s, answers {dict(load_statuses)}"
            )
            peak = rss_mb(process.pid, "VmHWM")
            threads = len(os.listdir(f"/proc/{process.pid}/task"))
        finally:
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=120)
        stored = query_store(db, "SELECT count(*) FROM nginx_access").rows[0][0]
        sent = (len(base_bodies) + len(load_bodies)) * batch
        if stored != sent:
            raise SystemExit(f"sent {sent} records, the store holds {stored}")
    load = os.getloadavg()
    print(
        f"store checked ({sent:,} records); collector threads at the end {threads}; "
        f"load average {load[0]:.1f} on {os.cpu_count()} CPUs"
    )
    print(
        f"accepted_records_per_s={load_rate:.0f} peak_rss_mb={peak:.0f} "
        f"ratio_to_unloaded={load_rate / base_rate:.2f}"
    )


if __name__ == "__main__":
    main()
