"""What ingesting a payload produces: typed rows per table, and rejects with their raw bytes.

Every record that goes in comes out exactly once, as a row or as a reject, so
`records == stored + rejected` always holds; the stores and the tests rely on it.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from dendro.ingest_lambda.validate import Row


@dataclass(frozen=True, slots=True)
class Reject:
    """A record that cannot be stored. `reason` is a stable short code (invalid_json, oversize,
    not_object, unknown_type, missing_field, bad_type, bad_timestamp, unparsed); `raw` is the record
    exactly as it arrived, so it can be fixed and replayed."""

    reason: str
    detail: str
    raw: bytes
    type: str | None = None


@dataclass(slots=True)
class Batch:
    # Table (catalog type id) -> rows, each in the order of that source's `columns`.
    rows: dict[str, list[Row]] = field(default_factory=dict)
    rejects: list[Reject] = field(default_factory=list)

    @property
    def stored(self) -> int:
        return sum(len(rows) for rows in self.rows.values())

    @property
    def rejected(self) -> int:
        return len(self.rejects)

    @property
    def records(self) -> int:
        return self.stored + self.rejected

    def extend(self, other: Batch) -> None:
        for table, rows in other.rows.items():
            self.rows.setdefault(table, []).extend(rows)
        self.rejects.extend(other.rejects)

    def counts(self) -> dict[str, Any]:
        """The summary a store reports back: {"records", "stored", "rejected", "tables", "reasons"}."""
        return {
            "records": self.records,
            "stored": self.stored,
            "rejected": self.rejected,
            "tables": {table: len(rows) for table, rows in sorted(self.rows.items()) if rows},
            "reasons": dict(sorted(Counter(r.reason for r in self.rejects).items())),
        }
