"""What Firehose bills for the real samples, packed (store "timestream") and unpacked ("iceberg").

Firehose Direct PUT bills each record rounded up to 5 KB. The replay follows the generated config,
not constants restated here: every sample event goes through the generated `<type>_parse` program,
then the generated encode remap and route conditions (all run by the real VRL runtime), then into
records of at most the generated reduces' `max_events` lines joined by "\\n", as concat_newline
does. The replay is a burst (the reduces fill before their timers fire): that is the regime where
volume, and so cost, is; `test_trickle` shows what low traffic pays instead.

raw bytes = the events' JSON lines, the bytes the store needs. Dividing by them measures what the
record rounding adds and nothing else; the raw log lines would also count the JSON field names the
parsing adds (that ratio is printed too, for scale).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import pytest

from dendro.catalog import SOURCES
from dendro.catalog.model import Multiline
from dendro.vector_configs import packing
from dendro.vector_configs.packing import BILLING_UNIT_BYTES, billed_bytes
from dendro.vector_configs.settings import DendroSettings
from tests.support.samples import SAMPLES, flatten, join_multiline, read_lines, sample_files
from tests.support.vrl import compile_program, remap_all
from tests.vector_configs.conftest import FIREHOSE_TIMESTREAM, rendered

SAMPLE_SOURCES = sorted(p.name for p in SAMPLES.iterdir() if p.is_dir() and p.name in SOURCES)
TARGET_RATIO = 1.2


@dataclass
class Lines:
    """One source's sample events after parse + encode: each JSON line and the lane it was routed to."""

    raw_log_bytes: int = 0
    lines: list[tuple[bytes, str | None]] = field(default_factory=list)


@pytest.fixture(scope="module")
def doc() -> dict[str, Any]:
    sources = [{"type": type_id} for type_id in SAMPLE_SOURCES]
    settings = DendroSettings.model_validate(
        {"host": "sample-host", "sources": sources, "sink": FIREHOSE_TIMESTREAM}
    )
    return rendered(settings)


@pytest.fixture(scope="module")
def encoded(doc: dict[str, Any]) -> dict[str, Lines]:
    transforms = doc["transforms"]
    # Compiled apart, as Vector compiles each remap and condition: every event field typed `any`.
    encode = compile_program(transforms[packing.ENCODE_ID]["source"])
    routes = transforms[packing.ROUTE_ID]["route"]
    # Each route's condition, evaluated into a field of its own.
    route = compile_program(". = {" + ", ".join(f'"{name}": {cond}' for name, cond in routes.items()) + "}")
    result = {}
    for type_id in SAMPLE_SOURCES:
        parse = compile_program(transforms[f"{type_id}_parse"]["source"])
        rule = doc["sources"][type_id].get("multiline")
        out = result[type_id] = Lines()
        for path in sample_files(type_id):
            raws = list(join_multiline(read_lines(path), Multiline(**rule) if rule else None))
            outputs = remap_all(
                parse, [{"message": raw, "host": "sample-host", "file": str(path)} for raw in raws]
            )
            parsed = flatten(outputs)  # one event may hold several entries (MySQL same-second slow log)
            events = remap_all(encode, parsed)
            out.raw_log_bytes += sum(len(raw.encode()) for raw in raws)
            for event, routed in zip(events, remap_all(route, events), strict=True):
                lanes = [name for name, matched in routed.items() if matched]
                assert len(lanes) <= 1, f"route sends one line to {lanes}: it would be stored twice"
                out.lines.append((event["message"].encode(), lanes[0] if lanes else None))
    return result


def pack(lines: list[tuple[bytes, str | None]], doc: dict[str, Any]) -> list[int]:
    """Record sizes as the generated reduces and the route's `_unmatched` output would emit them."""
    max_events = {lane.name: doc["transforms"][lane.component_id]["max_events"] for lane in packing.lanes()}
    open_records: dict[str, list[bytes]] = defaultdict(list)
    records: list[int] = []
    for line, lane in lines:
        if lane is None:
            records.append(len(line))
            continue
        open_records[lane].append(line)
        if len(open_records[lane]) == max_events[lane]:
            records.append(len(b"\n".join(open_records.pop(lane))))
    records += [len(b"\n".join(group)) for group in open_records.values()]
    return records


