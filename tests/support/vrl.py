"""The real VRL runtime (pyvrl, a Python binding of Vector's VRL crate), loaded the way
`dendro local import` loads it. Imported plainly, never skipped: a machine without pyvrl cannot prove
the parsers, and the suite says so by failing."""

from __future__ import annotations

from dendro.local_pipeline.vrl import compile_program

__all__ = ["compile_program"]
