"""What ingesting a payload produces: typed rows per table, and rejects with their raw bytes.

Every record that goes in comes out exactly once, as a row or as a reject, so
`records == stored + rejected` always holds; the stores and the tests rely on it.

Rejects are kept whole (raw bytes and all) up to MAX_KEPT_REJECTS and MAX_KEPT_REJECT_BYTES per batch;
past either, they are only counted (`omitted`, per reason) and `dead_letters()` ends with one summary
reject holding that count. A body of ten million `{}` lines thus costs ten thousand reject rows, not
ten million, and its memory stays bounded.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from dendro.ingest_lambda.validate import Row

MAX_KEPT_REJECTS = 10_000
MAX_KEPT_REJECT_BYTES = 8 * 1024 * 1024
TOO_MANY_REJECTS = "too_many_rejects"


@dataclass(frozen=True, slots=True)
class Reject:
    """A record that cannot be stored. `reason` is a stable short code (invalid_json, oversize,
    too_deep, not_object, unknown_type, missing_field, bad_type, bad_timestamp, unparsed, and too_many_rejects
    for the summary of those not kept); `raw` is the record exactly as it arrived, so it can be fixed
    and replayed."""

    reason: str
    detail: str
    raw: bytes
    type: str | None = None


@dataclass(slots=True)
class Batch:
    # Table (catalog type id) -> rows, each in the order of that source's `columns`.
    rows: dict[str, list[Row]] = field(default_factory=dict)
    rejects: list[Reject] = field(default_factory=list)  # the rejects kept whole
    omitted: Counter[str] = field(default_factory=Counter)  # reason -> rejects counted, not kept
    kept_bytes: int = 0
    full: bool = False  # no more rejects are kept whole

    def reject(self, reject: Reject) -> None:
        size = len(reject.raw) + len(reject.detail)
        if not self.full and self.kept_bytes + size <= MAX_KEPT_REJECT_BYTES:
            self.rejects.append(reject)
            self.kept_bytes += size
            self.full = len(self.rejects) >= MAX_KEPT_REJECTS
        else:
            self.full = True
            self.omitted[reject.reason] += 1

    def dead_letters(self) -> list[Reject]:
        """What to write to the dead-letter place: the rejects kept, then the summary of the others."""
        if not self.omitted:
            return self.rejects
        count = sum(self.omitted.values())
        reasons = ", ".join(f"{reason} {n:,}" for reason, n in self.omitted.most_common())
        detail = (
            f"{count:,} more rejects in this batch were counted but not kept ({reasons}); the first "
            f"{len(self.rejects):,} are kept whole. Fix the sender: most of what it sends is refused"
        )
        return [*self.rejects, Reject(TOO_MANY_REJECTS, detail, b"")]

    @property
    def stored(self) -> int:
        return sum(len(rows) for rows in self.rows.values())

    @property
    def rejected(self) -> int:
        return len(self.rejects) + sum(self.omitted.values())

    @property
    def records(self) -> int:
        return self.stored + self.rejected

    def extend(self, other: Batch) -> None:
        for table, rows in other.rows.items():
            self.rows.setdefault(table, []).extend(rows)
        for reject in other.rejects:
            self.reject(reject)
        self.omitted.update(other.omitted)

    def reasons(self) -> Counter[str]:
        """Reason -> rejects, kept or not."""
        return Counter(r.reason for r in self.rejects) + self.omitted

    def counts(self) -> dict[str, Any]:
        """The summary a store reports back: {"records", "stored", "rejected", "tables", "reasons"}."""
        return {
            "records": self.records,
            "stored": self.stored,
            "rejected": self.rejected,
            "tables": {table: len(rows) for table, rows in sorted(self.rows.items()) if rows},
            "reasons": dict(sorted(self.reasons().items())),
        }
