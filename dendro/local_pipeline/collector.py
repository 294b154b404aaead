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

Server: the standard library's ThreadingHTTPServer, chosen on purpose. Each request is one large
batch, so per-request overhead is not what limits throughput (decoding and the DuckDB append are);
a blocking thread per connection maps directly onto "answer only after the commit", waiting on the
writer thread with no event loop to bridge to DuckDB's blocking API; and it adds no dependency.
"""

from __future__ import annotations

import gc
import hashlib
import hmac
import logging
import os
import secrets
import signal
import socket
import threading
import urllib.parse
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
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
from dendro.local_pipeline.query import (
    Limits,
    QueryError,
    Runtime,
    run_query,
    runtime_path,
    write_runtime,
)
from dendro.local_pipeline.store import Store, Write
from dendro.local_pipeline.writer import QueueFullError, Writer, WriterClosedError

log = logging.getLogger("dendro.collector")

DEFAULT_PORT = 8686
# Vector's http sink sends batches of up to 10 MB (batch.max_bytes) before compression.
MAX_BODY_BYTES = 32 * 1024 * 1024
# Batches decoded and waiting for their commit; in memory they weigh three to four times this.
MAX_PENDING_BYTES = 64 * 1024 * 1024
# /query: each query within these limits; a few at once, each on its own cursor, so a runaway query
# holds one slot for at most its timeout and never blocks `SELECT 1` behind it.
QUERY_LIMITS = Limits(timeout=30.0, max_rows=100_000, max_bytes=64 * 1024 * 1024)
QUERY_SLOTS = 4


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
        self.store = Store.open(config.db)
        self.router = Router(self.store.sources)
        self.writer = Writer(self.store, config.max_pending_bytes).start()
        # Queries get a connection of their own, made here because a DuckDB connection is not safe to
        # share with the writer thread; each query runs on a cursor of it, made under the lock.
        self._query_con = self.store.con.cursor()
        self._query_lock = threading.Lock()
        self._query_slots = threading.BoundedSemaphore(QUERY_SLOTS)
        self._state = threading.Condition()
        self._in_flight = 0
        self._closing = False
        self._closed = False
        try:
            self.server = _Server(config.host, config.port, self)
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
        self.server.serve_forever(poll_interval=0.2)

    def request_stop(self) -> None:
        """Stop accepting requests; safe from a signal handler (the wait happens in another thread)."""
        with self._state:
            self._closing = True
        threading.Thread(target=self.server.shutdown, name="dendro-shutdown", daemon=True).start()

    def close(self) -> None:
        """Finish the requests in flight (their batches are committed and acknowledged), commit
        anything still queued, then release the store. Call after serve_forever() has returned."""
        with self._state:
            if self._closed:
                return
            self._closed = True
            self._closing = True
            self._state.wait_for(lambda: self._in_flight == 0, timeout=self.config.commit_timeout + 5)
        self.server.server_close()
        self.writer.close()
        runtime_path(self.store.path).unlink(missing_ok=True)
        self._query_con.close()
        self.store.close()

    def enter(self) -> bool:
        with self._state:
            if self._closing:
                return False
            self._in_flight += 1
            return True

    def leave(self) -> None:
        with self._state:
            self._in_flight -= 1
            self._state.notify_all()

    def ingest(self, body: bytes) -> tuple[int, dict[str, Any]]:
        """Decode, validate and commit one posted body; the HTTP status and JSON answer."""
        try:
            plain = decompress(body, self.config.max_body_bytes)
        except PayloadTooLargeError as error:
            return 413, {"error": f"{error}; lower batch.max_bytes in the Vector http sink"}
        except DecodeError as error:
            return 400, {"error": str(error), "records": 0}
        batch = self.router.ingest(plain)
        counts = batch.counts()
        if not batch.records:
            return 200, counts
        # Such a body is kept in `_rejects` like any other reject, and still answered 400: the sender
        # is misconfigured, and retrying the same bytes would not help.
        not_json = not batch.stored and set(counts["reasons"]) == {"invalid_json"}
        # Vector resends a batch byte for byte, so the body's hash identifies it across retries.
        batch_id = hashlib.blake2b(plain, digest_size=16).hexdigest()
        try:
            pending = self.writer.submit(Write(batch, batch_id), len(plain))
        except QueueFullError as error:
            return 429, {"error": f"{error}; retry shortly"}
        except WriterClosedError as error:
            return 503, {"error": f"{error}; retry shortly"}
        if not pending.done.wait(self.config.commit_timeout):
            return 503, {"error": "the commit is taking too long; retry (a repeat is not stored twice)"}
        if pending.error is not None:
            log.error("commit failed: %s", pending.error)
            return 500, {"error": f"the batch could not be committed ({pending.error}); retry"}
        counts["duplicate"] = not pending.stored
        if not_json:
            return 400, {
                "error": 'no record in the body is JSON; set encoding.codec = "json" in the Vector http sink',
                **counts,
            }
        return 200, counts

    def query(self, sql: str) -> tuple[int, bytes]:
        limits = self.config.query_limits
        if not self._query_slots.acquire(timeout=limits.timeout):
            return 503, orjson.dumps({"error": f"{QUERY_SLOTS} queries are running; retry shortly"})
        try:
            with self._query_lock:
                cursor = self._query_con.cursor()
            try:
                result = run_query(cursor, sql, limits)
            finally:
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


class _Server(ThreadingHTTPServer):
    daemon_threads = True  # idle keep-alive connections must not hold the process at exit
    request_queue_size = 64

    def __init__(self, host: str, port: int, collector: Collector) -> None:
        self.address_family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self.collector = collector
        super().__init__((host, port), _Handler)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as Vector expects
    server: _Server
    timeout = 120  # seconds an idle keep-alive connection is kept

    def _refused(self) -> bool:
        """The shared Host / origin checks, before anything else is read."""
        refusal = self.server.collector.guard.check(self.command, self.headers)
        if refusal is None:
            return False
        self.close_connection = True
        self._answer(refusal.status, {"error": refusal.reason})
        return True

    def do_GET(self) -> None:
        if self._refused():
            return
        if urllib.parse.urlsplit(self.path).path == "/healthz":
            self._answer(200, {"status": "ok"})
        else:
            self._answer(404, {"error": "GET /healthz, or POST events to /"})

    def do_POST(self) -> None:
        collector = self.server.collector
        if self._refused():
            return
        if not collector.enter():
            self.close_connection = True
            self._answer(503, {"error": "the collector is shutting down; retry"}, retry_after=True)
            return
        try:
            self._post(collector)
        finally:
            collector.leave()

    def _post(self, collector: Collector) -> None:
        limit = collector.config.max_body_bytes
        path = urllib.parse.urlsplit(self.path).path
        refused = collector.authorize(path, self.headers.get("Authorization"), self.client_address[0])
        if refused is not None:
            status, message = refused
            self._discard_body(limit)
            self._answer(status, {"error": message}, authenticate=status == 401, retry_after=status == 429)
            return
        if path not in ("/", "/query"):
            self._discard_body(limit)
            self._answer(404, {"error": f"no endpoint {path}; POST events to /"})
            return
        encoding = self.headers.get("Content-Encoding", "identity").strip().lower()
        if encoding not in ("", "identity", "gzip", "x-gzip"):
            self._discard_body(limit)
            message = f'Content-Encoding {encoding!r} is not supported; set compression = "gzip" (or none)'
            self._answer(400, {"error": message})
            return
        body = self._read_body(limit)
        if body is None:
            return
        if path == "/query":
            status, data = collector.query(body.decode("utf-8", errors="replace"))
            self._answer(status, data)
            return
        status, answer = collector.ingest(body)
        if status != 200:
            log.warning("%s %s: %s", self.client_address[0], status, answer.get("error"))
        self._answer(status, answer, retry_after=status in (429, 503))

    def _read_body(self, limit: int) -> bytes | None:
        length = self._content_length()
        if length is None:
            return None
        if length > limit:
            # Read it anyway (up to a point) so that the sender sees the 413 rather than a reset.
            self._discard_body(4 * limit)
            self._answer(
                413,
                {
                    "error": f"body of {length} bytes is over the {limit}-byte limit; lower "
                    "batch.max_bytes in the Vector http sink"
                },
            )
            return None
        body = self.rfile.read(length)
        if len(body) < length:
            self.close_connection = True  # the client went away mid-body
            return None
        return body

    def _content_length(self) -> int | None:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            self.close_connection = True
            self._answer(411, {"error": "send a Content-Length; chunked bodies are not accepted"})
            return None
        try:
            length = int(self.headers.get("Content-Length", ""))
        except ValueError:
            self.close_connection = True
            self._answer(411, {"error": "send a Content-Length header"})
            return None
        return max(length, 0)

    def _discard_body(self, limit: int) -> None:
        """Read and drop an unwanted body so the connection stays usable for the next request; a body
        over `limit` closes the connection instead."""
        try:
            length = int(self.headers.get("Content-Length", "0"))
        except ValueError:
            length = 0
        if length > limit or "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            self.close_connection = True
            return
        while length > 0:
            chunk = self.rfile.read(min(length, 1 << 20))
            if not chunk:
                break
            length -= len(chunk)

    def _answer(
        self,
        status: int,
        payload: dict[str, Any] | bytes,
        *,
        retry_after: bool = False,
        authenticate: bool = False,
    ) -> None:
        body = payload if isinstance(payload, bytes) else orjson.dumps(payload)
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("X-Content-Type-Options", "nosniff")
        if retry_after:
            self.send_header("Retry-After", "1")
        if authenticate:
            self.send_header("WWW-Authenticate", 'Bearer realm="dendro"')
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("%s " + format, self.client_address[0], *args)
