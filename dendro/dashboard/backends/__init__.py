"""Where the dashboard reads from: the local DuckDB store or Timestream. Both answer the same few
calls, so the routes never know which one they talk to."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from dendro.dashboard.dialect import Dialect
from dendro.local_pipeline.query import QueryError, QueryResult

__all__ = ["Alarm", "Backend", "Health", "QueryError", "QueryResult", "RejectCount"]


@dataclass(frozen=True)
class RejectCount:
    reason: str
    type: str | None
    count: int
    last_ms: int | None
    example: str = ""  # the newest reject's detail, so the home page says what went wrong


@dataclass(frozen=True)
class Alarm:
    name: str
    state: str  # OK | ALARM | INSUFFICIENT_DATA
    reason: str = ""


@dataclass
class Health:
    """Pipeline health: dead letters (local `_rejects`) and alarm states (CloudWatch on AWS)."""

    rejects: list[RejectCount] = field(default_factory=list)
    rejects_window_hours: int = 24
    alarms: list[Alarm] | None = None  # None: this store has no alarms to show
    problems: list[str] = field(default_factory=list)  # what could not be read, said plainly


class Backend(Protocol):
    store: str  # "local" | "timestream", for the empty state's hints
    label: str  # where the data comes from, shown in the header
    dialect: Dialect

    def tables(self) -> list[str]:
        """The catalog tables this store has."""
        ...

    def query(self, sql: str, max_rows: int | None = None) -> QueryResult:
        """Run read-only SQL; QueryError (with a message for the user) when refused or failed."""
        ...

    def health(self) -> Health: ...

    def close(self) -> None: ...
