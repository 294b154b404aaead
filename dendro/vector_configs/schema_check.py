"""Check a Vector config dict against Vector's published JSON Schema (vector_configs/schema/).

Whole-document validation costs about 0.5 s for a few components: every component is tried against
all 49 source / 17 transform / 65 sink branches of a `oneOf`. So each component is validated against
only its own branch (the wrapper's shared options, the branch, `unevaluatedProperties: false`), and
the global options against the root schema with the component tables emptied. Same verdicts, far
faster (reference/vector/README.md).

Raw errors are unreadable: a nested failure makes every sibling key "unexpected" up to the root,
and a failed `oneOf` reports every branch. `problems()` reduces them to one line per real fault.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from jsonschema import Draft201909Validator, ValidationError

SECTIONS = {"sources": "source", "transforms": "transform", "sinks": "sink"}
_OUTER = {
    "sources": "vector::config::source::SourceOuter",
    "transforms": "vector::config::transform::TransformOuter<alloc::string::String>",
    "sinks": "vector::config::sink::SinkOuter<alloc::string::String>",
}
# Keys that select the branch of a tagged union in Vector's schema.
_TAGS = frozenset({"type", "codec", "method", "strategy", "mode", "algorithm"})


@dataclass(frozen=True)
class Finding:
    path: tuple[Any, ...]
    kind: str  # the JSON Schema keyword that failed, or "unknown" for an unexpected key
    message: str


@cache
def schema() -> dict[str, Any]:
    text = (
        resources.files("dendro.vector_configs").joinpath("schema", "vector-config.schema.json").read_text()
    )
    return json.loads(text)


def _deref(node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        node = schema()["definitions"][node["$ref"].removeprefix("#/definitions/")]
    return node


@cache
def root_validator() -> Draft201909Validator:
    return Draft201909Validator(schema())


@cache
def component_types(section: str) -> dict[str, dict[str, Any]]:
    """type name -> that type's branch of the section's tagged union."""
    outer = schema()["definitions"][_OUTER[section]]
    union = _deref(outer["allOf"][1])
    return {branch["allOf"][1]["properties"]["type"]["const"]: branch for branch in union["oneOf"]}


@cache
def component_validator(section: str, type_name: str) -> Draft201909Validator:
    outer = schema()["definitions"][_OUTER[section]]
    narrowed = {
        "$schema": schema()["$schema"],
        "definitions": schema()["definitions"],
        "allOf": [outer["allOf"][0], component_types(section)[type_name]],
        "unevaluatedProperties": False,
    }
    return Draft201909Validator(narrowed)


def problems(doc: dict[str, Any]) -> list[str]:
    """One line per schema violation, e.g. "sinks.firehose.batch.max_events: '500' is not of type
    'integer', 'null'"; [] when `doc` matches the schema."""
    found: list[str] = []
    # Component tables emptied (when they are tables at all): the root check sees the global options.
    globals_only = {k: ({} if k in SECTIONS and isinstance(v, dict) else v) for k, v in doc.items()}
    found += _readable(root_validator(), globals_only, ())
    for section, kind in SECTIONS.items():
        components = doc.get(section)
        if not isinstance(components, dict):
            continue  # the root check reported it
        for component_id, component in components.items():
            where = (section, component_id)
            type_name = component.get("type") if isinstance(component, dict) else None
            if not isinstance(type_name, str):
                found.append(f"{_dotted(where)}: needs a `type` (a Vector {kind} type)")
            elif type_name not in component_types(section):
                hint = _did_you_mean(type_name, component_types(section))
                found.append(f"{_dotted(where)}.type: {type_name!r} is not a Vector {kind} type{hint}")
            else:
                found += _readable(component_validator(section, type_name), component, where)
    return found


