"""Real log samples from ../shared/samples and the machinery to replay them as Vector would."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

from catalog.model import Multiline

REPO = Path(__file__).resolve().parents[2]
SAMPLES = Path(os.environ.get("DENDRO_SAMPLES", REPO.parent / "shared" / "samples"))


def sample_files(folder: str) -> list[Path]:
    files = sorted((SAMPLES / folder).glob("*.log"))
    assert files, f"no samples in {SAMPLES / folder}: is ../shared/samples beside the repo?"
    return files


def read_lines(path: Path) -> list[str]:
    # Vector's file source splits on \n and drops the delimiter; a final empty line is not an event.
    text = path.read_bytes().decode("utf-8", errors="replace")
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return lines


def join_multiline(lines: list[str], rule: Multiline | None) -> Iterator[str]:
    """Group lines the way Vector's file source `multiline` block does (its line_agg modes)."""
    if rule is None:
        yield from lines
        return
    start = re.compile(rule.start_pattern)
    condition = re.compile(rule.condition_pattern)
    group: list[str] = []
    for line in lines:
        if group:
            matches = condition.search(line) is not None
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
                yield "\n".join(group)
                group = []
                continue
            elif rule.mode == "halt_with":
                group.append(line)
                if not matches:
                    continue
                yield "\n".join(group)
                group = []
                continue
            else:
                raise ValueError(f"unknown multiline mode {rule.mode!r}")
            yield "\n".join(group)
            group = []
        if start.search(line):
            group = [line]
        else:
            yield line
    if group:
        yield "\n".join(group)


def jsonable(value: Any) -> Any:
    """What Vector's JSON encoder would send for a VRL value (timestamps become RFC 3339 text)."""
    if isinstance(value, datetime):
        return value.isoformat().replace("+00:00", "Z")
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [jsonable(v) for v in value]
    return value
