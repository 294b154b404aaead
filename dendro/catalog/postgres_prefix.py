"""PostgreSQL's `log_line_prefix`, translated into the exact regex the postgres parser starts with.

The default parser guesses the prefix; an install that states its `log_line_prefix` (the setting of
that name) gets a program whose header regex is built from it, so `%u@%d` or `app=%a` are read
where PostgreSQL wrote them rather than where they usually are. Escapes follow the "What to Log"
section of the PostgreSQL manual; as in PostgreSQL, an unknown escape stands for nothing.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from importlib import resources

SETTING = "log_line_prefix"

_ZONE = r"(?:[A-Za-z]+|[+-]\d{2}(?:\d{2})?)"
_DATE_TIME = r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}"
_TIMESTAMP_ESCAPES = "tmn"

# escape -> (group it fills, pattern). Free text that may hold spaces (%a, %b, %i) is matched lazily
# up to whatever follows it; names and hosts are single words.
_ESCAPES: dict[str, tuple[str | None, str]] = {
    "a": ("application", r"[^\n]*?"),
    "u": ("user", r"\S*?"),
    "d": ("database", r"\S*?"),
    "r": ("client", r"\[local\]|\S+?\(\d+\)|"),  # host(port); the parser drops the port
    "h": ("client", r"\S*?"),
    "L": (None, r"\S*?"),
    "b": (None, r"[^\n]*?"),
    "p": ("pid", r"\d+"),
    "P": (None, r"\d*"),
    "t": (None, rf"(?P<ts>{_DATE_TIME}) (?P<tz>{_ZONE})"),
    "m": (None, rf"(?P<ts>{_DATE_TIME}\.\d{{3}}) (?P<tz>{_ZONE})"),
    "n": (None, r"(?P<epoch>\d+\.\d{3})"),
    "i": (None, r"[^\n]*?"),
    "e": ("sqlstate", r"[0-9A-Z]{5}"),
    "c": (None, r"[0-9a-f]+\.[0-9a-f]+"),
    "l": ("session_line", r"\d+"),
    "s": (None, rf"{_DATE_TIME} {_ZONE}"),
    "v": (None, r"\S*?"),
    "x": (None, r"\d*"),
    "Q": (None, r"-?\d*"),
}

# After the prefix: the severity (translated when lc_messages is not English), two spaces (one in some
# builds and services, e.g. RDS), the text.
_MESSAGE = r"(?P<level>[^\s:]+): {1,2}(?P<body>(?s:.*))$"
# pg_ctl's "waiting for server to start...." (or its progress dots) when a log is pg_ctl's stdout.
_PG_CTL = r"(?:waiting for server to [a-z ]+?\.*|\.+)?"
_ESCAPE = re.compile(r"%(-?\d+)?(.?)", re.DOTALL)
_HEADER_LINE = re.compile(r"^header, err = parse_regex\(\.message, r'.*'\)$", re.MULTILINE)


class LogLinePrefixError(ValueError):
    pass


def prefix_regex(prefix: str) -> str:
    """The regex (Rust syntax, for VRL) of a whole log line written with this `log_line_prefix`."""
    parts: list[str] = []
    optional_from: int | None = None
    used: set[str] = set()
    position = 0
    for escape in _ESCAPE.finditer(prefix):
        parts.append(_literal(prefix[position : escape.start()]))
        position = escape.end()
        padding, code = escape.group(1), escape.group(2)
        if code == "%":
            parts.append("%")
        elif code == "q":
            # Non-session processes (checkpointer, autovacuum ...) stop the prefix at %q.
            optional_from = optional_from if optional_from is not None else len(parts)
        elif code in _ESCAPES:
            parts.append(_pad(_pattern(code, used), padding))
    parts.append(_literal(prefix[position:]))
    if not used & set(_TIMESTAMP_ESCAPES):
        raise LogLinePrefixError(
            f"log_line_prefix {prefix!r} has no %t, %m or %n, so its lines carry no event time: "
            "add %m to log_line_prefix in postgresql.conf and to the Dendro setting"
        )
    if optional_from is not None:
        parts[optional_from:] = ["(?:", *parts[optional_from:], ")?"]
    return "^" + _PG_CTL + "".join(parts) + _MESSAGE


def render_program(settings: Mapping[str, str]) -> str:
    """The postgres parser: the default one, or one specialized to the install's log_line_prefix."""
    program = resources.files("dendro.catalog").joinpath("vrl", "postgres.vrl").read_text()
    prefix = settings.get(SETTING)
    if not prefix:
        return program
    header = f"header, err = parse_regex(.message, r'{prefix_regex(prefix)}')"
    program, count = _HEADER_LINE.subn(lambda _: header, program)
    if count != 1:
        raise RuntimeError(f"catalog/vrl/postgres.vrl must hold one header line, found {count}")
    return program


def _pattern(code: str, used: set[str]) -> str:
    group, pattern = _ESCAPES[code]
    if code in _TIMESTAMP_ESCAPES:
        # Only the first of %t, %m, %n gives the event time; VRL regexes reject repeated group names.
        first = not used & set(_TIMESTAMP_ESCAPES)
        used.add(code)
        return pattern if first else re.sub(r"\?P<\w+>", "?:", pattern)
    if group is None or group in used:
        return f"(?:{pattern})"
    used.add(group)
    return f"(?P<{group}>{pattern})"


def _pad(pattern: str, padding: str | None) -> str:
    # "%-10u" pads the value with spaces on its right, "%10u" on its left.
    if not padding:
        return pattern
    return pattern + " *" if padding.startswith("-") else " *" + pattern


def _literal(text: str) -> str:
    out = []
    for char in text:
        if char in "\\.+*?()|[]{}^$":
            out.append("\\" + char)
        elif char == "'":
            out.append(r"\x27")  # the regex sits inside a VRL r'...' literal
        elif not char.isprintable():
            out.append(f"\\x{{{ord(char):x}}}")
        else:
            out.append(char)
    return "".join(out)
