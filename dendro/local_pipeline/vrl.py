"""The VRL runtime: Vector's own VRL compiler, in this process, behind one seam.

`dendro local import`, the demo, the Vector config checks and the tests run every VRL program through
here, so local data goes through the very parser Vector runs on servers. Two Python bindings of
Vector's VRL crate exist; Dendro uses the one installed, preferring the current one:

- `vector-vrl` (VRL 0.35, abi3 wheels for CPython >= 3.12 on Linux x86_64/aarch64 and macOS arm64).
  It keeps no compiled program between calls and compiles on each one (~50 ms for a catalog
  program), so run many events with `Program.remap_many`: one compile per batch.
- `pyvrl` 0.0.2 (2024; wheels for CPython 3.11/3.12 on x86_64 Linux only). It keeps the compiled
  program, so single `remap` calls are cheap too.

pyproject.toml installs vector-vrl on Python >= 3.12 and pyvrl on 3.11. Where both are installed,
`DENDRO_VRL_RUNTIME=pyvrl` (or `vector-vrl`) picks one; the runtime comparison uses that.

Whichever runs, the caller gets the same thing: what `.` holds when the program ends (as in Vector's
remap transform), as Vector's JSON encoder sends it — JSON values, timestamps as RFC 3339 text. That
is an object, or an array of objects where a program made several events of one (Vector's remap emits
each element; see vector_configs/programs.py).
"""

from __future__ import annotations

import importlib
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from importlib.metadata import PackageNotFoundError, version
from typing import Any, Protocol

import orjson

RUNTIMES = ("vector-vrl", "pyvrl")  # in order of preference
RUNTIME_ENV = "DENDRO_VRL_RUNTIME"
# What to install, for the message shown where no runtime is: the pins of pyproject.toml.
INSTALL_HINT = (
    "`pip install vector-vrl==1.0.7` (CPython 3.12+ on Linux x86_64/aarch64 or macOS arm64) or "
    "`pip install pyvrl==0.0.2` (CPython 3.11/3.12 on x86_64 Linux)"
)
UNAVAILABLE = (
    "no VRL runtime is installed (Dendro runs Vector's VRL in-process with vector-vrl or pyvrl). "
    f"Install one with {INSTALL_HINT}, or run Vector itself: `dendro configure --sink http` "
    "and `dendro local up`"
)
# vector-vrl hands nested objects back as JSON text, indistinguishable from a string field; so the
# program's final event is encoded by VRL itself, under this key, and decoded here.
_RESULT_KEY = "dendro_vrl_result"


class VrlUnavailableError(RuntimeError):
    """Neither VRL runtime is installed; the message says what to install."""


class VrlProgramError(ValueError):
    """The program does not compile; the message carries the compiler's diagnostic."""


class VrlRuntimeError(ValueError):
    """One event failed at run time (an `abort`, or a failing `!` call); the message is VRL's."""


class Program(Protocol):
    source: str

    def remap(self, event: Mapping[str, Any]) -> dict[str, Any]:
        """The event after the program; raises VrlRuntimeError when it fails."""
        ...

    def remap_many(self, events: Sequence[Mapping[str, Any]]) -> list[dict[str, Any] | VrlRuntimeError]:
        """Each event after the program, in order; a failed event gives its VrlRuntimeError."""
        ...


@dataclass(frozen=True)
class Runtime:
    name: str
    version: str
    module: Any

    def __str__(self) -> str:
        return f"{self.name} {self.version}"


@lru_cache(maxsize=1)
def runtime() -> Runtime:
    """The VRL runtime this process uses: DENDRO_VRL_RUNTIME's choice, else the first installed."""
    wanted = os.environ.get(RUNTIME_ENV, "").strip()
    if wanted and wanted not in RUNTIMES:
        raise VrlUnavailableError(f"{RUNTIME_ENV}={wanted!r} is not a VRL runtime; use one of {RUNTIMES}")
    for name in (wanted,) if wanted else RUNTIMES:
        try:
            module = importlib.import_module(name.replace("-", "_"))
        except ImportError:
            continue
        try:
            found = version(name)
        except PackageNotFoundError:  # pragma: no cover - a module without metadata (a dev build)
            found = "unknown"
        return Runtime(name, found, module)
    if wanted:
        raise VrlUnavailableError(f"{RUNTIME_ENV}={wanted} but {wanted} is not installed: {INSTALL_HINT}")
    raise VrlUnavailableError(UNAVAILABLE)


def available() -> bool:
    try:
        runtime()
    except VrlUnavailableError:
        return False
    return True


