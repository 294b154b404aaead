"""The local collector: the HTTP endpoint Vector's `http` sink posts to, in front of the DuckDB store.

Vector sink settings it expects (what `dendro configure --sink http` generates): `uri` = the
collector's URL (path `/`), `encoding.codec = "json"` with newline-delimited framing (a JSON array
body is accepted too), `compression = "gzip"` or none, and `auth.strategy = "bearer"` when a token
is set.

Answers: 200 once the batch is committed (with counts); 400 when no record in the body is JSON (its
records are still kept in `_rejects`) or the gzip is broken; 401 without the token when one is set;
403 for a browser request from another origin, 421 for a foreign Host (dendro.http_guard); 413 over
the size limit; 429 when the commit queue is full or after repeated wrong tokens; 503 while shutting
down; 500 if the commit failed. Vector retries 429 and 5xx.

Two credentials: the ingest token (`token`, what agents hold) posts to `/` only; `/query` needs the
read token (`read_token`), generated at start when not given and left in the owner-only runtime file
that `dendro query` and the dashboard read. An agent's token therefore never reads the store.

The HTTP layer (collector_http.py) is an ASGI app served by uvicorn: connections cost no thread, and
the CPU work runs on a fixed pool, so the thread count is bounded whatever the senders do. A request
is weighed before its body is read: when the batches admitted but not yet committed would pass
`max_pending_bytes`, the answer is 429 at once, so overload costs no decoding.
"""

from __future__ import annotations

import gc
import hashlib
import hmac
import logging
import os
import secrets
import signal
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from dendro.http_guard import (
    FailedLogins,
    InsecureBindError,
    RequestGuard,
    check_token_strength,
    is_loopback,
)
from dendro.ingest_lambda.decode import DecodeError, PayloadTooLargeError, decompress
from dendro.ingest_lambda.route import Router
from dendro.ingest_lambda.validate import DEFAULT_WINDOW, TimeWindow
from dendro.local_pipeline.query import (
    Limits,
    QueryError,
    Runtime,
    run_query,
    runtime_path,
    write_runtime,
)
from dendro.local_pipeline.store import MEMORY_LIMIT, Store, Write
from dendro.local_pipeline.writer import Pending, QueueFullError, Writer, WriterClosedError

log = logging.getLogger("dendro.collector")

DEFAULT_PORT = 8686
# Vector's http sink sends batches of up to 10 MB (batch.max_bytes) before compression.
MAX_BODY_BYTES = 32 * 1024 * 1024
# Batches admitted and not yet committed, counted decompressed; decoded, they weigh three to four
# times this in memory, which bounds the collector's peak under overload.
MAX_PENDING_BYTES = 64 * 1024 * 1024
# /query: each query within these limits; a few at once, each on its own cursor, so a runaway query
# holds one slot for at most its timeout and never blocks `SELECT 1` behind it.
QUERY_LIMITS = Limits(timeout=30.0, max_rows=100_000, max_bytes=64 * 1024 * 1024)
QUERY_SLOTS = 4
# Before a gzip body is read its decompressed size is unknown: it is weighed at this many times its
# length until it is decompressed (NDJSON logs compress 5-15x; the running ratio replaces this guess).
GZIP_RATIO_GUESS = 10.0
# Threads that decompress, decode and route bodies. The GIL lets one run at a time; a second one
# keeps the CPU busy while the first hands its rows over to a writer.
DECODE_THREADS = 2


__all__ = ["Collector", "CollectorConfig", "InsecureBindError", "check_bind", "is_loopback"]


