"""The shape of a catalog entry.

Standard-library frozen dataclasses only: the ingest Lambda bundle carries this package, and it must
stay free of pydantic and friends.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from importlib import resources
from typing import Any

from dendro.catalog import local_time


class FieldType(StrEnum):
    STRING = "string"
    INT = "int"
    FLOAT = "float"
    BOOL = "bool"
    TIMESTAMP = "timestamp"


class Role(StrEnum):
    # Low-cardinality tag (host, method, status class): a Timestream dimension, a GROUP BY key.
    DIMENSION = "dimension"
    # A value: numbers, but also high-cardinality text such as a path or a message.
    MEASURE = "measure"


@dataclass(frozen=True)
class Field:
    name: str
    type: FieldType
    role: Role
    required: bool = False
    description: str = ""


# Every event carries these, whatever its source (the event contract in DESIGN.md).
ENVELOPE: tuple[Field, ...] = (
    Field("type", FieldType.STRING, Role.DIMENSION, True, "catalog id; also the table name"),
    Field("host", FieldType.STRING, Role.DIMENSION, True, "server that produced the event"),
    Field("timestamp", FieldType.TIMESTAMP, Role.MEASURE, True, "event time, RFC 3339"),
)

# A line Vector could not parse travels with these two fields so the ingest side can dead-letter
# it with a reason instead of it vanishing on the server.
PARSE_ERROR_FIELD = "_parse_error"
RAW_MESSAGE_FIELD = "message"

# Log sources also keep the line as the server wrote it (multiline entries joined by "\n"), so the
# Logs page can show it exactly: reconstructing it from the fields is not exact (custom formats,
# spacing, journald). Not `message`: several parsers store their parsed text under that name.
# Optional: rows stored before it existed, and events of older agents, have none.
LINE = Field("line", FieldType.STRING, Role.MEASURE, False, "the line as the server wrote it")


@dataclass(frozen=True)
class Multiline:
    """Vector's file-source `multiline` block: how continuation lines join their first line."""

    start_pattern: str
    condition_pattern: str
    mode: str = "continue_through"  # Vector's modes: continue_through, continue_past, halt_before, halt_with
    timeout_ms: int = 1000


@dataclass(frozen=True)
class Collector:
    """One way Vector can collect a source: the Vector source kind, its options and the parser.

    The parser turns the raw event into the source's fields. It is, in order of precedence:
    `render(settings)` for parsers built from per-install settings (PostgreSQL's log_line_prefix),
    `inline_vrl` for user-declared custom sources, or `vrl`, a file in catalog/vrl/ (without
    `.vrl`). Metric collectors go through Vector's `metric_to_log` first (`metrics=True`).
    """

    name: str
    kind: str
    options: dict[str, Any] = field(default_factory=dict)
    vrl: str | None = None
    multiline: Multiline | None = None
    metrics: bool = False
    inline_vrl: str | None = None
    render: Callable[[Mapping[str, str]], str] | None = None
    # Per-install settings the parser takes (dendro.toml `settings`, `dendro local import` flags).
    # "timezone" means the parser may leave a zone-less time in `dendro_wall` (catalog/local_time.py).
    settings: tuple[str, ...] = ()

    def program(self, settings: Mapping[str, str] | None = None) -> str:
        """The parser's VRL text. `settings` carries per-install choices a parser may need (for
        example PostgreSQL's `log_line_prefix`); collectors that take none ignore it."""
        settings = settings or {}
        if self.render is not None:
            text = self.render(settings)
        elif self.inline_vrl is not None:
            text = self.inline_vrl
        elif self.vrl is None:
            text = ""
        else:
            text = resources.files("dendro.catalog").joinpath("vrl", f"{self.vrl}.vrl").read_text()
        if local_time.SETTING in self.settings:
            text = local_time.wrap(text, settings)
        return text

    def check_settings(self, settings: Mapping[str, str]) -> None:
        """Raise UnknownSettingError for a setting this collector's parser does not take."""
        for name in settings:
            if name not in self.settings:
                takes = ", ".join(self.settings) or "none"
                raise UnknownSettingError(f"{name!r} is not a setting of this parser (it takes: {takes})")


@dataclass(frozen=True)
class Detection:
    """Where a source is usually found on a server: log paths (Debian/Ubuntu, RHEL, Alpine) and ports."""

    paths: tuple[str, ...] = ()
    ports: tuple[int, ...] = ()


@dataclass(frozen=True)
class Source:
    type: str
    title: str
    collectors: tuple[Collector, ...]
    fields: tuple[Field, ...]
    detection: Detection = Detection()
    # Default `service` name for RED charts and alerts; users may override it per source.
    service: str = ""
    panels: tuple[str, ...] = ()
    alerts: tuple[str, ...] = ()

    @property
    def is_log(self) -> bool:
        """A source of log lines (files, the journal), as opposed to scraped metrics."""
        return bool(self.collectors) and not any(c.metrics for c in self.collectors)

    @property
    def columns(self) -> tuple[Field, ...]:
        """Envelope (plus the original line, for logs) and the source's own fields: the table's columns
        in every store."""
        return ENVELOPE + ((LINE,) if self.is_log else ()) + self.fields

    @property
    def default_collector(self) -> Collector:
        return self.collectors[0]

    def collector(self, name: str | None) -> Collector:
        if name is None:
            return self.default_collector
        for collector in self.collectors:
            if collector.name == name:
                return collector
        known = ", ".join(c.name for c in self.collectors)
        raise UnknownCollectorError(f"source {self.type!r} has no collector {name!r}; choose one of: {known}")

    def field(self, name: str) -> Field | None:
        return next((f for f in self.columns if f.name == name), None)


class UnknownCollectorError(ValueError):
    pass


class UnknownSettingError(ValueError):
    pass
