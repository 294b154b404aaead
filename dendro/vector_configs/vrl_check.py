"""Compile VRL with the real VRL runtime (pyvrl, a Python binding of Vector's VRL crate), when present.

pyvrl has wheels for CPython 3.11/3.12 on x86_64 Linux only, so on other machines VRL cannot be
checked before Vector loads it; callers learn that from `VRL_AVAILABLE` instead of a false "valid".
"""

from __future__ import annotations

import re
from functools import lru_cache

try:
    import pyvrl
except ImportError:  # pragma: no cover - depends on the platform
    pyvrl = None

VRL_AVAILABLE = pyvrl is not None
VRL_UNAVAILABLE_NOTE = (
    "VRL not checked: pyvrl is not installed here (wheels exist for x86_64 Linux, CPython 3.11/3.12)"
)

_DIAGNOSTIC = re.compile(r"error\[(E\d+)\]: ([^\n]+)")
_LOCATION = re.compile(r"┌─ [^:\n]*:(\d+):(\d+)")
# A label under the code excerpt: "  │        unexpected end of program" (gutter and carets stripped).
_LABEL = re.compile(r"^\s*│[\s│^\-]*([A-Za-z`][^\n]*)$", re.MULTILINE)


@lru_cache(maxsize=512)
def vrl_error(program: str) -> str | None:
    """None when `program` compiles (or pyvrl is missing), else a one-line summary of the first error.

    Example: "error[E103] unhandled fallible assignment at line 1, column 6"
    """
    if pyvrl is None:
        return None
    try:
        pyvrl.Transform(program)
    except ValueError as exc:
        return summarize(str(exc))
    return None


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
