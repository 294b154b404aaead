"""The real VRL runtime (pyvrl, a Python binding of Vector's VRL crate), loaded on demand.

`dendro local import` and the demo run each catalog program with it, so local data goes through the
very parser Vector runs on servers. pyvrl publishes wheels for CPython 3.11/3.12 on x86_64 Linux only;
elsewhere the commands that need it say so instead of failing with an ImportError.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any, Protocol


class VrlUnavailableError(RuntimeError):
    pass


class Program(Protocol):
    def remap(self, event: dict[str, Any]) -> dict[str, Any]: ...


class VrlProgramError(ValueError):
    pass


@lru_cache(maxsize=256)
def compile_program(program: str) -> Program:
    try:
        import pyvrl
    except ImportError:
        raise VrlUnavailableError(
            "the VRL runtime (pyvrl) is not installed. It ships wheels for CPython 3.11/3.12 on x86_64 "
            "Linux only: install it with `pip install pyvrl==0.0.2` on such a machine, or run Vector "
            "itself with `dendro configure --sink http` and `dendro local up`"
        ) from None
    try:
        return pyvrl.Transform(program)
    except ValueError as error:  # pyvrl reports compile diagnostics as ValueError
        raise VrlProgramError(f"the VRL program does not compile:\n{error}") from None
