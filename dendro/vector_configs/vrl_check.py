"""Compile VRL before Vector loads it, with the VRL runtime of `dendro.local_pipeline.vrl`, when present.

Where no runtime is installed (see that module for which platforms have one), VRL cannot be checked
before Vector loads it; callers learn that from `VRL_AVAILABLE` instead of a false "valid".
"""

from __future__ import annotations

import re
from functools import lru_cache

from dendro.local_pipeline import vrl

VRL_AVAILABLE = vrl.available()
VRL_UNAVAILABLE_NOTE = f"VRL not checked: {vrl.UNAVAILABLE}"

_DIAGNOSTIC = re.compile(r"error\[(E\d+)\]: ([^\n]+)")
_LOCATION = re.compile(r"┌─ [^:\n]*:(\d+):(\d+)")
# A label under the code excerpt: "  │        unexpected end of program" (gutter and carets stripped).
_LABEL = re.compile(r"^\s*│[\s│^\-]*([A-Za-z`][^\n]*)$", re.MULTILINE)


@lru_cache(maxsize=512)
def vrl_error(program: str) -> str | None:
    """None when `program` compiles (or no VRL runtime is installed), else a one-line summary of the
    first error.

    Example (pyvrl): "error[E103] unhandled fallible assignment at line 1, column 6"; vector-vrl
    reports the message alone: "unhandled fallible assignment".
    """
    if not VRL_AVAILABLE:
        return None
    problem = vrl.diagnostic(program)
    return None if problem is None else summarize(problem)


def summarize(diagnostic: str) -> str:
    found = _DIAGNOSTIC.search(diagnostic)
    if found is None:
        return " ".join(diagnostic.split())[:200]
    summary = f"error[{found.group(1)}] {found.group(2).strip()}"
    where = _LOCATION.search(diagnostic)
    if where is not None:
        summary += f" at line {where.group(1)}, column {where.group(2)}"
    label = _LABEL.search(diagnostic)
    if label is not None:
        summary += f": {label.group(1).strip()}"
    return summary