@dataclass(frozen=True, kw_only=True)
class CollectorConfig:
    db: Path
    host: str = "127.0.0.1"
    port: int = DEFAULT_PORT
    token: str | None = None  # ingest: what agents send to POST /
    read_token: str | None = None  # POST /query; generated at start when None
    max_body_bytes: int = MAX_BODY_BYTES
    max_pending_bytes: int = MAX_PENDING_BYTES
    # A handler gives up waiting for its commit after this long and answers 503; the sender retries,
    # and if the commit did land, the batch id makes the retry a no-op.
    commit_timeout: float = 60.0
    query_limits: Limits = QUERY_LIMITS  # per /query request
    # A body that stops arriving for this long is dropped (408): a slow sender holds no budget forever.
    body_timeout: float = 30.0
    # On SIGTERM, requests whose body is complete get this long to be committed and answered; bodies
    # still arriving are refused at once (503), so a slow sender cannot hold the shutdown.
    shutdown_timeout: float = 10.0
    # Open connections beyond this are answered 503 and closed.
    max_connections: int = 1024
    window: TimeWindow = DEFAULT_WINDOW  # the event times accepted; others are bad_timestamp rejects
    memory_limit: str = MEMORY_LIMIT  # the store's DuckDB memory (store.MEMORY_LIMIT)


def check_bind(host: str, token: str | None, read_token: str | None = None) -> None:
    if not token and not is_loopback(host):
        raise InsecureBindError(
            f"binding to {host} would let anyone who can reach this machine write to the store; "
            "set a token with DENDRO_TOKEN or --token-file and the same token in the Vector http sink "
            '(auth.strategy = "bearer"), or bind to 127.0.0.1'
        )
    check_token_strength(token, host, "the ingest token")
    check_token_strength(read_token, host, "the read token")
    if token and read_token and hmac.compare_digest(token.encode(), read_token.encode()):
        raise InsecureBindError(
            "the read token must differ from the ingest token: agents hold the ingest token, and it "
            "must not read the store; choose another --read-token"
        )


