"""Is this Vector config going to load? The schema, plus what the schema cannot see.

`validate_config` takes the document as Vector sees it, after environment interpolation: read a file
with `load_config_file`, or use `check_generated(config)` for a config built in memory.
Beyond Vector's JSON Schema it checks that every `inputs` entry names a component output that
exists, that the graph has no cycle, and that every VRL program compiles (with the VRL runtime, when one is
installed; `check_config(...).vrl_checked` tells whether it was).
"""

from __future__ import annotations

import fnmatch
import json
import tomllib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from dendro.vector_configs import schema_check
from dendro.vector_configs.interpolate import interpolate, interpolate_text
from dendro.vector_configs.models import VectorConfig
from dendro.vector_configs.render import to_dict
from dendro.vector_configs.vrl_check import VRL_AVAILABLE, VRL_UNAVAILABLE_NOTE, vrl_error


@dataclass
class ConfigReport:
    problems: list[str] = field(default_factory=list)
    vrl_checked: bool = VRL_AVAILABLE
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def validate_config(doc: dict[str, Any]) -> list[str]:
    """One human line per problem, e.g. "sinks.firehose.batch.max_events: '500' is not of type
    'integer', 'null'"; [] when valid (VRL included only when a VRL runtime is installed, see
    check_config)."""
    return check_config(doc).problems


def check_config(doc: dict[str, Any]) -> ConfigReport:
    report = ConfigReport()
    if not isinstance(doc, dict):
        report.problems.append("the config must be a table (data_dir, sources, transforms, sinks...)")
        return report
    report.problems += schema_check.problems(doc)
    components = _components(doc)
    report.problems += _input_problems(components)
    report.problems += _cycle_problems(components)
    report.problems += _vrl_problems(doc)
    if not VRL_AVAILABLE:
        report.notes.append(VRL_UNAVAILABLE_NOTE)
    return report


def check_generated(config: VectorConfig, env: Mapping[str, str] | None = None) -> ConfigReport:
    """check_config for a config from build_config, as Vector will read it once written: `$$`
    unescaped and `${VAR}` substituted from `env` (default: this process's environment)."""
    return check_config(interpolate(to_dict(config), env))


def load_config_file(path: str | Path, env: Mapping[str, str] | None = None, *, strict: bool = False) -> dict:
    """A Vector config file (.toml, .yaml/.yml or .json) as Vector reads it: variables substituted
    in the raw text first. `strict=True` fails on unset variables, as Vector itself does."""
    path = Path(path)
    text = interpolate_text(path.read_text(), env, strict=strict)
    fmt = config_format(path)
    if fmt == "yaml":
        try:
            return yaml.safe_load(text) or {}
        except yaml.YAMLError as exc:
            raise ValueError(f"not valid YAML: {exc}") from None
    if fmt == "json":
        return json.loads(text)
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        read_as = (
            "TOML" if path.suffix == ".toml" else "TOML (Vector's format for a name without .yaml or .json)"
        )
        raise ValueError(f"not valid {read_as}: {exc}") from None


def config_format(path: Path) -> str:
    """The format Vector reads `path` in: from its suffix, exactly as spelled, and TOML, Vector's
    default, for any other name (vector/src/config/format.rs)."""
    return {".yaml": "yaml", ".yml": "yaml", ".json": "json"}.get(path.suffix, "toml")


# --- the component graph ---


@dataclass(frozen=True)
class _Component:
    section: str
    id: str
    body: dict[str, Any]

    @property
    def where(self) -> str:
        return f"{self.section}.{self.id}"

    @property
    def inputs(self) -> list[str]:
        inputs = self.body.get("inputs")
        return [i for i in inputs if isinstance(i, str)] if isinstance(inputs, list) else []

    def outputs(self) -> set[str] | None:
        """Named outputs (`<id>.<name>`); None when this type's outputs are not known here."""
        kind = self.body.get("type")
        if kind == "route":
            names = set(self.body.get("route") or {})
            return names | ({"_unmatched"} if self.body.get("reroute_unmatched", True) else set())
        if kind == "exclusive_route":
            routes = self.body.get("routes") or []
            return {r.get("name") for r in routes if isinstance(r, dict)} | {"_unmatched"}
        if kind == "remap":
            return {"dropped"} if self.body.get("reroute_dropped") else set()
        return set() if self.section == "sources" or kind in _SINGLE_OUTPUT else None


