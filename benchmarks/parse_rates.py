"""Parse rate of every real sample file: the share of its events the catalog parser turns into a row.

    python benchmarks/parse_rates.py [--samples tests/samples] [--flagged 5]

Each folder of tests/samples is a catalog type; tests/support/parse_rates.py replays each file as
Vector and `dendro local import` would. A file's settings (timezone, PostgreSQL log_line_prefix)
come from tests/samples/settings.json when it names the file.

To measure an older parser, put that version's package first on PYTHONPATH, e.g.
`git archive <rev> dendro | tar -x -C /tmp/before && PYTHONPATH=/tmp/before python benchmarks/...`.

Prints one line per file (parsed/events, rate) with its first flagged events and their reasons.
Last line: pooled_rate=R files_below_99=N
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.append(str(REPO))  # after PYTHONPATH, so an older `dendro` put there is the one measured

from dendro.catalog import SOURCES  # noqa: E402
from tests.support.parse_rates import FileRate, measure  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=Path, default=REPO / "tests" / "samples")
    parser.add_argument("--flagged", type=int, default=5, help="flagged events to show per file")
    args = parser.parse_args(argv)
    settings_file = args.samples / "settings.json"
    per_file = json.loads(settings_file.read_text()) if settings_file.exists() else {}
    results: list[FileRate] = []
    for folder in sorted(p for p in args.samples.iterdir() if p.is_dir() and p.name in SOURCES):
        for path in sorted(folder.glob("*.log")):
            result = measure(folder.name, path, per_file.get(f"{folder.name}/{path.name}", {}))
            results.append(result)
            print(f"{folder.name}/{path.name}: {result.parsed}/{result.events} ({result.rate:.2%})")
            for line in result.flagged[: args.flagged]:
                print(f"    flagged: {line}")
    events = sum(r.events for r in results)
    pooled = sum(r.parsed for r in results) / events if events else 1.0
    below = [r for r in results if r.rate < 0.99]
    print(f"files={len(results)} events={events}")
    print(f"pooled_rate={pooled:.4%} files_below_99={len(below)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
