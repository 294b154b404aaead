"""Every real sample's events through the catalog's parse programs, written down so that two VRL
runtimes (or two interpreters) can be compared event by event; `make test-python` runs it.

    python -m tests.support.sample_events OUT.jsonl          # this interpreter's runtime
    python -m tests.support.sample_events --compare A B      # identical, or the first differences

Each line of OUT is `{"file": ..., "n": ..., "event": ...}`; the first line names the runtime. A
`timestamp` a program took from the clock (`now()` for a line without its own time) differs between
any two runs, so one that falls inside the run's own time window is written as "<clock>".
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson

from dendro.catalog import SOURCES
from dendro.local_pipeline import vrl
from dendro.vector_configs.programs import parse_program
from tests.support.samples import SAMPLES, flatten, join_multiline, read_at, read_lines, sample_files

CLOCK = "<clock>"


def sample_types() -> list[str]:
    """Every sample folder named for a catalog source (tests/samples also holds LICENSES)."""
    return sorted(p.name for p in SAMPLES.iterdir() if p.is_dir() and p.name in SOURCES)


def replay(type_id: str, path: Path) -> list[dict[str, Any]]:
    """The file's events as Vector would send them (default collector, multiline included)."""
    source = SOURCES[type_id]
    collector = source.default_collector
    program = vrl.compile_program(parse_program(source, collector, host="sample-host"))
    raws = join_multiline(read_lines(path), collector.multiline)
    stamp = read_at()
    events = [{"message": raw, "host": "sample-host", "file": path.name, "timestamp": stamp} for raw in raws]
    # A program may make several records of one event (see samples.records_of): each is listed.
    return flatten(vrl.remap_all(program, events))


def records() -> Iterator[dict[str, Any]]:
    started = datetime.now(UTC) - timedelta(seconds=1)
    for type_id in sample_types():
        for path in sample_files(type_id):
            events = replay(type_id, path)
            ended = datetime.now(UTC) + timedelta(seconds=1)
            for n, event in enumerate(events):
                if _within(event.get("timestamp"), started, ended):
                    event = {**event, "timestamp": CLOCK}
                yield {"file": f"{type_id}/{path.name}", "n": n, "event": event}


def _within(value: Any, start: datetime, end: datetime) -> bool:
    try:
        stamp = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return False
    return stamp.tzinfo is not None and start <= stamp <= end


def write(out: Path) -> int:
    count = 0
    with out.open("wb") as file:
        header = {"runtime": str(vrl.runtime()), "python": sys.version.split()[0]}
        file.write(orjson.dumps(header) + b"\n")
        for record in records():
            file.write(orjson.dumps(record, option=orjson.OPT_SORT_KEYS) + b"\n")
            count += 1
    print(f"{count} sample events written to {out} by {header['runtime']} on Python {header['python']}")
    return count


def compare(a: Path, b: Path, show: int = 5) -> int:
    """0 when both files hold the same events; else prints the first differences and returns 1."""
    lines_a, lines_b = a.read_bytes().splitlines(), b.read_bytes().splitlines()
    who_a, who_b = orjson.loads(lines_a[0]), orjson.loads(lines_b[0])
    body_a, body_b = lines_a[1:], lines_b[1:]
    differ = [(x, y) for x, y in zip(body_a, body_b, strict=False) if x != y]
    clock = sum(orjson.loads(x)["event"].get("timestamp") == CLOCK for x in body_a)
    names = f"{who_a['runtime']} (Python {who_a['python']}) and {who_b['runtime']} (Python {who_b['python']})"
    if not differ and len(body_a) == len(body_b) and body_a:
        print(f"{len(body_a)} of {len(body_a)} sample events identical between {names}; {clock} clock times")
        return 0
    print(f"sample events differ between {names}: {len(differ)} of {len(body_a)} vs {len(body_b)} events")
    for x, y in differ[:show]:
        print(f"  {x.decode()[:400]}\n  {y.decode()[:400]}\n")
    return 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("paths", nargs="+", type=Path, help="OUT, or with --compare the two files A B")
    parser.add_argument("--compare", action="store_true", help="compare two files written by this script")
    args = parser.parse_args(argv)
    if args.compare:
        if len(args.paths) != 2:
            parser.error("--compare takes two files")
        return compare(*args.paths)
    if len(args.paths) != 1:
        parser.error("give one file to write")
    write(args.paths[0])
    return 0


if __name__ == "__main__":
    sys.exit(main())
