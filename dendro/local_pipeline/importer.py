"""`dendro local import`: backfill log files through the source's real VRL program into the store.

Each file is read as Vector's file source reads it (local_pipeline.replay), each event runs through
the very program Vector runs (vector_configs.programs.parse_program, on the VRL runtime of
local_pipeline.vrl), and the results go
through the same ingest core as the collector's batches. A file is committed in chunks; each chunk's
transaction also records how far the file has been imported, so an import that stopped (or a second
import of the same file) resumes where the last commit left off, and no row is stored twice.
"""

from __future__ import annotations

import gzip
import hashlib
import socket
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import islice
from pathlib import Path
from typing import Any

import orjson

from dendro.catalog.model import Source
from dendro.ingest_lambda.batch import Batch, Reject
from dendro.ingest_lambda.decode import GZIP_MAGIC
from dendro.ingest_lambda.route import Router
from dendro.local_pipeline.replay import LineEvent, read_events
from dendro.local_pipeline.store import Checkpoint, Store, Write
from dendro.local_pipeline.vrl import Program, VrlRuntimeError, compile_program
from dendro.vector_configs.programs import parse_program

CHUNK_EVENTS = 5_000
# Like Vector's `checksum` fingerprint, a file is looked up by its first line, so that a log that grew
# since its last import is found, and only its new lines are imported. The first line alone is not
# proof: another file may start with the same line (a header, a rotated copy that diverged). So a
# checkpoint also holds the hash of the content it covers, and an import resumes at a checkpoint only
# when this file's bytes up to that offset hash the same: otherwise it is a different file, imported
# from its start.
FINGERPRINT_BYTES = 4096


@dataclass
class FileSummary:
    path: Path
    events: int = 0
    stored: int = 0
    rejected: int = 0
    skipped_bytes: int = 0  # imported before, so not read again


@dataclass
class ImportSummary:
    files: list[FileSummary] = field(default_factory=list)
    reasons: Counter[str] = field(default_factory=Counter)

    @property
    def events(self) -> int:
        return sum(f.events for f in self.files)

    @property
    def stored(self) -> int:
        return sum(f.stored for f in self.files)

    @property
    def rejected(self) -> int:
        return sum(f.rejected for f in self.files)

    @property
    def skipped_bytes(self) -> int:
        return sum(f.skipped_bytes for f in self.files)


def read_log(path: Path) -> bytes:
    """A log file's bytes, gunzipped when it is a rotated `.gz`."""
    data = path.read_bytes()
    return gzip.decompress(data) if data.startswith(GZIP_MAGIC) else data


def fingerprint(data: bytes) -> str:
    first = data[:FINGERPRINT_BYTES]
    newline = first.find(b"\n")
    return hashlib.blake2b(first if newline < 0 else first[: newline + 1], digest_size=16).hexdigest()


def _content_hasher(data: bytes, end: int) -> Any:
    hasher = hashlib.blake2b(digest_size=16)
    hasher.update(memoryview(data)[:end])
    return hasher


def resume_point(store: Store, data: bytes, mark: str, type_id: str) -> tuple[int, str | None]:
    """Where to resume importing `data`: the furthest checkpoint whose content hash matches this
    file's bytes up to its offset, with that hash; (0, None) for a file not imported before."""
    for offset, content_hash in store.checkpoints(mark, type_id):
        if offset <= len(data) and _content_hasher(data, offset).hexdigest() == content_hash:
            return offset, content_hash
    return 0, None


def import_files(
    store: Store,
    paths: Sequence[Path],
    source: Source,
    *,
    host: str | None = None,
    settings: Mapping[str, str] | None = None,
    on_progress: Callable[[int], None] | None = None,
    chunk_events: int = CHUNK_EVENTS,
) -> ImportSummary:
    """Import `paths` as `source`'s logs from `host` (default: this machine's name). `on_progress`
    receives the number of bytes of input handled since its last call."""
    host = host or socket.gethostname()
    collector = source.default_collector
    program = compile_program(parse_program(source, collector, host=host, settings=settings))
    router = Router(store.sources)
    summary = ImportSummary()
    for path in paths:
        data = read_log(path)
        mark = fingerprint(data)
        offset, previous = resume_point(store, data, mark, source.type)
        hasher = _content_hasher(data, offset)
        result = FileSummary(path, skipped_bytes=offset)
        summary.files.append(result)
        progress = offset
        if on_progress and offset:
            on_progress(offset)
        for chunk in _chunks(read_events(data, collector.multiline, offset), chunk_events):
            batch = _parse(chunk, program, router, host, str(path))
            end = chunk[-1].end
            hasher.update(memoryview(data)[progress:end])
            content = hasher.hexdigest()  # hashlib's digest does not end the hashing: it goes on
            checkpoint = Checkpoint(mark, source.type, str(path.resolve()), end, content, previous)
            store.write([Write(batch, checkpoint=checkpoint)])
            previous = content
            # Events as Vector sends them: a parser may make several of one (same-second slow-log entries).
            result.events += batch.stored + batch.rejected
            result.stored += batch.stored
            result.rejected += batch.rejected
            summary.reasons.update(batch.reasons())
            if on_progress:
                on_progress(end - progress)
            progress = end
        if on_progress and len(data) > progress:
            on_progress(len(data) - progress)
    return summary


def _chunks(events: Iterator[LineEvent], size: int) -> Iterator[list[LineEvent]]:
    while chunk := list(islice(events, size)):
        yield chunk


def _parse(chunk: Sequence[LineEvent], program: Program, router: Router, host: str, file: str) -> Batch:
    """Run the VRL program over the chunk (one batch: vector-vrl compiles once per call), then route
    its output as the collector would route what Vector sends: each record's raw bytes are the JSON
    Vector would have posted. Like Vector's file source, each event carries the time it was read; a
    program that found several entries in one event (vector_configs.programs) gives one record each."""
    read_at = datetime.now(UTC).isoformat().replace("+00:00", "Z")
    events = [
        {"message": e.text, "host": host, "file": file, "source_type": "file", "timestamp": read_at}
        for e in chunk
    ]
    lines: list[bytes] = []
    failures: list[Reject] = []
    for event, result in zip(chunk, program.remap_many(events), strict=True):
        if isinstance(result, VrlRuntimeError):  # an abort, or a failing `!` call
            failures.append(Reject("vrl_error", str(result)[:500], event.text.encode(), None))
        elif isinstance(result, list):
            lines.extend(orjson.dumps(record) for record in result)
        else:
            lines.append(orjson.dumps(result))
    batch = router.route_lines(lines)
    for failure in failures:
        batch.reject(failure)
    return batch
