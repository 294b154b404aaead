"""Real log samples (tests/samples, with provenance and licences) and their replay as Vector would."""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path
from typing import Any

# Vector's multiline replay lives in the package: `dendro local import` runs the same code.
from dendro.local_pipeline.replay import join_multiline

__all__ = ["SAMPLES", "join_multiline", "jsonable", "read_lines", "sample_files"]

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
