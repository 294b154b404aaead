"""Real log samples (tests/samples, with provenance and licences) and their replay as Vector would."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

# Vector's multiline replay lives in the package: `dendro local import` runs the same code.
from dendro.local_pipeline.replay import join_multiline

__all__ = [
    "SAMPLES",
    "flatten",
    "join_multiline",
    "jsonable",
    "read_at",
    "read_lines",
    "records_of",
    "sample_files",
]

SAMPLES = Path(os.environ.get("DENDRO_SAMPLES", Path(__file__).resolve().parents[1] / "samples"))


def sample_files(folder: str) -> list[Path]:
    files = sorted((SAMPLES / folder).glob("*.log"))
    assert files, f"no samples in {SAMPLES / folder}: they ship in the repository (tests/samples)"
    return files


def read_lines(path: Path) -> list[str]:
    # Vector's file source splits on \n and drops the delimiter; a final empty line is not an event.
    text = path.read_bytes().decode("utf-8", errors="replace")
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return lines


def jsonable(value: Any) -> Any:
    """What Vector's JSON encoder would send for a VRL value (timestamps become RFC 3339 text)."""
    if isinstance(value, datetime):
        return value.isoformat().replace("+00:00", "Z")
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [jsonable(v) for v in value]
    return value


def records_of(text: str, result: Any) -> list[tuple[int, str, dict[str, Any]]]:
    """The records a program made of one event, each with where its part of the event's text starts
    (a character index) and that part. One record stands for the whole event; a program that found
    several entries in it (MySQL's same-second slow-log entries) gives one record each, whose `line`
    (or, when rejected, `message`) is its own part of the text."""
    if not isinstance(result, list):
        return [(0, text, result)]
    found: list[tuple[int, str, dict[str, Any]]] = []
    position = 0
    for record in result:
        part = str(record.get("line") or record.get("message") or "")
        at = text.find(part, position)
        assert part and at >= 0, f"a record's text is not in its event: {record}"
        found.append((at, part, record))
        position = at + len(part)
    return found


def flatten(outputs: list[Any]) -> list[dict[str, Any]]:
    """The records of a batch of program outputs, in order (see records_of)."""
    return [record for output in outputs for record in (output if isinstance(output, list) else [output])]


def read_at() -> str:
    """The `timestamp` Vector's file source gives every line it reads (the time it read it), as
    `dendro local import` sends it: a parser may store a line without a time of its own at it."""
    return datetime.now(UTC).isoformat().replace("+00:00", "Z")
