"""User-declared custom file sources, turned into catalog `Source` entries.

A pure function of the declaration, standard library only: the Vector config generator and the
ingest side build the very same `Source` from the same `[[custom]]` block of dendro.toml, so the
table columns and the VRL that fills them cannot drift apart.

The parser is either the user's own VRL (it follows the catalog contract: set the declared fields
and `.timestamp`, set `._parse_error` on a line it cannot parse) or a program generated here from a
regex with named captures. Example:

    regex = '^(?P<timestamp>\\S+) (?P<level>\\w+) (?P<message>.*)$'
    fields = { level = "string" }
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from dendro.catalog.model import ENVELOPE, LINE, Collector, Field, FieldType, Role, Source

# Names the generated VRL and the envelope use for themselves; a custom field may not take them.
RESERVED_FIELDS = frozenset({"type", "host", "_parse_error"})
IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]*$")
# Named groups in Rust regex syntax (what VRL runs): (?P<name>...) and (?<name>...).
_NAMED_GROUP = re.compile(r"(?<!\\)\(\?P?<([A-Za-z_][A-Za-z0-9_]*)>")
RFC3339_FORMAT = "%+"

_CONVERTERS = {
    FieldType.INT: "to_int",
    FieldType.FLOAT: "to_float",
    FieldType.BOOL: "to_bool",
}


class CustomSourceError(ValueError):
    """A custom declaration that cannot become a source; `field` names the offending setting."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class CustomSpec(Protocol):
    """What a custom declaration provides (the pydantic settings model satisfies it)."""

    @property
    def name(self) -> str: ...
    @property
    def include(self) -> Sequence[str]: ...
    @property
    def vrl(self) -> str | None: ...
    @property
    def regex(self) -> str | None: ...
    @property
    def fields(self) -> Mapping[str, str]: ...
    @property
    def timestamp_format(self) -> str | None: ...
    @property
    def service(self) -> str | None: ...
    @property
    def dimensions(self) -> Sequence[str]: ...


@dataclass(frozen=True)
class CustomSourceSpec:
    """A plain declaration, e.g. parsed from JSON by the ingest side, which carries no pydantic."""

    name: str
    include: tuple[str, ...]
    vrl: str | None = None
    regex: str | None = None
    fields: Mapping[str, str] = field(default_factory=dict)
    timestamp_format: str | None = None
    service: str | None = None
    dimensions: tuple[str, ...] = ()

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> CustomSourceSpec:
        return cls(
            name=data["name"],
            include=tuple(data["include"]),
            vrl=data.get("vrl"),
            regex=data.get("regex"),
            fields=dict(data.get("fields") or {}),
            timestamp_format=data.get("timestamp_format"),
            service=data.get("service"),
            dimensions=tuple(data.get("dimensions") or ()),
        )


def capture_names(regex: str) -> list[str]:
    """The named groups of a regex, in order (Rust syntax; escaped parentheses are skipped)."""
    return _NAMED_GROUP.findall(regex)


def custom_source(spec: CustomSpec) -> Source:
    if (spec.vrl is None) == (spec.regex is None):
        raise CustomSourceError("vrl", "give exactly one of `vrl` (your own program) or `regex`")
    declared = _declared_types(spec)
    if spec.regex is not None:
        captures = capture_names(spec.regex)
        if not captures:
            raise CustomSourceError("regex", "needs named captures such as (?P<level>\\w+)")
        for name in declared:
            if name not in captures:
                raise CustomSourceError(f"fields.{name}", f"is not a named capture of the regex {captures}")
        types = {name: declared.get(name, _default_type(name)) for name in captures}
        program = regex_program(spec.name, spec.regex, types, spec.timestamp_format)
    else:
        if not declared:
            raise CustomSourceError("fields", 'declare the fields your VRL sets, e.g. { level = "string" }')
        types = declared
        program = spec.vrl or ""
    for name in types:
        if name in RESERVED_FIELDS or not IDENTIFIER.match(name):
            raise CustomSourceError(f"fields.{name}", "use a lower-case identifier other than type or host")
    if types.get("timestamp", FieldType.TIMESTAMP) != FieldType.TIMESTAMP:
        raise CustomSourceError("fields.timestamp", "is the event time and must be of type timestamp")
    for name in spec.dimensions:
        if types.get(name) != FieldType.STRING:
            raise CustomSourceError("dimensions", f"{name!r} must be a declared string field")
    envelope = {f.name for f in (*ENVELOPE, LINE)}  # the original line is kept by the envelope
    return Source(
        type=spec.name,
        title=f"custom: {spec.name}",
        collectors=(
            Collector(name="file", kind="file", options={"include": list(spec.include)}, inline_vrl=program),
        ),
        fields=tuple(
            Field(name, kind, Role.DIMENSION if name in spec.dimensions else Role.MEASURE)
            for name, kind in types.items()
            if name not in envelope
        ),
        service=spec.service or "",
    )


