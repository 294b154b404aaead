"""dendro.toml: what the user chose for one server (sources, custom sources, the sink).

Validated on load, each error naming its field (`sources[1].include: ...`), so a bad file fails at
`dendro configure` time rather than when Vector starts on the server. VRL given by the user is
compiled here too, when a VRL runtime is installed (see vrl_check).
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Annotated, Any, Literal

import tomli_w
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from dendro.catalog import SOURCES
from dendro.catalog.custom import CustomSourceError, custom_source
from dendro.catalog.model import Source
from dendro.vector_configs.programs import parse_program
from dendro.vector_configs.sink_settings import (
    DEFAULT_BUFFER_MAX_BYTES,
    MIN_DISK_BUFFER_BYTES,
    FirehoseSinkSettings,
    HttpSinkSettings,
)
from dendro.vector_configs.vrl_check import vrl_error

__all__ = [
    "DEFAULT_BUFFER_MAX_BYTES",
    "MIN_DISK_BUFFER_BYTES",
    "CustomSourceSettings",
    "DendroSettings",
    "FirehoseSinkSettings",
    "HttpSinkSettings",
    "SettingsError",
    "SourceSettings",
]

# Options Dendro sets itself; overriding them would disconnect the pipeline or its parsing.
_RESERVED_OPTIONS = frozenset({"type", "inputs", "include"})
# A component id and, for custom sources, a table name: no leading "_" (the stores' own tables).
_NAME = re.compile(r"^[a-z][a-z0-9_]{0,62}$")
_FIELD_PREFIX = re.compile(r"^([a-z_][a-z0-9_.]*): (.*)$", re.DOTALL)


class SettingsError(ValueError):
    """dendro.toml is not valid; `problems` holds one line per bad field."""

    def __init__(self, where: str, problems: list[str]) -> None:
        super().__init__(f"{where} is not valid:\n" + "\n".join(f"  {p}" for p in problems))
        self.problems = problems


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


def _absolute(paths: list[str] | None) -> list[str] | None:
    for path in paths or ():
        if not path.startswith("/"):
            raise ValueError(f"{path!r} is not absolute; give the full path, e.g. /var/log/app/*.log")
    return paths


def _compiles(program: str, what: str, field: str) -> None:
    problem = vrl_error(program)
    if problem is not None:
        raise ValueError(f"{field}: VRL for {what} does not compile: {problem}")


class SourceSettings(_Strict):
    """One catalog source to collect.

    Example: `{ type = "postgres", settings = { log_line_prefix = "%m [%p] " } }`.
    """

    type: str
    # Component id in the Vector config; defaults to `type`. Needed only to collect one type twice.
    name: str | None = None
    collector: str | None = None
    include: list[str] | None = None
    service: str | None = None
    # VRL run after Dendro's parsing, e.g. `del(.user_agent)`.
    transform: str | None = None
    settings: dict[str, str] = Field(default_factory=dict)
    options: dict[str, Any] = Field(default_factory=dict)
    # Days of this source's rows every store keeps (local DuckDB, Timestream, Iceberg); none: the
    # store's default (local: forever; Timestream: its magnetic retention; Iceberg: forever).
    retention_days: int | None = Field(default=None, ge=1, le=36500)

    @field_validator("type")
    @classmethod
    def _known_type(cls, value: str) -> str:
        if value not in SOURCES:
            known = ", ".join(SOURCES)
            raise ValueError(f"unknown source {value!r}; choose one of: {known}, or add it as [[custom]]")
        return value

    @field_validator("name")
    @classmethod
    def _identifier(cls, value: str | None) -> str | None:
        if value is not None and not _NAME.match(value):
            raise ValueError(f"{value!r} must be a lower-case identifier such as nginx_access_shop")
        return value

    @field_validator("include")
    @classmethod
    def _absolute_include(cls, value: list[str] | None) -> list[str] | None:
        return _absolute(value)

    @field_validator("options")
    @classmethod
    def _not_reserved(cls, value: dict[str, Any]) -> dict[str, Any]:
        for key in value:
            if key in _RESERVED_OPTIONS:
                hint = "use `include` on the source" if key == "include" else "Dendro sets it"
                raise ValueError(f"{key!r} cannot be set here: {hint}")
        return value

    @model_validator(mode="after")
    def _fits_catalog(self) -> SourceSettings:
        source = SOURCES[self.type]
        names = [c.name for c in source.collectors]
        if self.collector is not None and self.collector not in names:
            raise ValueError(
                f"collector: {self.type} has no collector {self.collector!r}; choose one of: {names}"
            )
        collector = source.collector(self.collector)
        if self.include is not None and collector.kind != "file":
            raise ValueError(f"include: {self.type} ({collector.name}) reads no files; drop `include`")
        if self.settings:
            if not collector.settings:
                raise ValueError(f"settings: {self.type} ({collector.name}) takes no settings; drop them")
            try:
                collector.check_settings(self.settings)
                program = parse_program(source, collector, settings=self.settings)
            except ValueError as exc:
                raise ValueError(f"settings: {exc}") from None
            _compiles(program, f"source {self.component_id} with these settings", "settings")
        if self.transform is not None:
            _compiles(self.transform, f"source {self.component_id} (transform)", "transform")
        return self

    @property
    def component_id(self) -> str:
        return self.name or self.type

    @property
    def source(self) -> Source:
        return SOURCES[self.type]


class CustomSourceSettings(_Strict):
    """A file source the catalog does not know, parsed by your VRL or by a regex with named captures."""

    name: str
    include: list[str] = Field(min_length=1)
    vrl: str | None = None
    regex: str | None = None
    fields: dict[str, Literal["string", "int", "float", "bool", "timestamp"]] = Field(default_factory=dict)
    timestamp_format: str | None = None
    service: str | None = None
    # String fields that are low-cardinality tags (Timestream dimensions), e.g. ["level"].
    dimensions: list[str] = Field(default_factory=list)

    @field_validator("name")
    @classmethod
    def _new_identifier(cls, value: str) -> str:
        if not _NAME.match(value):
            raise ValueError(f"{value!r} must be a lower-case identifier such as billing_worker")
        if value in SOURCES:
            raise ValueError(f"{value!r} is a catalog source; use [[sources]] type = {value!r}, or rename it")
        return value

    @field_validator("include")
    @classmethod
    def _absolute_include(cls, value: list[str]) -> list[str]:
        return _absolute(value) or []

    @model_validator(mode="after")
    def _builds(self) -> CustomSourceSettings:
        if self.vrl is not None and self.regex is not None:
            raise ValueError("vrl: give exactly one of `vrl` or `regex`, not both")
        if self.vrl is None and self.regex is None:
            raise ValueError("vrl: give one of `vrl` (your program) or `regex` (with named captures)")
        try:
            source = custom_source(self)
        except CustomSourceError as exc:
            raise ValueError(str(exc)) from None
        field = "vrl" if self.vrl is not None else "regex"
        if self.vrl is not None:  # alone first, so an error's line number is the user's
            _compiles(self.vrl, f"custom source {self.name}", field)
        _compiles(parse_program(source), f"custom source {self.name}", field)
        return self

    @property
    def component_id(self) -> str:
        return self.name

    @property
    def source(self) -> Source:
        return custom_source(self)


SinkSettings = Annotated[FirehoseSinkSettings | HttpSinkSettings, Field(discriminator="kind")]


class DendroSettings(_Strict):
    # Host name stamped on every event; default: the server's hostname, read by Vector at run time.
    host: str | None = None
    data_dir: str = "/var/lib/vector"
    api: bool = False
    sources: list[SourceSettings] = Field(default_factory=list)
    custom: list[CustomSourceSettings] = Field(default_factory=list)
    sink: SinkSettings
    # The alert tables share the file; dendro.alerts.rules validates them (kept here as written, so
    # `dendro configure` round-trips them untouched).
    alerting: dict[str, Any] | None = None
    alerts: list[dict[str, Any]] = Field(default_factory=list)
    notify: list[dict[str, Any]] = Field(default_factory=list)

    @model_validator(mode="after")
    def _valid_alerts(self) -> DendroSettings:
        from dendro.alerts.rules import AlertSettings, AlertSettingsError

        tables = {"alerting": self.alerting, "alerts": self.alerts, "notify": self.notify}
        try:
            AlertSettings.parse({k: v for k, v in tables.items() if v})
        except AlertSettingsError as error:
            raise ValueError("; ".join(error.problems)) from None
        return self

    @field_validator("data_dir")
    @classmethod
    def _absolute_dir(cls, value: str) -> str:
        _absolute([value])
        return value

    @field_validator("host")
    @classmethod
    def _printable(cls, value: str | None) -> str | None:
        if value is not None and (not value or not value.isprintable()):
            raise ValueError(f"{value!r} must be a non-empty printable name")
        return value

    @model_validator(mode="after")
    def _distinct_components(self) -> DendroSettings:
        if not self.sources and not self.custom:
            raise ValueError("sources: add at least one source (or a [[custom]] one)")
        seen: set[str] = set()
        for entry in (*self.sources, *self.custom):
            if entry.component_id in seen:
                raise ValueError(
                    f"sources: {entry.component_id!r} appears twice; give each a distinct `name`"
                )
            seen.add(entry.component_id)
        return self

    def retention_days(self) -> dict[str, int]:
        """Catalog type -> days kept. Two entries of one type share its table: the longer wins."""
        found: dict[str, int] = {}
        for entry in self.sources:
            if entry.retention_days is not None:
                found[entry.type] = max(found.get(entry.type, 0), entry.retention_days)
        return found

    @classmethod
    def load(cls, path: str | Path) -> DendroSettings:
        path = Path(path)
        try:
            data = tomllib.loads(path.read_text())
        except tomllib.TOMLDecodeError as exc:
            raise SettingsError(str(path), [f"not valid TOML: {exc}"]) from None
        return cls.parse(data, where=str(path))

    @classmethod
    def parse(cls, data: dict[str, Any], where: str = "dendro.toml") -> DendroSettings:
        try:
            return cls.model_validate(data)
        except ValidationError as exc:
            raise SettingsError(where, describe(exc)) from None

    def dump(self, path: str | Path) -> None:
        Path(path).write_text(self.to_toml())

    def to_toml(self) -> str:
        data = self.model_dump(mode="json", exclude_none=True, exclude_defaults=True)
        return tomli_w.dumps(data, multiline_strings=True)


def describe(exc: ValidationError) -> list[str]:
    """One line per error, located like `sources[1].include`."""
    lines = []
    for error in exc.errors():
        loc = ""
        for part in error["loc"]:
            if isinstance(part, int):
                loc += f"[{part}]"
            elif part not in ("firehose", "http") or not loc.endswith("sink"):
                loc += f".{part}" if loc else str(part)
        message = error["msg"].removeprefix("Value error, ")
        # Whole-model checks name their field first ("collector: ..."); fold it into the location.
        named = _FIELD_PREFIX.match(message)
        if named is not None and error["type"] == "value_error":
            loc, message = f"{loc}.{named.group(1)}" if loc else named.group(1), named.group(2)
        lines.append(f"{loc}: {message}" if loc else message)
    return lines
