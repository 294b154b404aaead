"""What both Lambda entry points keep between invocations: one helper per source type, and the log."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Generic, TypeVar

from dendro.catalog import SOURCES
from dendro.catalog.model import Source

T = TypeVar("T")


class PerSource(Generic[T]):
    """`build(source)` once per source type, on first use: a warm Lambda reuses what a cold start
    built, and a type no record carries costs nothing."""

    def __init__(self, build: Callable[[Source], T]) -> None:
        self._build = build
        self._built: dict[str, T] = {}

    def __call__(self, type_id: str) -> T:
        built = self._built.get(type_id)
        if built is None:
            built = self._built[type_id] = self._build(SOURCES[type_id])
        return built


def print_line(line: bytes) -> None:
    """One line of the function's log (and of its EMF metrics): Lambda sends stdout to CloudWatch Logs."""
    sys.stdout.write(line.decode() + "\n")
