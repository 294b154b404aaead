"""A query result as a downloadable file: JSON (an array of objects, as `dendro query --format json`
prints) or CSV (a header row, then one line per row; NULL as an empty field)."""

from __future__ import annotations

import orjson

from dendro.csv_cells import csv_text
from dendro.local_pipeline.query import QueryResult, json_default

FORMATS = {"json": "application/json", "csv": "text/csv; charset=utf-8"}


class ExportFormatError(ValueError):
    pass


def render(result: QueryResult, kind: str) -> bytes:
    if kind == "json":
        return orjson.dumps(result.records(), default=json_default, option=orjson.OPT_INDENT_2)
    if kind == "csv":
        return "".join(csv_text(result.columns, [result.rows])).encode()
    raise ExportFormatError(f"export format {kind!r} is not one of: {', '.join(FORMATS)}")
