"""Every catalog parser, run by the real VRL runtime over every real sample file of its source.

Targets (issue 13): at least 99% of events in every sample file, and at least 99.9% pooled over all
of them, come out satisfying the catalog schema; every other event is flagged as unparsed with its
raw line kept. Run with `-s` to read the per-file rates and each file's flagged lines with their
reasons (benchmarks/parse_rates.py prints the same, and can measure an older parser).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pytest

from dendro.catalog import SOURCES
from dendro.ingest_lambda.validate import Invalid, normalize
from dendro.vector_configs.programs import parse_program
from tests.support.samples import SAMPLES, join_multiline, jsonable, read_lines, sample_files
from tests.support.vrl import compile_program

# Sample folder -> catalog type. Every folder in tests/samples is covered.
SAMPLE_SOURCES = (
    "nginx_access",
    "nginx_error",
    "apache_access",
    "apache_error",
    "postgres",
    "mongodb",
    "mysql",
    "syslog",
)


@dataclass
class FileResult:
    path: Path
    lines: int
    events: int = 0
    parsed: int = 0
    flagged: list[str] = field(default_factory=list)

    @property
    def rate(self) -> float:
        return self.parsed / self.events if self.events else 1.0


def replay(type_id: str, path: Path) -> FileResult:
    source = SOURCES[type_id]
    collector = source.default_collector
    program = compile_program(parse_program(source, collector, host="sample-host"))
    lines = read_lines(path)
    result = FileResult(path, len(lines))
    for raw in join_multiline(lines, collector.multiline):
        result.events += 1
        event = jsonable(program.remap({"message": raw, "host": "sample-host", "file": str(path)}))
        row = normalize(event, source)
        if isinstance(row, Invalid):
            # Not parsed: it must still travel, flagged, with its raw line intact.
            assert row.reason == "unparsed", f"{path.name}: schema violation {row} for {raw!r}"
            assert event["message"] == raw
            result.flagged.append(f"{row.detail[:90]} <- {raw[:160]!r}")
        else:
            result.parsed += 1
    return result


@pytest.fixture(scope="module")
def results() -> dict[str, list[FileResult]]:
    return {type_id: [replay(type_id, path) for path in sample_files(type_id)] for type_id in SAMPLE_SOURCES}


@pytest.mark.parametrize("type_id", SAMPLE_SOURCES)
def test_parse_rate_on_real_samples(type_id: str, results: dict[str, list[FileResult]]) -> None:
    for r in results[type_id]:
        print(
            f"\n{type_id}/{r.path.name}: {r.parsed}/{r.events} events parsed ({r.rate:.2%}), {r.lines} lines"
        )
        for line in r.flagged[:20]:
            print(f"    flagged: {line}")

    for r in results[type_id]:
        assert r.rate >= 0.99, f"{r.path.name}: {r.rate:.2%}"


def test_pooled_parse_rate(results: dict[str, list[FileResult]]) -> None:
    every = [r for files in results.values() for r in files]
    pooled = sum(r.parsed for r in every) / sum(r.events for r in every)
    print(f"\npooled over {len(every)} files: {pooled:.3%}")

    assert pooled >= 0.999


def test_every_sample_folder_is_a_covered_catalog_type() -> None:
    assert {p.name for p in SAMPLES.iterdir() if p.is_dir() and any(p.glob("*.log"))} == set(SAMPLE_SOURCES)