def _readable(validator: Draft201909Validator, instance: Any, prefix: tuple[Any, ...]) -> list[str]:
    raw = list(validator.iter_errors(instance))
    findings = [finding for error in raw for finding in _findings(error, prefix)]
    # A misspelt required key shows up twice: unknown "stream_nam", missing "stream_name".
    explained = {(f.path[:-1], hint) for f in findings if f.kind == "unknown" for hint in _hints(f.message)}
    lines = []
    for finding in findings:
        if finding.kind == "required" and (finding.path, _quoted(finding.message)) in explained:
            continue
        lines.append(f"{_dotted(finding.path)}: {finding.message}" if finding.path else finding.message)
    if raw and not lines:
        # Every error looked like a cascade; never call an invalid document valid.
        error = raw[0]
        lines.append(f"{_dotted((*prefix, *error.absolute_path))}: {error.message}")
    return list(dict.fromkeys(lines))


def _findings(error: ValidationError, prefix: tuple[Any, ...]) -> Iterator[Finding]:
    """The faults behind `error`, skipping the errors that only say something below them failed."""
    path = (*prefix, *error.absolute_path)
    if error.validator in ("oneOf", "anyOf") and error.context:
        branches: dict[Any, list[ValidationError]] = {}
        for sub in error.context:
            branches.setdefault(sub.relative_schema_path[0], []).append(sub)
        plausible = [errors for errors in branches.values() if not _other_variant(error, errors)]
        if not plausible:
            yield _not_one_of(error, branches, prefix)
            return
        # Several variants could be meant: the one that got furthest into the value is the likeliest.
        closest = max(plausible, key=lambda errors: (max(len(e.absolute_path) for e in errors), -len(errors)))
        for sub in closest:
            yield from _findings(sub, prefix)
        return
    if error.validator == "unevaluatedProperties":
        declared = _declared_keys(error.schema)
        for key in error.instance if isinstance(error.instance, dict) else ():
            if key not in declared:
                yield Finding((*path, key), "unknown", f"unknown option{_did_you_mean(key, declared)}")
        return
    yield Finding(path, str(error.validator), _short(error))


def _other_variant(parent: ValidationError, errors: list[ValidationError]) -> bool:
    """True when a union branch is meant for another variant: its tag or JSON type did not match."""
    depth = len(parent.absolute_path)
    for error in errors:
        below = list(error.absolute_path)[depth:]
        if error.validator in ("const", "enum") and (not below or (len(below) == 1 and below[0] in _TAGS)):
            return True
        if error.validator == "type" and not below:
            return True
    return False


def _not_one_of(error: ValidationError, branches: dict[Any, list[ValidationError]], prefix: tuple) -> Finding:
    """Every variant rejected the value: name the allowed constants (or tag values), if any."""
    consts = [sub for errors in branches.values() for sub in errors if sub.validator == "const"]
    if not consts:
        return Finding((*prefix, *error.absolute_path), "oneOf", _short(error))
    first = consts[0]
    allowed = ", ".join(dict.fromkeys(repr(sub.schema["const"]) for sub in consts))
    return Finding((*prefix, *first.absolute_path), "const", f"{first.instance!r} is not one of {allowed}")


def _declared_keys(node: dict[str, Any], depth: int = 0) -> set[str]:
    """Property names a schema object declares, through allOf/anyOf/oneOf and $ref."""
    node = _deref(node)
    if depth > 12:
        return set()
    keys = set(node.get("properties", {}))
    for combinator in ("allOf", "anyOf", "oneOf"):
        for sub in node.get(combinator, ()):
            keys |= _declared_keys(sub, depth + 1)
    return keys


def _did_you_mean(value: str, choices: Any) -> str:
    close = difflib.get_close_matches(value, list(choices), n=1, cutoff=0.75)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _hints(message: str) -> list[str]:
    return [message.split("did you mean ", 1)[1].rstrip("?)")] if "did you mean " in message else []


def _quoted(required_message: str) -> str:
    # jsonschema: "'stream_name' is a required property"
    return required_message.split(" is a required property", 1)[0]


def _short(error: ValidationError) -> str:
    text = error.message
    return text if len(text) <= 160 else f"{repr(error.instance)[:80]}... is not valid here"


def _dotted(path: tuple[Any, ...]) -> str:
    return ".".join(f"[{part}]" if isinstance(part, int) else str(part) for part in path).replace(".[", "[")
