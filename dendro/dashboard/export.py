"""A query result as a downloadable file: JSON (an array of objects, as `dendro query --format json`
prints) or CSV (a header row, then one line per row; NULL as an empty field; formula cells
neutralised). Both are streamed a chunk of rows at a time, so an export of a million rows never
sits whole in memory. When the rows stop early (the export's row, byte or time limit), the file
ends with a line that says so: `# dendro: ...` in CSV, a last object {"dendro_note": ...} in JSON."""

from __future__ import annotations

from collections.abc import Iterator

import orjson

from dendro.csv_cells import csv_text
from dendro.local_pipeline.query import ResultRows, json_default

FORMATS = {"json": "application/json", "csv": "text/csv; charset=utf-8"}


class ExportFormatError(ValueError):
    pass


def check_format(kind: str) -> None:
    if kind not in FORMATS:
        raise ExportFormatError(f"export format {kind!r} is not one of: {', '.join(FORMATS)}")


def stream(result: ResultRows, kind: str) -> Iterator[bytes]:
    """The file's bytes, chunk by chunk; closes `result` at the end (or when the download stops)."""
    check_format(kind)
    try:
        yield from (_csv if kind == "csv" else _json)(result)
    finally:
        result.close()


def _csv(result: ResultRows) -> Iterator[bytes]:
    for text in csv_text(result.columns, result.chunks()):
        yield text.encode()
    if result.note is not None:
        yield f"# dendro: {result.note}\r\n".encode()


def _json(result: ResultRows) -> Iterator[bytes]:
    columns = result.columns
    separator = b"[\n"
    for rows in result.chunks():
        records = [dict(zip(columns, row, strict=True)) for row in rows]
        yield separator + b",\n".join(orjson.dumps(r, default=json_default) for r in records)
        separator = b",\n"
    if result.note is not None:
        yield separator + orjson.dumps({"dendro_note": result.note})
        separator = b",\n"
    yield b"[]\n" if separator == b"[\n" else b"\n]\n"