_SINGLE_OUTPUT = {"metric_to_log", "reduce", "filter", "dedupe", "throttle", "sample", "log_to_metric"}


def _components(doc: dict[str, Any]) -> dict[str, _Component]:
    found = {}
    for section in schema_check.SECTIONS:
        table = doc.get(section)
        for component_id, body in table.items() if isinstance(table, dict) else ():
            if isinstance(body, dict):
                found[component_id] = _Component(section, component_id, body)
    return found


def _input_problems(components: dict[str, _Component]) -> list[str]:
    problems = []
    producers = {cid: c for cid, c in components.items() if c.section != "sinks"}
    for component in components.values():
        for name in component.inputs:
            problem = _dangling(name, producers, components)
            if problem:
                problems.append(f"{component.where}.inputs: {problem}")
    return problems


def _dangling(name: str, producers: dict[str, _Component], components: dict[str, _Component]) -> str | None:
    if any(ch in name for ch in "*?["):
        matches = fnmatch.filter(producers, name)
        return None if matches else f"{name!r} matches no source or transform"
    if name in producers:
        return None
    base, _, output = name.partition(".")
    if output and base in producers:
        outputs = producers[base].outputs()
        if outputs is None or output in outputs:
            return None
        known = ", ".join(f"{base}.{o}" for o in sorted(outputs)) or "none"
        return f"{producers[base].where} has no output {output!r} (its named outputs: {known})"
    if name in components:
        return f"{name!r} is a sink; sinks have no output"
    return f"{name!r} is not a source or transform in this config"


def _cycle_problems(components: dict[str, _Component]) -> list[str]:
    """Peel off every component whose inputs are all settled; whatever is left sits on or after a cycle."""
    # A sink named as an input is reported as such, not as a cycle.
    producers = {cid for cid, c in components.items() if c.section != "sinks"}
    waiting = {cid: {i.partition(".")[0] for i in c.inputs} & producers for cid, c in components.items()}
    settled = True
    while settled:
        settled = False
        for cid in [cid for cid, upstream in waiting.items() if not upstream & waiting.keys()]:
            del waiting[cid]
            settled = True
    if not waiting:
        return []
    on_cycle = [cid for cid in sorted(waiting) if _reaches(cid, cid, waiting)]
    stuck = ", ".join(components[cid].where for cid in on_cycle or sorted(waiting))
    return [f"inputs form a cycle: {stuck} (each waits, directly or not, on its own output)"]


def _reaches(start: str, target: str, upstream: dict[str, set[str]]) -> bool:
    seen: set[str] = set()
    todo = list(upstream.get(start, ()))
    while todo:
        node = todo.pop()
        if node == target:
            return True
        if node not in seen:
            seen.add(node)
            todo.extend(upstream.get(node, ()))
    return False


# --- VRL ---


def _vrl_problems(doc: dict[str, Any]) -> list[str]:
    problems = []
    for where, program in _vrl_programs(doc):
        if program is None:
            problems.append(f"{where}: a remap needs `source` (or `file`) with a VRL program")
            continue
        error = vrl_error(program)
        if error is not None:
            problems.append(f"{where}: VRL does not compile: {error}")
    return problems


def _vrl_programs(doc: dict[str, Any]) -> Iterator[tuple[str, str | None]]:
    transforms = doc.get("transforms")
    for transform_id, body in transforms.items() if isinstance(transforms, dict) else ():
        if not isinstance(body, dict):
            continue
        where = f"transforms.{transform_id}"
        kind = body.get("type")
        if kind == "remap":
            if isinstance(body.get("source"), str):
                yield f"{where}.source", body["source"]
            elif not body.get("file") and not body.get("files"):
                yield where, None
        elif kind == "route" and isinstance(body.get("route"), dict):
            for name, condition in body["route"].items():
                yield from _condition(f"{where}.route.{name}", condition)
        elif kind in ("filter", "reduce"):
            for key in ("condition", "starts_when", "ends_when"):
                if key in body:
                    yield from _condition(f"{where}.{key}", body[key])


def _condition(where: str, condition: Any) -> Iterator[tuple[str, str]]:
    if isinstance(condition, str):
        yield where, condition
    elif isinstance(condition, dict) and condition.get("type") == "vrl":
        if isinstance(condition.get("source"), str):
            yield f"{where}.source", condition["source"]
