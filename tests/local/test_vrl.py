"""The VRL runtime seam (dendro.local_pipeline.vrl), run on whichever runtime this interpreter has:
pyvrl on CPython 3.11, vector-vrl on 3.12+ (`make test` runs this file on both, see the Makefile).
Every assertion holds for both, so a difference between the runtimes fails here."""

from __future__ import annotations

import sys
from collections.abc import Iterator

import pytest

from dendro.local_pipeline import vrl


@pytest.fixture
def fresh_runtime() -> Iterator[None]:
    """A test that changes which runtime loads starts and ends with nothing cached."""
    vrl.runtime.cache_clear()
    vrl.compile_program.cache_clear()
    yield
    vrl.runtime.cache_clear()
    vrl.compile_program.cache_clear()


def test_the_event_is_what_dot_holds_at_the_end_as_in_vector() -> None:
    # pyvrl alone would return the program's last value ("last"); Vector emits the event.
    program = vrl.compile_program('.a = 1\ndel(.message)\n"last"')

    assert program.remap({"message": "x", "host": "h"}) == {"a": 1, "host": "h"}


def test_nested_values_come_back_as_values_and_json_text_stays_text() -> None:
    program = vrl.compile_program('.obj = {"b": {"c": [1, 2.5, null, true]}}\n.text = s\'{"b": 1}\'')

    assert program.remap({}) == {"obj": {"b": {"c": [1, 2.5, None, True]}}, "text": '{"b": 1}'}


def test_timestamps_come_back_as_rfc3339_text_as_vectors_json_encoder_writes_them() -> None:
    program = vrl.compile_program(
        '.whole = parse_timestamp!("2024-01-01T00:00:00Z", "%+")\n'
        '.millis = parse_timestamp!("2024-01-01T00:00:00.120Z", "%+")\n'
        '.micros = parse_timestamp!("2024-01-01T00:00:00.123456Z", "%+")\n'
    )

    assert program.remap({}) == {
        "whole": "2024-01-01T00:00:00Z",
        "millis": "2024-01-01T00:00:00.120Z",
        "micros": "2024-01-01T00:00:00.123456Z",
    }


def test_a_batch_keeps_order_and_a_failed_event_fails_alone() -> None:
    program = vrl.compile_program(".n = parse_int!(.message)\nif .n == 0 { abort }")

    results = program.remap_many([{"message": "1"}, {"message": "x"}, {"message": "0"}, {"message": "3"}])

    assert results[0] == {"message": "1", "n": 1}
    assert isinstance(results[1], vrl.VrlRuntimeError)
    assert "could not parse integer" in str(results[1])
    assert isinstance(results[2], vrl.VrlRuntimeError)
    assert "aborted" in str(results[2])
    assert results[3] == {"message": "3", "n": 3}
    assert program.remap_many([]) == []


def test_remap_raises_the_events_failure_and_remap_all_counts_them() -> None:
    program = vrl.compile_program(".n = parse_int!(.message)")

    with pytest.raises(vrl.VrlRuntimeError, match="could not parse integer"):
        program.remap({"message": "x"})
    with pytest.raises(vrl.VrlRuntimeError, match="2 of 3 events failed"):
        vrl.remap_all(program, [{"message": "x"}, {"message": "1"}, {"message": "y"}])


def test_unicode_and_control_characters_survive_the_round_trip() -> None:
    program = vrl.compile_program(".copy = .message")
    message = 'héllo \u2603 tab\tnul\x00 "quoted" \\ end'

    assert program.remap({"message": message}) == {"message": message, "copy": message}


def test_a_program_that_does_not_compile_says_why() -> None:
    with pytest.raises(vrl.VrlProgramError, match="unhandled fallible assignment"):
        vrl.compile_program(".n = parse_int(.message)")
    assert vrl.diagnostic(".n = parse_int!(.message)") is None
    assert "call to undefined function" in (vrl.diagnostic(".a = nosuch(.b)") or "")


def test_without_a_runtime_the_error_names_both_and_what_to_install(
    monkeypatch: pytest.MonkeyPatch, fresh_runtime: None
) -> None:
    monkeypatch.setitem(sys.modules, "vector_vrl", None)  # None in sys.modules: import fails
    monkeypatch.setitem(sys.modules, "pyvrl", None)
    monkeypatch.delenv(vrl.RUNTIME_ENV, raising=False)

    with pytest.raises(vrl.VrlUnavailableError) as raised:
        vrl.compile_program(". = {}")
    assert "pip install vector-vrl==1.0.7" in str(raised.value)
    assert "pip install pyvrl==0.0.2" in str(raised.value)
    assert not vrl.available()


def test_the_environment_picks_a_runtime_and_a_wrong_pick_says_so(
    monkeypatch: pytest.MonkeyPatch, fresh_runtime: None
) -> None:
    monkeypatch.setenv(vrl.RUNTIME_ENV, "lua")
    with pytest.raises(vrl.VrlUnavailableError, match="'lua' is not a VRL runtime"):
        vrl.runtime()

    vrl.runtime.cache_clear()
    installed = "pyvrl" if sys.version_info < (3, 12) else "vector-vrl"  # what pyproject installs
    other = "vector-vrl" if installed == "pyvrl" else "pyvrl"
    monkeypatch.setitem(sys.modules, other.replace("-", "_"), None)
    monkeypatch.setenv(vrl.RUNTIME_ENV, other)
    with pytest.raises(vrl.VrlUnavailableError, match=f"{other} is not installed"):
        vrl.runtime()

    vrl.runtime.cache_clear()
    monkeypatch.setenv(vrl.RUNTIME_ENV, installed)
    assert vrl.runtime().name == installed


def test_a_program_using_the_machines_host_name_compiles_as_in_vector() -> None:
    # Generated agent configs read the host name when dendro.toml gives none (programs.py).
    program = 'host = get_hostname() ?? "unknown"\nhome = get_env_var!("HOME")\n.h = host + home'

    assert vrl.diagnostic(program) is None
    assert vrl.diagnostic(".h = get_hostname()") is not None  # still fallible, as in Vector
