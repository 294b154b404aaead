"""The catalog is consistent with itself: every entry is complete and every parser compiles."""

from __future__ import annotations

import re
from importlib import resources

import pytest

from dendro.catalog import ENVELOPE, SOURCES
from dendro.catalog.model import LINE, Role
from dendro.vector_configs.programs import parse_program
from tests.support.vrl import compile_program

PAIRS = [(s, c) for s in SOURCES.values() for c in s.collectors]


@pytest.mark.parametrize(("source", "collector"), PAIRS, ids=[f"{s.type}-{c.name}" for s, c in PAIRS])
def test_every_parser_compiles_in_the_real_vrl_runtime(source, collector) -> None:  # type: ignore[no-untyped-def]
    compile_program(parse_program(source, collector, host="h"))


@pytest.mark.parametrize("source", SOURCES.values(), ids=list(SOURCES))
def test_entry_is_complete(source) -> None:  # type: ignore[no-untyped-def]
    names = [f.name for f in source.columns]
    assert len(names) == len(set(names)), "a field repeats the envelope or another field"
    assert re.fullmatch(r"[a-z][a-z0-9_]*", source.type), "type ids are table names"
    assert all(re.fullmatch(r"[a-z][a-z0-9_]*", n) for n in names), "field names are column names"
    assert source.collectors and source.title
    assert any(f.role is Role.MEASURE for f in source.fields), "a table needs at least one measure"


def test_every_vrl_file_is_used_by_a_collector() -> None:
    files = {p.name.removesuffix(".vrl") for p in resources.files("dendro.catalog").joinpath("vrl").iterdir()}
    used = {c.vrl for _, c in PAIRS if c.vrl}
    assert files == used


def test_envelope_is_the_event_contract() -> None:
    assert [(f.name, f.type.value, f.required) for f in ENVELOPE] == [
        ("type", "string", True),
        ("host", "string", True),
        ("timestamp", "timestamp", True),
    ]


def test_log_sources_keep_the_original_line_and_metric_sources_do_not() -> None:
    # The Logs page shows the line as the server wrote it: every log table has the `line` column
    # (declared once, in the catalog), and metric tables do not pay for it.
    logs = {t for t, s in SOURCES.items() if LINE in s.columns}
    assert logs == {"nginx_access", "nginx_error", "apache_access", "apache_error", "postgres", "mongodb",
                    "mysql", "syslog"}  # fmt: skip
    assert all(LINE not in s.columns for t, s in SOURCES.items() if t.endswith("metrics"))
