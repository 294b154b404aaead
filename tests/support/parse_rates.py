"""The parse rate of a real sample file: how many of its events the catalog parser turns into a row.

Each file is read as Vector's file source reads it (the catalog's multiline rule), run through the
very VRL program Vector runs (pyvrl) and checked by the ingest side's validation, as `dendro local
import` does. Used by tests/catalog/test_parse_samples.py and benchmarks/parse_rates.py.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dendro.catalog import SOURCES
from dendro.ingest_lambda.validate import Invalid, normalize
from dendro.local_pipeline.replay import join_multiline
from dendro.local_pipeline.vrl import compile_program
from dendro.vector_configs.programs import parse_program
from tests.support.samples import jsonable, read_at, read_lines, records_of

try:
    from dendro.local_pipeline.vrl import remap_all
except ImportError:  # a dendro from before the batch seam, measured by benchmarks/parse_rates.py

    def remap_all(program: Any, events: list[dict[str, Any]]) -> list[dict[str, Any]]:  # type: ignore[misc]
        return [jsonable(program.remap(event)) for event in events]


@dataclass
class FileRate:
    path: Path
    lines: int = 0
    events: int = 0
    parsed: int = 0
    flagged: list[str] = field(default_factory=list)

    @property
    def rate(self) -> float:
        return self.parsed / self.events if self.events else 1.0


def measure(type_id: str, path: Path, settings: Mapping[str, str] | None = None) -> FileRate:
    source = SOURCES[type_id]
    collector = source.default_collector
    program = compile_program(parse_program(source, collector, host="sample-host", settings=settings or {}))
    lines = read_lines(path)
    result = FileRate(path, len(lines))
    raws = list(join_multiline(lines, collector.multiline))
    stamp = read_at()
    events = remap_all(
        program,
        [{"message": raw, "host": "sample-host", "file": str(path), "timestamp": stamp} for raw in raws],
    )
    for group, output in zip(raws, events, strict=True):
        for _, raw, event in records_of(group, output):
            result.events += 1
            row = normalize(event, source)
            if isinstance(row, Invalid):
                # Not parsed: it must still travel, flagged, with its raw line intact.
                assert row.reason == "unparsed", f"{path.name}: schema violation {row} for {raw!r}"
                assert event["message"] == raw
                result.flagged.append(f"{row.detail[:90]} <- {raw[:160]!r}")
            else:
                result.parsed += 1
    return result