class Collector:
    """Store, writer threads and HTTP server. `serve_forever()` in one thread, `request_stop()` from any
    (a signal handler included), then `close()` commits what is queued and releases the store."""

    def __init__(self, config: CollectorConfig) -> None:
        check_bind(config.host, config.token, config.read_token)
        self.config = config
        self.read_token = config.read_token or secrets.token_urlsafe(24)
        self.guard = RequestGuard.for_bind(config.host)
        self.logins = FailedLogins()
        self.store = Store.open(config.db, memory_limit=config.memory_limit)
        self.router = Router(self.store.sources, config.window)
        # Admission (`admit`, before a body is read) is what keeps the queue within max_pending_bytes;
        # its guess of a gzip body's size can fall short, and a body decoded by then must not be
        # thrown away for it, so the writer's own limit is only a backstop.
        self.writer = Writer(self.store, 2 * config.max_pending_bytes).start()
        # Queries get a connection of their own, made here because a DuckDB connection is not safe to
        # share with the writer thread; each query runs on a cursor of it, made under the lock.
        self._query_con = self.store.con.cursor()
        self._query_lock = threading.Lock()
        self._query_slots = threading.BoundedSemaphore(QUERY_SLOTS)
        self._queries_running: set[Any] = set()  # their cursors, interrupted by close()
        self.decoders = ThreadPoolExecutor(DECODE_THREADS, thread_name_prefix="dendro-decode")
        # One more thread than slots, so that a query over the slots waits for one (then 503s) there.
        self.queries = ThreadPoolExecutor(QUERY_SLOTS + 1, thread_name_prefix="dendro-query")
        self._budget = threading.Lock()
        self._admitted_bytes = 0
        self._gzip_ratio = GZIP_RATIO_GUESS
        self._closed = False
        from dendro.local_pipeline.collector_http import CollectorServer  # it imports this module

        try:
            self.server = CollectorServer(self)
        except OSError:
            self.writer.close()
            self.store.close()
            raise
        self.runtime_file = write_runtime(
            self.store.path, Runtime(url=self.url, token=self.read_token, pid=os.getpid())
        )

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        shown = f"[{host}]" if ":" in str(host) else host
        return f"http://{shown}:{port}"

    def serve_forever(self) -> None:
        self.server.serve_forever()

    def request_stop(self) -> None:
        """Stop accepting requests; safe from a signal handler and from any thread."""
        self.server.request_stop()

    def close(self) -> None:
        """Commit anything still queued, then release the store. Call after serve_forever() has
        returned (it waits, within `shutdown_timeout`, for the requests in flight to be answered)."""
        if self._closed:
            return
        self._closed = True
        self.server.close()
        self.decoders.shutdown(wait=True, cancel_futures=True)
        with self._query_lock:
            for cursor in self._queries_running:  # a long query must not hold the shutdown
                cursor.interrupt()
        self.queries.shutdown(wait=True, cancel_futures=True)
        self.writer.close()
        runtime_path(self.store.path).unlink(missing_ok=True)
        self._query_con.close()
        self.store.close()

    def admit(self, length: int, gzipped: bool) -> int | None:
        """Weigh a body of `length` bytes on the wire before reading it: the bytes it reserves, or None
        when the batches already admitted and not yet committed leave no room (the caller answers 429
        without reading it). One body is always admitted when nothing else is queued, so a body under
        the size limit is never refused for good."""
        weight = min(int(length * self._gzip_ratio) if gzipped else length, self.config.max_body_bytes)
        with self._budget:
            if self._admitted_bytes and self._admitted_bytes + weight > self.config.max_pending_bytes:
                return None
            self._admitted_bytes += weight
        return weight

    def admit_gzip(self, reserved: int, length: int) -> int | None:
        """A body sent without `Content-Encoding: gzip` turned out to be gzip (decompress() sniffs it):
        weigh it again as one before it is decompressed, or None (its reservation released) when that
        leaves no room. Otherwise such senders would pass admission at a tenth of their weight."""
        weight = min(int(length * self._gzip_ratio), self.config.max_body_bytes)
        with self._budget:
            others = self._admitted_bytes - reserved
            if others and others + weight > self.config.max_pending_bytes:
                self._admitted_bytes = others
                return None
            self._admitted_bytes = others + weight
        return weight

    def reweigh(self, reserved: int, wire: int, plain: int) -> int:
        """Replace a reservation by the body's real decompressed size; returns the new reservation."""
        with self._budget:
            self._admitted_bytes += plain - reserved
            if wire and plain > wire:  # learn the senders' compression ratio, slowly
                self._gzip_ratio = 0.9 * self._gzip_ratio + 0.1 * (plain / wire)
        return plain

    def release(self, reserved: int) -> None:
        with self._budget:
            self._admitted_bytes -= reserved

    @property
    def admitted_bytes(self) -> int:
        return self._admitted_bytes

    def prepare(self, body: bytes) -> tuple[int, dict[str, Any], Write | None, int]:
        """Decompress, decode and route one posted body (CPU only, no I/O): the status and answer, the
        Write to commit when there is one (then the answer stands once it is committed), and the
        decompressed size."""
        try:
            plain = decompress(body, self.config.max_body_bytes)
        except PayloadTooLargeError as error:
            return 413, {"error": f"{error}; lower batch.max_bytes in the Vector http sink"}, None, 0
        except DecodeError as error:
            return 400, {"error": str(error), "records": 0}, None, 0
        batch = self.router.ingest(plain)
        counts = batch.counts()
        if not batch.records:
            return 200, counts, None, len(plain)
        # Such a body is kept in `_rejects` like any other reject, and still answered 400 (once its
        # rejects are committed): the sender is misconfigured, and retrying the same bytes would not help.
        status = 400 if not batch.stored and set(counts["reasons"]) == {"invalid_json"} else 200
        # Vector resends a batch byte for byte, so the body's hash identifies it across retries.
        batch_id = hashlib.blake2b(plain, digest_size=16).hexdigest()
        return status, counts, Write(batch, batch_id), len(plain)

    def submit(self, write: Write, size: int, on_done: Any = None) -> Pending | tuple[int, dict[str, Any]]:
        """Queue a prepared Write for the writers: its Pending, or the refusal to answer with."""
        try:
            return self.writer.submit(write, size, on_done)
        except QueueFullError as error:
            return 429, {"error": f"{error}; retry shortly"}
        except WriterClosedError as error:
            return 503, {"error": f"{error}; retry shortly"}

    @staticmethod
    def outcome(pending: Pending, status: int, counts: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        """The answer for a Write once its commit is done (`status` as `prepare` gave it)."""
        if pending.error is not None:
            log.error("commit failed: %s", pending.error)
            return 500, {"error": f"the batch could not be committed ({pending.error}); retry"}
        answer = {**counts, "duplicate": not pending.stored}
        if status == 400:
            message = 'no record in the body is JSON; set encoding.codec = "json" in the Vector http sink'
            return 400, {"error": message, **answer}
        return 200, answer

    def ingest(self, body: bytes) -> tuple[int, dict[str, Any]]:
        """Decode, validate and commit one posted body, blocking until the commit; the HTTP status
        and JSON answer. (The HTTP layer runs the same steps without blocking a thread per request.)"""
        status, answer, write, size = self.prepare(body)
        if write is None:
            return status, answer
        pending = self.submit(write, size)
        if not isinstance(pending, Pending):
            return pending
        if not pending.done.wait(self.config.commit_timeout):
            return 503, {"error": "the commit is taking too long; retry (a repeat is not stored twice)"}
        return self.outcome(pending, status, answer)

    def query(self, sql: str) -> tuple[int, bytes]:
        limits = self.config.query_limits
        if not self._query_slots.acquire(timeout=limits.timeout):
            return 503, orjson.dumps({"error": f"{QUERY_SLOTS} queries are running; retry shortly"})
        try:
            with self._query_lock:
                cursor = self._query_con.cursor()
                self._queries_running.add(cursor)
            try:
                result = run_query(cursor, sql, limits)
            finally:
                with self._query_lock:
                    self._queries_running.discard(cursor)
                cursor.close()
        except QueryError as error:
            return 400, orjson.dumps({"error": str(error)})
        finally:
            self._query_slots.release()
        return 200, result.to_json()

    def authorize(self, path: str, header: str | None, client: str) -> tuple[int, str] | None:
        """None if the request may go on, else the status and message to refuse it with: `/query`
        takes the read token only, `/` the ingest token (when one is set)."""
        wait = self.logins.blocked(client)
        if wait:
            return 429, self.logins.message(wait)
        token = self.read_token if path == "/query" else self.config.token
        if not token or _bearer_is(header, token):
            if token:
                self.logins.succeeded(client)
            return None
        self.logins.failed(client)
        if path == "/query" and self.config.token and _bearer_is(header, self.config.token):
            return 403, "the ingest token cannot read the store; /query takes the read token"
        return 401, "missing or wrong bearer token"


def _bearer_is(header: str | None, token: str) -> bool:
    return header is not None and hmac.compare_digest(header.encode(), f"Bearer {token}".encode())


def tune_gc() -> None:
    """For a long-running collector process. Each batch allocates a few objects per field of every
    record, and they all die at its commit; the cyclic GC's default threshold (700 allocations)
    would scan them over and over meanwhile, for no garbage (rows hold no cycles). Raising it cuts
    about a fifth of the collector's CPU; freezing moves the startup objects out of every scan."""
    gc.freeze()
    gc.set_threshold(50_000, 20, 50)


def serve_until_signal(collector: Collector) -> None:
    """Serve until SIGTERM or SIGINT (Ctrl-C). The caller then calls `collector.close()`, which finishes
    the requests in flight, so every batch acknowledged is committed and every batch committed in time
    is acknowledged."""
    handlers = {}
    for signum in (signal.SIGTERM, signal.SIGINT):
        handlers[signum] = signal.signal(signum, lambda *_: collector.request_stop())
    try:
        collector.serve_forever()
    finally:
        for signum, handler in handlers.items():
            signal.signal(signum, handler)
