"""The real VRL runtime (pyvrl, a Python binding of Vector's VRL crate).

Imported plainly, not skipped: a machine without pyvrl (wheels exist for CPython 3.11/3.12 on x86_64
Linux) cannot prove the parsers, and the suite should say so by failing.
"""

from __future__ import annotations

from functools import lru_cache

import pyvrl


@lru_cache(maxsize=256)
def compile_program(program: str) -> pyvrl.Transform:
    return pyvrl.Transform(program)
