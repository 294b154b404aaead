"""Throughput of the local collector: records over loopback HTTP into DuckDB.

    python benchmarks/collector.py [--records 1000000] [--clients 4] [--batch 10000]
    python benchmarks/collector.py --batch 1000 --clients 2   # Vector's small batches, as issue 15 measures

Starts `dendro local up` as a subprocess on a free port with a fresh store, then posts from
`--clients` threads at once, as Vector's http sink does: gzip NDJSON batches of nginx_access events
(made by running the sample access logs through the catalog's VRL program), each batch acknowledged
only once committed, one request in flight per client. Bodies are prepared before the clock starts,
so the figure is the collector's. The run ends by checking the store holds exactly the records sent.

Batch size: Vector's http sink fills a batch up to `batch.max_bytes` (10 MB by default) or for
`batch.timeout_secs` (1 s). An agent pushing thousands of events per second therefore sends batches
of about 18,000 of these ~550-byte events; 10,000 is on the small side of that. Agents with less
traffic send smaller batches, more often: `--batch 1000` measures that case, where the cost per
request (round trip, commit) weighs most.

Last line: records_per_s=N peak_rss_mb=M  (M is the collector process's peak resident memory)
"""

from __future__ import annotations

import argparse
import gzip
import os
import resource
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import orjson

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from dendro.catalog import SOURCES  # noqa: E402
from dendro.local_pipeline.client import CollectorClient  # noqa: E402
from dendro.local_pipeline.query import query_store  # noqa: E402
from dendro.local_pipeline.replay import read_events  # noqa: E402
from dendro.local_pipeline.vrl import compile_program, remap_all  # noqa: E402
from dendro.vector_configs.programs import parse_program  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
SAMPLES = REPO / "tests" / "samples" / "nginx_access"
TEMPLATE_HOST = "bench-host-0000000"


def make_lines(records: int, batch: int) -> list[list[bytes]]:
    """NDJSON lines (newline included) in batches of `batch`; every batch carries its own host name,
    so no two bodies are alike."""
    source = SOURCES["nginx_access"]
    program = compile_program(parse_program(source, host=TEMPLATE_HOST))
    lines: list[bytes] = []
    for path in sorted(SAMPLES.glob("*.log")):
        events = read_events(path.read_bytes(), source.default_collector.multiline)
        remapped = remap_all(program, [{"message": e.text} for e in events])
        lines += [orjson.dumps(e, option=orjson.OPT_APPEND_NEWLINE) for e in remapped]
    template = (lines * (batch // len(lines) + 1))[:batch]
    batches = []
    for number in range(records // batch):
        host = f"bench-host-{number:07d}".encode()
        batches.append([line.replace(TEMPLATE_HOST.encode(), host) for line in template])
    return batches


def make_bodies(records: int, batch: int) -> list[bytes]:
    """gzip NDJSON bodies, one per batch of `make_lines`."""
    return [gzip.compress(b"".join(lines), compresslevel=1) for lines in make_lines(records, batch)]


def start_collector(db: Path) -> tuple[subprocess.Popen[str], str]:
    # The dashboard runs too (on any free port), as in a real `dendro local up`.
    command = [sys.executable, "-m", "dendro.cli.local", "up", "--port", "0", "--dashboard-port", "0"]
    command += ["--db", str(db)]
    process = subprocess.Popen(command, cwd=REPO, stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None
    for line in process.stdout:
        if line.startswith("Dendro collector listening on "):
            threading.Thread(target=process.stdout.read, daemon=True).start()  # keep the pipe drained
            return process, line.split()[-1]
    raise RuntimeError(f"the collector did not start (exit code {process.wait()})")


def post_all(url: str, bodies: list[bytes], clients: int) -> float:
    """Post every body from `clients` senders at once, each waiting for its answer before the next (as
    Vector's http sink does); the seconds it took. Exits if a sender failed."""
    errors: list[BaseException] = []

    def client(share: list[bytes]) -> None:
        sender = CollectorClient(url)
        try:
            for body in share:
                sender.send(body, compress=False)
        except BaseException as error:  # reported after the run
            errors.append(error)
        finally:
            sender.close()

    threads = [threading.Thread(target=client, args=(bodies[k::clients],)) for k in range(clients)]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - start
    if errors:
        raise SystemExit(f"a client failed: {errors[0]}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--batch", type=int, default=10_000)
    args = parser.parse_args()

    bodies = make_bodies(args.records, args.batch)
    sent = len(bodies) * args.batch
    with tempfile.TemporaryDirectory() as folder:
        db = Path(folder) / "bench.duckdb"
        process, url = start_collector(db)
        try:
            elapsed = post_all(url, bodies, args.clients)
        finally:
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=120)
        stored = query_store(db, "SELECT count(*) FROM nginx_access").rows[0][0]
        assert stored == sent, f"sent {sent} records, the store holds {stored}"
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    peak_mb = usage.ru_maxrss / 1024  # KiB on Linux
    print(
        f"{sent:,} records in {len(bodies)} batches from {args.clients} clients in {elapsed:.1f} s; "
        f"store checked; collector CPU {usage.ru_utime + usage.ru_stime:.1f} s on {os.cpu_count()} CPUs"
    )
    print(f"records_per_s={sent / elapsed:.0f} peak_rss_mb={peak_mb:.0f}")


if __name__ == "__main__":
    main()
