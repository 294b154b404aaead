"""CSV cells safe to open in a spreadsheet: every CSV that Dendro writes goes through `csv_cell`.

Log fields are written by whoever sends the request (a User-Agent, a path), and a spreadsheet runs a
cell that starts with `=`, `+`, `-` or `@` as a formula (`=HYPERLINK(...)`, `=cmd|' /C calc'!A0`); a
leading tab or carriage return hides such a start. As OWASP recommends ("CSV Injection"), a text cell
that begins with any of them gets a leading single quote, which spreadsheets show as text; the csv
module quotes the cell and doubles its quotes. Numbers are left alone: -5 stored as a number is data,
not a formula.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(text: str) -> str:
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def csv_cell(value: object) -> str:
    """One value of a query result as CSV text: NULL as an empty field, bytes as UTF-8 (invalid
    bytes backslash-escaped), times in ISO 8601, text neutralised."""
    if value is None:
        return ""
    if isinstance(value, bool | int | float | Decimal):
        return str(value)
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, bytes | bytearray | memoryview):
        return neutralise(bytes(value).decode("utf-8", errors="backslashreplace"))
    return neutralise(str(value))


def csv_text(columns: Sequence[str], chunks: Iterable[Sequence[Sequence[Any]]]) -> Iterator[str]:
    """The CSV of a result, one string per chunk of rows (the header first), so that an export can be
    streamed. Lines end with CRLF as RFC 4180 says, which also makes the writer quote a cell holding a
    lone CR (with "\n" as the line end it would write one bare, and split the row in a spreadsheet)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([csv_cell(c) for c in columns])
    for rows in chunks:
        writer.writerows([csv_cell(v) for v in row] for row in rows)
        yield out.getvalue()
        out.seek(0)
        out.truncate()
    if out.tell():
        yield out.getvalue()
