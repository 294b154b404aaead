"""Parse rate of every real sample file: the share of its events the catalog parser turns into a row.

    python benchmarks/parse_rates.py [--samples tests/samples] [--flagged 5]

Each folder of tests/samples is a catalog type; each file is read as Vector's file source reads it
(the catalog's multiline rule), run through the very VRL program Vector runs (pyvrl), and checked by
the ingest side's validation, as `dendro local import` does. A file's settings (timezone, PostgreSQL
log_line_prefix) come from tests/samples/settings.json when it names the file.

To measure an older parser, run this script with PYTHONPATH pointing at that version's package,
e.g. `git archive <rev> dendro | tar -x -C /tmp/before && PYTHONPATH=/tmp/before python ...`.

Prints one line per file (parsed/events, rate), its first flagged events with their reasons, and
the pooled rate. Last line: pooled_rate=R files_below_99=N
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from dendro.catalog import SOURCES
from dendro.ingest_lambda.validate import Invalid, normalize
from dendro.local_pipeline.replay import join_multiline
from dendro.local_pipeline.vrl import compile_program
from dendro.vector_configs.programs import parse_program

REPO = Path(__file__).resolve().parents[1]


@dataclass
class FileRate:
    name: str
    events: int = 0
    parsed: int = 0
    flagged: list[str] = field(default_factory=list)

    @property
    def rate(self) -> float:
        return self.parsed / self.events if self.events else 1.0


def read_lines(path: Path) -> list[str]:
    # Vector's file source splits on \n and drops the delimiter; a final empty line is not an event.
    lines = path.read_bytes().decode("utf-8", errors="replace").split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return lines


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat().replace("+00:00", "Z")
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    return value


def measure(type_id: str, path: Path, settings: Mapping[str, str]) -> FileRate:
    source = SOURCES[type_id]
    collector = source.default_collector
    program = compile_program(parse_program(source, collector, host="sample-host", settings=settings))
    result = FileRate(f"{type_id}/{path.name}")
    for raw in join_multiline(read_lines(path), collector.multiline):
        result.events += 1
        event = _jsonable(program.remap({"message": raw, "host": "sample-host", "file": str(path)}))
        row = normalize(event, source)
        if isinstance(row, Invalid):
            result.flagged.append(f"{row.detail[:100]} <- {raw[:120]!r}")
        else:
            result.parsed += 1
    return result


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
            print(f"{result.name}: {result.parsed}/{result.events} ({result.rate:.2%})")
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