def _declared_types(spec: CustomSpec) -> dict[str, FieldType]:
    types: dict[str, FieldType] = {}
    for name, kind in spec.fields.items():
        try:
            types[name] = FieldType(kind)
        except ValueError:
            choices = ", ".join(t.value for t in FieldType)
            message = f"unknown type {kind!r}; choose one of: {choices}"
            raise CustomSourceError(f"fields.{name}", message) from None
    return types


def _default_type(name: str) -> FieldType:
    return FieldType.TIMESTAMP if name == "timestamp" else FieldType.STRING


def regex_program(name: str, regex: str, types: Mapping[str, FieldType], timestamp_format: str | None) -> str:
    """VRL that parses `.message` with `regex` and converts each capture to its declared type.

    The converted values are collected first and merged only when every one succeeded, so a line
    that fails keeps its raw `.message` and travels with `._parse_error` (the catalog contract).
    An optional group that did not take part in the match is left out rather than coerced (VRL's
    `to_int(null)` would give 0).
    """
    lines = [
        f"# Custom source {name}: generated from its regex.",
        f"dendro_parsed, dendro_err = parse_regex(.message, {_raw_string(regex)})",
        "if dendro_err != null {",
        f"  ._parse_error = {_string(f'line does not match the {name} regex')}",
        "} else {",
        "  dendro_fields = {}",
    ]
    for field_name, kind in types.items():
        converted = _convert(field_name, kind, timestamp_format)
        lines += [f"  if dendro_parsed.{field_name} != null {{", *converted, "  }"]
    lines += ["  if !exists(._parse_error) {", "    . = merge(., dendro_fields)", "  }", "}"]
    return "\n".join(lines) + "\n"


def _convert(field_name: str, kind: FieldType, timestamp_format: str | None) -> list[str]:
    capture = f"dendro_parsed.{field_name}"
    if kind == FieldType.STRING:
        return [f"    dendro_fields.{field_name} = {capture}"]
    if kind == FieldType.TIMESTAMP:
        call = f"parse_timestamp({capture}, {_string(timestamp_format or RFC3339_FORMAT)})"
        what = f"not a timestamp in format {timestamp_format or 'RFC 3339'}"
    else:
        call = f"{_CONVERTERS[kind]}({capture})"
        what = f"not of type {kind.value}"
    return [
        f"    dendro_value, dendro_err = {call}",
        "    if dendro_err == null {",
        f"      dendro_fields.{field_name} = dendro_value",
        "    } else {",
        f"      ._parse_error = {_string(f'{field_name}: {what}')}",
        "    }",
    ]


def _string(value: str) -> str:
    # JSON escapes are VRL's, except \uXXXX, which JSON only needs for control characters.
    if any(ord(c) < 0x20 for c in value):
        raise CustomSourceError("timestamp_format", "control characters are not allowed")
    return json.dumps(value, ensure_ascii=False)


def _raw_string(value: str) -> str:
    # VRL raw strings take everything literally except a single quote, escaped as \'.
    return "r'" + value.replace("'", "\\'") + "'"
