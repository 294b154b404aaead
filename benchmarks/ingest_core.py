"""Throughput of the pure ingest core (decode + validate + route) on one core.

    python benchmarks/ingest_core.py [--events 200000] [--rounds 5]

The payload is NDJSON of nginx_access events made the real way: the sample access logs in
tests/samples run through the catalog's VRL program (the real VRL runtime), as Vector would send them, then
repeated to the requested count over four host names. Each contender runs `--rounds` times, interleaved,
and its best round counts; rates are per CPU-second of this (single-threaded) process, so that other
busy processes on a shared machine do not skew them.

Last line: records_per_s=N orjson_fraction=F stdlib_speedup=S
  N  records per second through `Router.ingest`;
  F  N divided by the rate of bare `orjson.loads` per line on the same bytes (the decoding floor);
  S  N divided by the rate of a straightforward standard-library implementation of the same work.
"""

from __future__ import annotations

import argparse
import gc
import json
import math
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from dendro.catalog import SOURCES  # noqa: E402
from dendro.catalog.model import FieldType, Source  # noqa: E402
from dendro.ingest_lambda.route import Router  # noqa: E402
from dendro.local_pipeline.replay import read_events  # noqa: E402
from dendro.local_pipeline.vrl import compile_program, remap_all  # noqa: E402
from dendro.vector_configs.programs import parse_program  # noqa: E402

SAMPLES = Path(__file__).resolve().parents[1] / "tests" / "samples" / "nginx_access"
HOSTS = ("web-1", "web-2", "web-3", "web-4")


def make_payload(count: int) -> bytes:
    source = SOURCES["nginx_access"]
    lines: list[bytes] = []
    for host in HOSTS:
        program = compile_program(parse_program(source, host=host))
        for path in sorted(SAMPLES.glob("*.log")):
            events = read_events(path.read_bytes(), source.default_collector.multiline)
            lines += [orjson.dumps(e) for e in remap_all(program, [{"message": e.text} for e in events])]
    repeated = (lines * (count // len(lines) + 1))[:count]
    return b"\n".join(repeated) + b"\n"


# --- the straightforward standard-library version of the same work ---


def _stdlib_value(kind: FieldType, value: Any) -> Any:
    if kind is FieldType.STRING:
        if isinstance(value, str):
            return value
        if isinstance(value, int | float) and not isinstance(value, bool):
            return str(value)
    elif kind is FieldType.INT:
        if isinstance(value, int) and not isinstance(value, bool) and -(2**63) <= value < 2**63:
            return value
        if isinstance(value, float) and value.is_integer():
            return int(value)
    elif kind is FieldType.FLOAT:
        if isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value):
            return float(value)
    elif kind is FieldType.BOOL:
        if isinstance(value, bool):
            return value
    elif kind is FieldType.TIMESTAMP and isinstance(value, str):
        parsed = datetime.fromisoformat(value)
        if parsed.tzinfo is not None:
            return parsed.astimezone(UTC)
    raise ValueError(kind)


def stdlib_ingest(body: bytes, sources: dict[str, Source]) -> tuple[dict[str, list[dict[str, Any]]], list]:
    tables: dict[str, list[dict[str, Any]]] = {}
    rejects: list[tuple[str, bytes]] = []
    for line in body.split(b"\n"):
        if not line.strip():
            continue
        try:
            event = json.loads(line)
        except ValueError:
            rejects.append(("invalid_json", line))
            continue
        source = sources.get(event.get("type")) if isinstance(event, dict) else None
        if source is None:
            rejects.append(("unknown_type", line))
            continue
        if "_parse_error" in event:
            rejects.append(("unparsed", line))
            continue
        row: dict[str, Any] = {}
        try:
            for field in source.columns:
                value = event.get(field.name)
                if value is None:
                    if field.required:
                        raise ValueError(field.name)
                    row[field.name] = None
                else:
                    row[field.name] = _stdlib_value(field.type, value)
        except ValueError:
            rejects.append(("invalid", line))
            continue
        tables.setdefault(source.type, []).append(row)
    return tables, rejects


def orjson_floor(body: bytes) -> None:
    loads = orjson.loads
    for line in body.split(b"\n"):
        if line:
            loads(line)


def best_rates(contenders: dict[str, Callable[[], object]], records: int, rounds: int) -> dict[str, float]:
    """Records per CPU-second of this process, best round of each. Rounds interleave the contenders and
    time CPU rather than wall clock, so another busy process on the machine skews them alike."""
    best = dict.fromkeys(contenders, math.inf)
    for _ in range(rounds):
        for name, work in contenders.items():
            gc.collect()
            start = time.process_time()
            work()
            best[name] = min(best[name], time.process_time() - start)
    return {name: records / seconds for name, seconds in best.items()}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()

    body = make_payload(args.events)
    router = Router()
    batch = router.ingest(body)
    stored, rejected = batch.stored, batch.rejected
    assert stored + rejected == args.events, (stored, rejected)
    legacy_tables, legacy_rejects = stdlib_ingest(body, SOURCES)
    assert sum(map(len, legacy_tables.values())) == stored, "the stdlib version must do the same work"
    del batch, legacy_tables, legacy_rejects

    rates = best_rates(
        {
            "core": lambda: router.ingest(body),
            "floor": lambda: orjson_floor(body),
            "stdlib": lambda: stdlib_ingest(body, SOURCES),
        },
        args.events,
        args.rounds,
    )
    core, floor, stdlib = rates["core"], rates["floor"], rates["stdlib"]
    size = len(body) / 1e6
    print(f"payload: {args.events} nginx_access events, {size:.1f} MB; {stored} stored, {rejected} rejected")
    print(f"core {core:,.0f}/s  orjson.loads {floor:,.0f}/s  stdlib {stdlib:,.0f}/s")
    print(f"records_per_s={core:.0f} orjson_fraction={core / floor:.2f} stdlib_speedup={core / stdlib:.2f}")


if __name__ == "__main__":
    main()
