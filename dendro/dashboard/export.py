"""A query result as a downloadable file: JSON (an array of objects, as `dendro query --format json`
prints) or CSV (a header row, then one line per row; NULL as an empty field)."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, time

import orjson

from dendro.local_pipeline.query import QueryResult, json_default

FORMATS = {"json": "application/json", "csv": "text/csv; charset=utf-8"}


class ExportFormatError(ValueError):
    pass


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value).decode("utf-8", errors="backslashreplace")
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    return str(value)


def render(result: QueryResult, kind: str) -> bytes:
    if kind == "json":
        return orjson.dumps(result.records(), default=json_default, option=orjson.OPT_INDENT_2)
    if kind == "csv":
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(result.columns)
        writer.writerows([_cell(v) for v in row] for row in result.rows)
        return out.getvalue().encode()
    raise ExportFormatError(f"export format {kind!r} is not one of: {', '.join(FORMATS)}")
