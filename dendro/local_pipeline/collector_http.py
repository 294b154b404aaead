"""The collector's HTTP layer: an ASGI app, served by uvicorn on a socket bound in advance.

Why not a thread per connection: a thread blocked on a slow sender, an idle keep-alive or a commit is a
thread, and a thousand senders made a thousand threads. Here connections live on one event loop;
the CPU work of a body (gunzip, decode, route) runs on the collector's small decode pool, commits on
its writer threads, and the request waits for its commit as a future, not as a thread. asyncio sets
TCP_NODELAY on every connection of a socket made with IPPROTO_TCP (the listening socket is), so a
reply never waits for the sender's delayed ACK (40 ms per batch otherwise).

Order of the checks, cheapest first, all before the body is read: Host/Origin (dendro.http_guard),
token (with back-off after wrong ones), path, encoding, length, then admission (429 when the bytes
admitted and not yet committed would pass the budget). uvicorn drains and drops the body of a
request answered early, so the connection stays usable.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections.abc import Awaitable, Callable, Iterator, MutableMapping
from typing import TYPE_CHECKING, Any

import orjson
import uvicorn

from dendro.ingest_lambda.decode import GZIP_MAGIC
from dendro.listening_socket import listening_socket
from dendro.local_pipeline.writer import Pending

if TYPE_CHECKING:
    from dendro.local_pipeline.collector import Collector

log = logging.getLogger("dendro.collector")

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

# A body over the limit but under this many times it is read and dropped, so that the sender sees the
# 413 rather than a reset connection; a larger one closes the connection.
DRAIN_FACTOR = 4
# Seconds an idle keep-alive connection is kept (Vector's pool keeps them up to 90 s; reconnecting
# after this is cheap, and an idle connection costs no thread here).
KEEP_ALIVE = 60


class CollectorServer(uvicorn.Server):
    """uvicorn serving the collector's app; `serve_forever()` in one thread, `request_stop()` from any."""

    def __init__(self, collector: Collector) -> None:
        config = collector.config
        self.collector = collector
        self.socket = listening_socket(config.host, config.port)
        self.server_address: tuple[str, int] = self.socket.getsockname()[:2]
        self.app = CollectorApp(collector)
        super().__init__(
            uvicorn.Config(
                self.app,
                access_log=False,
                log_level="warning",
                lifespan="off",
                http="h11",
                server_header=False,
                timeout_keep_alive=KEEP_ALIVE,
                timeout_graceful_shutdown=max(1, round(config.shutdown_timeout)),
                limit_concurrency=config.max_connections,
            )
        )
        self._stop_requested = threading.Event()

    def serve_forever(self) -> None:
        if not self._stop_requested.is_set():
            asyncio.run(self._serve_here())

    async def _serve_here(self) -> None:
        self.app.bind_loop(asyncio.get_running_loop())
        if self._stop_requested.is_set():
            self.app.stop_reading()
        await self.serve(sockets=[self.socket])

    def request_stop(self) -> None:
        self._stop_requested.set()
        self.should_exit = True
        self.app.stop_reading_threadsafe()

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        """Signals stay with whoever runs the collector (serve_until_signal), not with uvicorn."""
        yield

    def close(self) -> None:
        self.socket.close()


