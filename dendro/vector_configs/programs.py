"""Assemble the VRL program that Vector runs for one source.

The catalog's program parses a raw event into fields. Around it, this module adds the envelope that
the event contract needs (type, host, RFC 3339 timestamp) and projects the result onto exactly the
catalog's columns, so every store receives the same shape. The tests run this very text through the
real VRL runtime, so what is tested is what Vector runs.

Contract for a catalog program (catalog/vrl/*.vrl):
- it reads the event as the Vector source emits it (`.message` for file sources);
- it sets the source's fields on `.`, with the catalog's types, and `.timestamp` to the event time;
- on a line it cannot parse it sets `._parse_error` to a short reason and never aborts, so the raw
  line still travels and is dead-lettered with that reason by the ingest side.
"""

from __future__ import annotations

from collections.abc import Mapping

import orjson

from dendro.catalog.model import LINE, PARSE_ERROR_FIELD, RAW_MESSAGE_FIELD, Collector, Source

_RFC3339 = "%Y-%m-%dT%H:%M:%S%.6fZ"
# Where a parser lists the entries it found in one event, when there are several (see _split_envelope).
ENTRIES_FIELD = "dendro_entries"


def vrl_string(value: str) -> str:
    """A VRL string literal; JSON escapes are a subset of VRL's."""
    return orjson.dumps(value).decode()


def parse_program(
    source: Source,
    collector: Collector | None = None,
    *,
    host: str | None = None,
    service: str | None = None,
    settings: Mapping[str, str] | None = None,
) -> str:
    collector = collector or source.default_collector
    host_expr = vrl_string(host) if host else 'get_hostname() ?? "unknown"'
    service_name = service or source.service
    program = collector.program(settings).rstrip()
    splits = ENTRIES_FIELD in program
    return "\n".join(
        [
            f"# Dendro: parse {source.type} ({collector.name}) and stamp the event contract.",
            *_keep_line(source),
            program,
            "",
            "# --- envelope (generated from the catalog) ---",
            f"dendro_host = {host_expr}",
            *([f"dendro_entries = array(.{ENTRIES_FIELD}) ?? []"] if splits else []),
            *_envelope(source, service_name, ".", "dendro_line"),
            *(_split_envelope(source, service_name) if splits else []),
            ".",
        ]
    )


def _envelope(source: Source, service_name: str, event: str, line: str) -> list[str]:
    """VRL that turns the parsed `event` (`.`, or a variable) into the contract's record, in place."""
    at = "." if event == "." else f"{event}."
    return [
        f"if !exists({at}{PARSE_ERROR_FIELD}) && !is_timestamp({at}timestamp) {{",
        f'  {at}{PARSE_ERROR_FIELD} = "no event time"',
        "}",
        f"dendro_ts = if is_timestamp({at}timestamp) {{ {at}timestamp }} else {{ now() }}",
        f'dendro_ts_text = format_timestamp(dendro_ts, "{_RFC3339}", timezone: "UTC") ?? ""',
        f"if exists({at}{PARSE_ERROR_FIELD}) {{",
        f"  {event} = {{",
        f'    "type": {vrl_string(source.type)},',
        '    "host": dendro_host,',
        '    "timestamp": dendro_ts_text,',
        f'    "{RAW_MESSAGE_FIELD}": {at}{RAW_MESSAGE_FIELD},',
        f'    "{PARSE_ERROR_FIELD}": {at}{PARSE_ERROR_FIELD},',
        "  }",
        "} else {",
        *_service_default(source, service_name, at),
        f"  {event} = compact({{",
        f'    "type": {vrl_string(source.type)},',
        '    "host": dendro_host,',
        '    "timestamp": dendro_ts_text,',
        *([f'    "{LINE.name}": {line},'] if source.is_log else []),
        *[f'    "{f.name}": {at}{_path(f.name)},' for f in source.fields],
        "  }, string: false, object: false, array: false)",
        "}",
    ]


def _split_envelope(source: Source, service_name: str) -> list[str]:
    """A parser that found several entries in one event (MySQL's same-second slow-log entries) lists
    them in `.dendro_entries`; each becomes a record of its own, with its own text as `line`. Vector's
    remap emits each element of an array as an event; `dendro local import` stores each."""
    body = _envelope(source, service_name, "dendro_entry", "dendro_entry_line")
    return [
        "if length(dendro_entries) > 1 {",
        "  . = map_values(dendro_entries) -> |dendro_item| {",
        "    dendro_entry = object(dendro_item) ?? {}",
        "    dendro_entry_line = dendro_entry.dendro_line",
        *(f"    {line}" for line in body),
        "    dendro_entry",
        "  }",
        "}",
    ]


def _keep_line(source: Source) -> list[str]:
    """The raw line, read before the catalog program replaces `.message` with its parsed text."""
    if not source.is_log:
        return []
    return [f"dendro_line = if is_string(.{RAW_MESSAGE_FIELD}) {{ .{RAW_MESSAGE_FIELD} }} else {{ null }}"]


def _service_default(source: Source, service_name: str, at: str = ".") -> list[str]:
    if source.field("service") is None or not service_name:
        return []
    return [f"  {at}service = string({at}service) ?? {vrl_string(service_name)}"]


def _path(name: str) -> str:
    # Field names are identifiers in the catalog, but quote anything VRL would not take bare.
    return name if name.isidentifier() else vrl_string(name)
