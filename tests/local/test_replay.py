"""Reading files as Vector's file source does: lines, multiline events, and byte offsets."""

from __future__ import annotations

import pytest

from dendro.catalog.model import Multiline
from dendro.local_pipeline.replay import join_multiline, read_events, split_lines

STACK = Multiline(start_pattern=r"^\d{4}", condition_pattern=r"^\s", mode="continue_through")


def test_lines_and_their_offsets() -> None:
    data = b"first\nsecond\r\n\xff bad utf8\nno newline at end"

    lines = list(split_lines(data))

    assert [line.text for line in lines] == ["first", "second\r", "\ufffd bad utf8", "no newline at end"]
    assert [(line.start, line.end) for line in lines] == [(0, 6), (6, 14), (14, 25), (25, len(data))]


def test_reading_from_an_offset_resumes_at_that_event() -> None:
    data = b"2024 a\n  more a\n2024 b\n  more b\n"

    events = list(read_events(data, STACK))
    resumed = list(read_events(data, STACK, offset=events[0].end))

    assert [e.text for e in events] == ["2024 a\n  more a", "2024 b\n  more b"]
    assert events[0].end == 16 and events[1].end == len(data)
    assert resumed == events[1:]


@pytest.mark.parametrize(
    ("mode", "start", "condition", "expected"),
    [
        # Vector's own examples for each line_agg mode.
        ("continue_through", r"^[^\s]", r"^[\s]+", ["A\n  a1", "B", "C\n  c1\n  c2"]),
        ("halt_before", r"^[A-Z]", r"^[A-Z]", ["A\n  a1", "B", "C\n  c1\n  c2"]),
        ("continue_past", r"\\$", r"\\$", ["A\n  a1", "B", "C\n  c1\n  c2"]),
        ("halt_with", r"^[A-Z]", r"2$", ["A\n  a1\nB\nC\n  c1\n  c2"]),
    ],
)
def test_multiline_modes(mode: str, start: str, condition: str, expected: list[str]) -> None:
    lines = ["A", "  a1", "B", "C", "  c1", "  c2"]
    if mode == "continue_past":
        lines = ["A \\", "  a1", "B", "C \\", "  c1 \\", "  c2"]
        expected = ["A \\\n  a1", "B", "C \\\n  c1 \\\n  c2"]

    rule = Multiline(start_pattern=start, condition_pattern=condition, mode=mode)

    assert list(join_multiline(lines, rule)) == expected


def test_no_rule_means_one_event_per_line() -> None:
    assert list(join_multiline(["a", "b"], None)) == ["a", "b"]
