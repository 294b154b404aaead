"""Cost of hostile bodies in the ingest core (issue 10, items 6-7): CPU time and memory that crafted
invalid lines and reject floods take, which must grow linearly with the body and stay bounded.

    python benchmarks/hostile_bodies.py [--lines 4000] [--empty 10800000]

1. One line of `{"a":"}` repeated (every `}{` a cut, none a record): before, 28 KB took 14-22 s
   (the pieces were re-joined and re-parsed quadratically). Printed for 1x, 10x and 100x `--lines`;
   linear time means seconds_per_kb stays flat.
2. A body of `--empty` lines of `{}` (10.8 M is the issue's 32.5 MB body): before, 10.8 M reject rows
   and RSS 1.6 -> 4.7 GB. Now at most MAX_KEPT_REJECTS are kept and one summary holds the rest.

Figures are CPU seconds of this process (time.process_time), so other work on a shared machine does
not inflate them. Last line: crafted_line_s_per_kb=A flood_s=B flood_rejects_kept=N peak_rss_mb=M
"""

from __future__ import annotations

import argparse
import resource
import time

from dendro.ingest_lambda.batch import Batch
from dendro.ingest_lambda.route import Router


def cpu(body: bytes, router: Router) -> tuple[float, Batch]:
    started = time.process_time()
    batch = router.ingest(body)
    return time.process_time() - started, batch


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=4000, help="pieces in the smallest crafted line")
    parser.add_argument("--empty", type=int, default=10_800_000, help="`{}` lines in the flood body")
    args = parser.parse_args()
    router = Router()

    per_kb = []
    for factor in (1, 10, 100):
        line = b'{"a":"}' * (args.lines * factor) + b"\n"
        seconds, batch = cpu(line, router)
        kb = len(line) / 1024
        per_kb.append(seconds / kb)
        print(f"crafted line {kb:,.0f} KB: {seconds:.3f} s cpu, {seconds / kb * 1000:.2f} ms/KB, ", end="")
        print(f"{batch.rejected:,} rejects")

    flood = b"{}\n" * args.empty
    seconds, batch = cpu(flood, router)
    kept = len(batch.rejects)
    print(f"flood of {args.empty:,} `{{}}` lines ({len(flood) / 1e6:.1f} MB): {seconds:.1f} s cpu, ", end="")
    print(f"{batch.rejected:,} rejects counted, {kept:,} kept")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"crafted_line_s_per_kb={max(per_kb):.5f} flood_s={seconds:.1f} ", end="")
    print(f"flood_rejects_kept={kept} peak_rss_mb={peak:.0f}")


if __name__ == "__main__":
    main()