class CollectorApp:
    """POST / (events), POST /query (read-only SQL), GET /healthz."""

    def __init__(self, collector: Collector) -> None:
        self.collector = collector
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stopping: asyncio.Event | None = None

    def bind_loop(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self._stopping = asyncio.Event()

    def stop_reading(self) -> None:
        """Refuse every body still arriving (in the loop's thread)."""
        if self._stopping is not None:
            self._stopping.set()

    def stop_reading_threadsafe(self) -> None:
        loop = self._loop
        if loop is not None:
            with contextlib.suppress(RuntimeError):  # the loop has already finished
                loop.call_soon_threadsafe(self.stop_reading)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
        reply = _Reply(send)
        method, path = scope["method"], scope["path"]
        refusal = self.collector.guard.check(method, headers)  # Host and origin, before anything else
        if refusal is not None:
            await reply(refusal.status, {"error": refusal.reason}, close=True)
            return
        if method == "GET":
            if path == "/healthz":
                await reply(200, {"status": "ok"})
            else:
                await reply(404, {"error": "GET /healthz, or POST events to /"})
            return
        if method != "POST":
            await reply(405, {"error": f"{method} is not supported; POST events to /"}, allow="GET, POST")
            return
        await self._post(scope, headers, path, receive, reply)

    async def _post(
        self, scope: Scope, headers: dict[str, str], path: str, receive: Receive, reply: _Reply
    ) -> None:
        collector = self.collector
        config = collector.config
        if self._stopping is not None and self._stopping.is_set():
            await reply(503, {"error": "the collector is shutting down; retry"}, retry_after=True, close=True)
            return
        client = (scope.get("client") or ("?", 0))[0]
        refused = collector.authorize(path, headers.get("authorization"), client)
        if refused is not None:
            status, message = refused
            await reply(status, {"error": message}, authenticate=status == 401, retry_after=status == 429)
            return
        if path not in ("/", "/query"):
            await reply(404, {"error": f"no endpoint {path}; POST events to /"})
            return
        encoding = headers.get("content-encoding", "identity").strip().lower()
        if encoding not in ("", "identity", "gzip", "x-gzip"):
            message = f'Content-Encoding {encoding!r} is not supported; set compression = "gzip" (or none)'
            await reply(400, {"error": message})
            return
        if "chunked" in headers.get("transfer-encoding", "").lower():
            await reply(411, {"error": "send a Content-Length; chunked bodies are not accepted"}, close=True)
            return
        try:
            length = max(int(headers.get("content-length", "")), 0)
        except ValueError:
            await reply(411, {"error": "send a Content-Length header"}, close=True)
            return
        limit = config.max_body_bytes
        if length > limit:
            message = f"body of {length} bytes is over the {limit}-byte limit; lower batch.max_bytes in the "
            await reply(413, {"error": message + "Vector http sink"}, close=length > DRAIN_FACTOR * limit)
            return
        if path == "/query":
            body = await self._read_body(receive, length, reply)
            if body is not None:
                status, data = await asyncio.get_running_loop().run_in_executor(
                    collector.queries, collector.query, body.decode("utf-8", errors="replace")
                )
                await reply(status, data)
            return
        gzipped = encoding not in ("", "identity")
        reserved = collector.admit(length, gzipped=gzipped)
        if reserved is None:
            await reply(429, _busy(collector), retry_after=True)
            return
        try:
            status, answer, reserved = await self._ingest(receive, length, reserved, gzipped, reply)
        finally:
            collector.release(reserved)
        if status == 0:
            return  # already answered
        if status != 200:
            log.warning("%s %s: %s", client, status, answer.get("error"))
        await reply(status, answer, retry_after=status in (429, 503))

    async def _ingest(
        self, receive: Receive, length: int, reserved: int, gzipped: bool, reply: _Reply
    ) -> tuple[int, dict[str, Any], int]:
        """Read, decode and commit one body; (status, answer, bytes still reserved). Status 0: the
        request was answered already."""
        collector = self.collector
        body = await self._read_body(receive, length, reply)
        if body is None:
            return 0, {}, reserved
        if not gzipped and body[:2] == GZIP_MAGIC:
            weight = collector.admit_gzip(reserved, length)
            if weight is None:
                return 429, _busy(collector), 0
            reserved = weight
        loop = asyncio.get_running_loop()
        status, answer, write, size = await loop.run_in_executor(collector.decoders, collector.prepare, body)
        del body
        reserved = collector.reweigh(reserved, length, size) if size else reserved
        if write is None:
            return status, answer, reserved
        committed: asyncio.Future[None] = loop.create_future()

        def done() -> None:  # on a writer thread
            with contextlib.suppress(RuntimeError):  # the loop is gone: nobody is waiting
                loop.call_soon_threadsafe(_resolve, committed)

        pending = collector.submit(write, size, done)
        del write
        if not isinstance(pending, Pending):
            return *pending, reserved
        try:
            await asyncio.wait_for(asyncio.shield(committed), collector.config.commit_timeout)
        except TimeoutError:
            return (
                503,
                {"error": "the commit is taking too long; retry (a repeat is not stored twice)"},
                reserved,
            )
        status, answer = collector.outcome(pending, status, answer)
        return status, answer, reserved

    async def _read_body(self, receive: Receive, length: int, reply: _Reply) -> bytes | None:
        """The whole body, or None once answered: 408 when it stops arriving for `body_timeout`, 503
        when the collector is stopping, nothing when the sender went away."""
        config = self.collector.config
        stopping = self._stopping
        stop = asyncio.ensure_future(stopping.wait()) if stopping is not None else None
        parts: list[bytes] = []
        size = 0
        try:
            while True:
                get = asyncio.ensure_future(receive())
                waiting = {get} if stop is None else {get, stop}
                done, _ = await asyncio.wait(
                    waiting, timeout=config.body_timeout, return_when=asyncio.FIRST_COMPLETED
                )
                if get not in done:
                    get.cancel()
                    if stop is not None and stop in done:
                        await reply(
                            503,
                            {"error": "the collector is shutting down; retry"},
                            retry_after=True,
                            close=True,
                        )
                    else:
                        message = f"no part of the body arrived for {config.body_timeout:g} s; send it again"
                        await reply(408, {"error": message}, close=True)
                    return None
                message = get.result()
                if message["type"] == "http.disconnect":
                    return None
                chunk = message.get("body", b"")
                if chunk:
                    parts.append(chunk)
                    size += len(chunk)
                if not message.get("more_body", False):
                    break
        finally:
            if stop is not None:
                stop.cancel()
        if size < length:
            return None  # the sender went away mid-body
        return parts[0] if len(parts) == 1 else b"".join(parts)


def _resolve(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)


class _Reply:
    """Sends one JSON answer (the collector's only kind). Header names keep the usual casing (h11
    sends them as given), for clients that compare them case-sensitively."""

    def __init__(self, send: Send) -> None:
        self.send = send

    async def __call__(
        self,
        status: int,
        payload: dict[str, Any] | bytes,
        *,
        retry_after: bool = False,
        authenticate: bool = False,
        close: bool = False,
        allow: str | None = None,
    ) -> None:
        body = payload if isinstance(payload, bytes) else orjson.dumps(payload)
        headers = [
            (b"Content-Type", b"application/json"),
            (b"Content-Length", str(len(body)).encode()),
            (b"X-Content-Type-Options", b"nosniff"),
        ]
        if retry_after:
            headers.append((b"Retry-After", b"1"))
        if authenticate:
            headers.append((b"WWW-Authenticate", b'Bearer realm="dendro"'))
        if allow:
            headers.append((b"Allow", allow.encode()))
        if close:
            headers.append((b"Connection", b"close"))
        await self.send({"type": "http.response.start", "status": status, "headers": headers})
        await self.send({"type": "http.response.body", "body": body})


def _busy(collector: Collector) -> dict[str, Any]:
    """The 429 answer when admitting a body would queue more bytes than the collector holds."""
    return {"error": f"{collector.admitted_bytes} bytes are waiting to be committed; retry shortly"}
