"""Read a log file the way Vector's `file` source does: split on newlines, join multiline events by
the catalog's rule, and remember where each event sits in the file (byte offsets) so an import can
resume where it stopped.

The tests replay the real samples with this same code (tests/support/samples.py), so what they
prove about multiline joining holds for `dendro local import` too.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from dendro.catalog.model import Multiline


@dataclass(frozen=True, slots=True)
class LineEvent:
    """One event as Vector's file source emits it: `text` is its `.message`, `end` the byte offset just
    past it (where reading resumes)."""

    text: str
    start: int
    end: int


def split_lines(data: bytes, offset: int = 0) -> Iterator[LineEvent]:
    """Physical lines from `offset` on. Like Vector, the newline is dropped and bytes that are not UTF-8
    are replaced; a last line without a newline is still a line."""
    size = len(data)
    while offset < size:
        newline = data.find(b"\n", offset)
        end = size if newline < 0 else newline + 1
        line = data[offset : end - 1 if newline >= 0 else end]
        yield LineEvent(line.decode("utf-8", errors="replace"), offset, end)
        offset = end


def join_events(lines: Iterable[LineEvent], rule: Multiline | None) -> Iterator[LineEvent]:
    """Group lines the way Vector's file source `multiline` block does (its line_agg modes)."""
    if rule is None:
        yield from lines
        return
    start = re.compile(rule.start_pattern)
    condition = re.compile(rule.condition_pattern)
    group: list[LineEvent] = []
    for line in lines:
        if group:
            matches = condition.search(line.text) is not None
            if rule.mode == "continue_through":
                if matches:
                    group.append(line)
                    continue
            elif rule.mode == "halt_before":
                if not matches:
                    group.append(line)
                    continue
            elif rule.mode == "continue_past":
                group.append(line)
                if matches:
                    continue
                yield _merge(group)
                group = []
                continue
            elif rule.mode == "halt_with":
                group.append(line)
                if not matches:
                    continue
                yield _merge(group)
                group = []
                continue
            else:
                raise ValueError(f"unknown multiline mode {rule.mode!r}")
            yield _merge(group)
            group = []
        if start.search(line.text):
            group = [line]
        else:
            yield line
    if group:
        yield _merge(group)


def _merge(group: list[LineEvent]) -> LineEvent:
    if len(group) == 1:
        return group[0]
    return LineEvent("\n".join(line.text for line in group), group[0].start, group[-1].end)


def read_events(data: bytes, rule: Multiline | None, offset: int = 0) -> Iterator[LineEvent]:
    """The events of a file's bytes from `offset` (an event boundary) on."""
    return join_events(split_lines(data, offset), rule)


def join_multiline(lines: list[str], rule: Multiline | None) -> Iterator[str]:
    """`join_events` over plain strings, for callers that have no offsets."""
    events = (LineEvent(text, 0, 0) for text in lines)
    return (event.text for event in join_events(events, rule))
