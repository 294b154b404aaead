"""What each rule's instances are doing (pending, firing), the transitions to notify, and the file that
keeps both across restarts: a restart of `dendro local up` finds its firing alerts again and sends
nothing new for them.

The file sits beside the store (`dendro.duckdb.alerts.json`), written whole to a temporary file and
renamed, so a crash leaves the old state or the new one, never half of one.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

import orjson

HISTORY_LIMIT = 500

Labels = tuple[tuple[str, str], ...]


def labels_of(mapping: Mapping[str, Any]) -> Labels:
    return tuple(sorted((str(k), "" if v is None else str(v)) for k, v in mapping.items()))


def instance_key(rule: str, labels: Labels) -> str:
    return orjson.dumps([rule, labels]).decode()


@dataclass(frozen=True)
class Observation:
    """One instance as measured now: its value, and whether it breaks the rule's threshold."""

    labels: Labels
    value: float | None
    breaching: bool


@dataclass
class Active:
    """An instance that breaks its rule: pending until it has done so for the rule's `for`, then firing."""

    rule: str
    labels: Labels
    status: Literal["pending", "firing"]
    since: str  # ISO 8601 UTC: when the condition became true
    value: float | None
    fired_at: str | None = None


@dataclass(frozen=True)
class Transition:
    """What a notification is about: an instance that starts firing, or stops."""

    status: Literal["firing", "resolved"]
    rule: str
    labels: Labels
    value: float | None
    since: str
    at: str

    def to_json(self) -> dict[str, Any]:
        return {**asdict(self), "labels": dict(self.labels)}


@dataclass
class AlertState:
    active: dict[str, Active] = field(default_factory=dict)
    history: list[Transition] = field(default_factory=list)
    # Per rule: the last evaluation's error (a query that failed or ran too long), or None.
    errors: dict[str, str | None] = field(default_factory=dict)
    evaluated_at: str | None = None

    def advance(
        self, rule: str, hold_seconds: float, observations: Iterable[Observation], now: datetime
    ) -> list[Transition]:
        """Fold one evaluation of `rule` in; returns the transitions to notify (each exactly once)."""
        observations = list(observations)
        stamp = now.astimezone(UTC).isoformat()
        seen: set[str] = set()
        out: list[Transition] = []
        for obs in observations:
            key = instance_key(rule, obs.labels)
            current = self.active.get(key)
            if not obs.breaching:
                continue
            seen.add(key)
            if current is None:
                current = Active(rule, obs.labels, "pending", stamp, obs.value)
                self.active[key] = current
            current.value = obs.value
            held = (now - datetime.fromisoformat(current.since)).total_seconds()
            if current.status == "pending" and held >= hold_seconds:
                current.status = "firing"
                current.fired_at = stamp
                out.append(Transition("firing", rule, obs.labels, obs.value, current.since, stamp))
        values = {instance_key(rule, o.labels): o.value for o in observations}
        for key in [k for k, a in self.active.items() if a.rule == rule and k not in seen]:
            gone = self.active.pop(key)
            if gone.status == "firing":
                value = values.get(key)
                out.append(Transition("resolved", rule, gone.labels, value, gone.since, stamp))
        self.errors[rule] = None
        self.history.extend(out)
        del self.history[:-HISTORY_LIMIT]
        return out

    def forget_rules_except(self, names: Iterable[str]) -> None:
        """Rules removed from dendro.toml since the last run: drop their instances, silently."""
        keep = set(names)
        self.active = {k: a for k, a in self.active.items() if a.rule in keep}
        self.errors = {r: e for r, e in self.errors.items() if r in keep}

    def firing(self, rule: str | None = None) -> list[Active]:
        return [a for a in self.active.values() if a.status == "firing" and rule in (None, a.rule)]

    # --- the file ---

    def to_json(self) -> bytes:
        return orjson.dumps(
            {
                "version": 1,
                "evaluated_at": self.evaluated_at,
                "active": [asdict(a) for a in self.active.values()],
                "history": [asdict(t) for t in self.history],
                "errors": self.errors,
            }
        )

    @classmethod
    def from_json(cls, data: bytes) -> AlertState:
        raw = orjson.loads(data)
        state = cls(evaluated_at=raw.get("evaluated_at"), errors=dict(raw.get("errors") or {}))
        for item in raw.get("active") or ():
            active = Active(**{**item, "labels": _labels(item["labels"])})
            state.active[instance_key(active.rule, active.labels)] = active
        state.history = [
            Transition(**{**t, "labels": _labels(t["labels"])}) for t in raw.get("history") or ()
        ]
        return state


def _labels(raw: Any) -> Labels:
    return tuple((str(k), str(v)) for k, v in raw)


def state_path(db: Path) -> Path:
    return db.with_name(db.name + ".alerts.json")


def load_state(path: Path) -> AlertState:
    """The saved state, or a fresh one when there is none (or it is unreadable: alerts then start
    over, which at worst notifies a firing alert once more)."""
    try:
        return AlertState.from_json(path.read_bytes())
    except FileNotFoundError:
        return AlertState()
    except (orjson.JSONDecodeError, KeyError, TypeError, ValueError):
        return AlertState()


def save_state(path: Path, state: AlertState) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(state.to_json())
    os.replace(tmp, path)