def ratio(records: list[int], raw: int) -> float:
    return sum(billed_bytes(size) for size in records) / raw


def test_packing_keeps_billed_bytes_near_raw(doc: dict[str, Any], encoded: dict[str, Lines]) -> None:
    print(f"\n{'source':<14}{'events':>8}{'JSON KiB':>10}{'records':>9}{'packed':>8}{'unpacked':>10}")
    everything: list[tuple[bytes, str | None]] = []
    for type_id, out in encoded.items():
        raw = sum(len(line) for line, _ in out.lines)
        packed = pack(out.lines, doc)
        alone = ratio([len(line) for line, _ in out.lines], raw)
        print(
            f"{type_id:<14}{len(out.lines):>8}{raw / 1024:>10.0f}{len(packed):>9}"
            f"{ratio(packed, raw):>8.3f}{alone:>10.2f}"
        )
        everything += out.lines

    raw = sum(len(line) for line, _ in everything)
    packed = pack(everything, doc)
    unpacked = [len(line) for line, _ in everything]
    raw_logs = sum(out.raw_log_bytes for out in encoded.values())
    print(
        f"{'all, mixed':<14}{len(everything):>8}{raw / 1024:>10.0f}{len(packed):>9}"
        f"{ratio(packed, raw):>8.3f}{ratio(unpacked, raw):>10.2f}"
    )
    packed_logs, unpacked_logs = ratio(packed, raw_logs), ratio(unpacked, raw_logs)
    print(f"billed / raw log bytes: packed {packed_logs:.3f}, unpacked {unpacked_logs:.2f}")

    assert ratio(packed, raw) <= TARGET_RATIO
    assert ratio(unpacked, raw) > 2 * ratio(packed, raw)  # the comparison that motivates packing
    assert max(packed) <= packing.RECORD_BUDGET_BYTES < packing.RECORD_LIMIT_BYTES


def test_each_lane_is_used_and_bounded(doc: dict[str, Any], encoded: dict[str, Lines]) -> None:
    by_lane: dict[str | None, list[int]] = defaultdict(list)
    for out in encoded.values():
        for line, lane in out.lines:
            by_lane[lane].append(len(line))
    bounds = {lane.name: (lane.min_event_bytes, lane.max_event_bytes) for lane in packing.lanes()}

    for name, (low, high) in bounds.items():
        assert by_lane[name], f"no sample line took lane {name}"
        assert all(low < size <= high for size in by_lane[name])
    assert all(size > max(high for _, high in bounds.values()) for size in by_lane[None])


@pytest.mark.parametrize("events_per_sec", [0.2, 1, 10, 100])
def test_trickle(doc: dict[str, Any], encoded: dict[str, Lines], events_per_sec: float) -> None:
    """At low rates the flush timer, not max_events, closes records: cost is small but the ratio is not."""
    sizes = [len(line) for out in encoded.values() for line, lane in out.lines if lane == "small"]
    mean = sum(sizes) / len(sizes)
    reduce = doc["transforms"][packing.lanes()[0].component_id]
    per_record = min(
        reduce["max_events"], max(1, round(events_per_sec * reduce["end_every_period_ms"] / 1000))
    )
    record = per_record * (mean + 1) - 1

    trickle = billed_bytes(round(record)) / (per_record * mean)
    print(f"\n{events_per_sec:>5} lines/s of {mean:.0f} B: {per_record} per record, billed/raw {trickle:.2f}")

    assert billed_bytes(round(record)) >= BILLING_UNIT_BYTES
    assert trickle <= BILLING_UNIT_BYTES / mean  # never worse than one event per record


def test_samples_cover_the_busy_sources() -> None:
    assert set(SAMPLE_SOURCES) >= {"nginx_access", "apache_access", "postgres", "mongodb", "syslog"}