@lru_cache(maxsize=256)
def compile_program(program: str) -> Program:
    """The program, compiled (or, for vector-vrl, checked), ready to run events through."""
    active = runtime()
    if active.name == "pyvrl":
        try:
            return _PyvrlProgram(program, active.module.Transform(program + "\n."))
        except ValueError:
            pass  # reported below, from the program as written (its lines, not ours)
        raise VrlProgramError(f"the VRL program does not compile:\n{diagnostic(program)}")
    result = active.module.validate_vrl(program)
    if not result.success:
        problem = result.error or "the program does not compile"
        if _HOST_FUNCTIONS.search(program) and diagnostic(program) is None:
            problem += f" ({_HOST_NOTE}; give the host name instead, as Dendro's commands do)"
        raise VrlProgramError(f"the VRL program does not compile:\n{problem}")
    return _VectorVrlProgram(program, active.module)


# Vector's functions that read the machine (get_hostname, get_env_var) are left out of vector-vrl,
# which is built to run untrusted VRL. For a compile check each call is replaced by an expression of
# the same type and fallibility, so that a program Vector accepts passes here too.
_HOST_FUNCTIONS = re.compile(r"\b(?:get_hostname|get_env_var)(!?)\([^()]*\)")
_HOST_NOTE = "vector-vrl has no get_hostname() or get_env_var(), which Vector has"


def diagnostic(program: str) -> str | None:
    """None when `program` compiles (as Vector would compile it), else the compiler's diagnostic:
    pyvrl's carries the error code and place, vector-vrl's is the message alone, e.g. "unhandled
    fallible assignment"."""
    active = runtime()
    if active.name == "pyvrl":
        try:
            active.module.Transform(program)
        except ValueError as error:  # pyvrl reports compile diagnostics as ValueError
            return str(error).strip() or "the program does not compile"
        return None
    checked = _HOST_FUNCTIONS.sub(lambda call: f"string{call.group(1)}(.dendro_vrl_check)", program)
    result = active.module.validate_vrl(checked)
    return None if result.success else (result.error or "the program does not compile")


@dataclass(frozen=True)
class _PyvrlProgram:
    source: str
    # The program with a final `.`: pyvrl returns the program's last value, Vector emits the event.
    transform: Any

    def remap(self, event: Mapping[str, Any]) -> dict[str, Any]:
        try:
            return _as_json(self.transform.remap(dict(event)))
        except ValueError as error:
            raise VrlRuntimeError(str(error).removeprefix("remap failure: ")) from None

    def remap_many(self, events: Sequence[Mapping[str, Any]]) -> list[dict[str, Any] | VrlRuntimeError]:
        results: list[dict[str, Any] | VrlRuntimeError] = []
        for event in events:
            try:
                results.append(self.remap(event))
            except VrlRuntimeError as error:
                results.append(error)
        return results


@dataclass(frozen=True)
class _VectorVrlProgram:
    source: str
    module: Any

    def remap(self, event: Mapping[str, Any]) -> dict[str, Any]:
        [result] = self.remap_many([event])
        if isinstance(result, VrlRuntimeError):
            raise result
        return result

    def remap_many(self, events: Sequence[Mapping[str, Any]]) -> list[dict[str, Any] | VrlRuntimeError]:
        if not events:
            return []
        inputs = [orjson.dumps(event).decode() for event in events]
        wrapped = f'{self.source}\n. = {{"{_RESULT_KEY}": encode_json(.)}}'
        try:
            outputs = self.module.execute_vrl(wrapped, inputs)
        except ValueError as error:  # compiled when checked; only a changed runtime gets here
            raise VrlProgramError(f"the VRL program does not compile:\n{error}") from None
        return [_vector_vrl_result(output) for output in outputs]


def _vector_vrl_result(output: dict[str, Any]) -> dict[str, Any] | VrlRuntimeError:
    encoded = output.get(_RESULT_KEY)
    if isinstance(encoded, str):
        return orjson.loads(encoded)
    # A failed event comes back as {"error": "VRL error: <VRL's message>", "original": <input>}.
    message = str(output.get("error", "the program stopped before its end"))
    for prefix in ("VRL error: ", "VRL aborted: "):
        message = message.removeprefix(prefix)
    return VrlRuntimeError(message)


def _as_json(value: Any) -> Any:
    """pyvrl's values as Vector's JSON encoder writes them: timestamps become RFC 3339 text with as
    many fraction digits as needed (0, 3 or 6; pyvrl keeps microseconds), like encode_json."""
    if isinstance(value, datetime):
        value = value.astimezone(UTC)
        micros = value.microsecond
        if micros == 0:
            return value.strftime("%Y-%m-%dT%H:%M:%SZ")
        if micros % 1000 == 0:
            return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{micros // 1000:03d}Z"
        return value.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    if isinstance(value, dict):
        return {key: _as_json(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_as_json(item) for item in value]
    return value


def remap_all(program: Program, events: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Every event through `program` in one batch, for callers whose programs never fail at run time
    (the demo's, the benchmarks'): the first failure is raised, with how many failed."""
    results = program.remap_many(events)
    failed = [result for result in results if isinstance(result, VrlRuntimeError)]
    if failed:
        raise VrlRuntimeError(f"{len(failed)} of {len(events)} events failed in VRL, first: {failed[0]}")
    return results  # type: ignore[return-value]  # no VrlRuntimeError left
