"""The real VRL runtime (vector-vrl or pyvrl, behind dendro.local_pipeline.vrl), loaded the way
`dendro local import` loads it. Imported plainly, never skipped: a machine without a VRL runtime
cannot prove the parsers, and the suite says so by failing."""

from __future__ import annotations

import re

from dendro.local_pipeline.vrl import compile_program, remap_all, runtime

__all__ = ["as_reported", "compile_program", "remap_all"]


def as_reported(summary: str) -> str:
    """A compile error's one-line summary as this runtime reports it: pyvrl gives the code and the
    place ("error[E103] unhandled fallible assignment at line 1, column 6"), vector-vrl the message
    alone ("unhandled fallible assignment")."""
    if runtime().name == "pyvrl":
        return summary
    found = re.fullmatch(r"error\[E\d+\] (.+?)(?: at line \d+, column \d+)?(?:: .*)?", summary)
    assert found, f"not a pyvrl summary: {summary!r}"
    return found.group(1)
