"""The Logs page and its API: `/logs`, `/api/logs`, `/api/logs/histogram`, `/api/logs/context` and
the live tail `/api/tail` (Server-Sent Events). Thin: parse the request, call lines.py, serialize.

The tail is the same stream for every store. On the local store each step reads the rows committed
since the last (rowid order; lines.Mark finds its place again when a checkpoint renumbers rows),
every LOCAL_POLL seconds. The AWS stores have no commit order to follow and bill per query, so there
the step asks for lines newer than the newest shown, every CLOUD_POLL seconds, and the page states
the delay: lines reach those stores only after Firehose's buffering.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from dataclasses import replace
from typing import Any

import orjson
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response, StreamingResponse

from dendro.dashboard import lines, logs, overview, timerange
from dendro.dashboard.backends import Backend, QueryError
from dendro.dashboard.logs import Cursor, LogFilter, LogFilterError
from dendro.dashboard.routes import _distinct, _page
from dendro.local_pipeline.query import json_default

LOCAL_POLL = 0.5  # seconds between tail steps on the local store: a line shows within about a second
CLOUD_POLL = 10.0
CLOUD_DELAY = "lines reach the AWS stores after Firehose buffers them (60 s to 15 min); polled every 10 s"
TAIL_SECONDS = 30 * 60  # a tail stream ends after this; the page reconnects (EventSource does it itself)
KEEPALIVE = 15.0
TAIL_LIMIT = 200  # lines per step at most; the page keeps the newest TAIL_KEEP (logs.js)


def _backend(request: Request) -> Backend:
    return request.app.state.backend  # type: ignore[no-any-return]


def _json(data: Any, status: int = 200) -> Response:
    return Response(orjson.dumps(data, default=json_default), status, media_type="application/json")


def _values(request: Request, name: str) -> tuple[str, ...]:
    """Repeated (`host=a&host=b`) or comma-separated (`host=a,b`) values, blanks dropped."""
    found: list[str] = []
    for value in request.query_params.getlist(name):
        found.extend(v.strip() for v in value.split(",") if v.strip())
    return tuple(found)


def log_filter(request: Request, *, limit: int = logs.DEFAULT_LIMIT) -> LogFilter:
    params = request.query_params
    try:
        limit = int(params.get("limit") or limit)
    except ValueError:
        raise LogFilterError(f"limit {params.get('limit')!r} is not a number") from None
    return LogFilter(
        window=timerange.window_from(params),
        sources=_values(request, "source"),
        hosts=_values(request, "host"),
        services=_values(request, "service"),
        levels=_values(request, "level"),
        status_classes=_values(request, "status"),
        text=params.get("q", ""),
        regex=params.get("regex", "") in ("1", "true", "on"),
        limit=limit,
    )


def _tables(backend: Backend) -> list[str]:
    return logs.log_tables(overview.catalog_tables(backend))


def logs_page(request: Request) -> HTMLResponse:
    backend = _backend(request)
    tables = _tables(backend)
    params = request.query_params
    return _page(
        request,
        "logs.html",
        sources=tables,
        hosts=_distinct(backend, tables, "host"),
        services=_distinct(backend, [t for t in tables if logs.SOURCES[t].field("service")], "service"),
        presets=timerange.PRESETS,
        range=params.get("range", timerange.DEFAULT_RANGE),
        start=params.get("from", ""),
        end=params.get("to", ""),
        params=params,
        live_mode="push" if backend.dialect.tail_in_commit_order else "poll",
        live_note="" if backend.dialect.tail_in_commit_order else CLOUD_DELAY,
        empty=not tables,
    )


def api_logs(request: Request) -> Response:
    backend = _backend(request)
    try:
        f = log_filter(request)
        cursor = Cursor.decode(request.query_params["cursor"]) if request.query_params.get("cursor") else None
        started = time.perf_counter()
        found = lines.page(backend, f, _tables(backend), cursor)
    except (LogFilterError, timerange.RangeError) as error:
        return _json({"error": str(error)}, 400)
    except QueryError as error:
        return _json({"error": str(error)}, 400 if f.regex else 502)
    return _json(
        {
            "lines": found.lines,
            "next": found.next,
            "notes": found.notes,
            "elapsed_ms": round((time.perf_counter() - started) * 1000, 1),
            "sql": found.sql,
        }
    )


def api_logs_histogram(request: Request) -> Response:
    from dendro.dashboard.series import by_group

    backend = _backend(request)
    try:
        f = log_filter(request)
        rows = lines.histogram_rows(backend, f, _tables(backend))
    except (LogFilterError, timerange.RangeError) as error:
        return _json({"error": str(error)}, 400)
    except QueryError as error:
        return _json({"error": str(error)}, 502)
    data = by_group(rows, f.window, fill=0, unit="lines")
    return _json(
        {
            **data.to_json(),
            "bucket": f.window.bucket,
            "bucket_label": timerange.describe_bucket(f.window.bucket),
            "partial_from": f.window.partial_from,
        }
    )


def api_logs_context(request: Request) -> Response:
    params = request.query_params
    try:
        n = int(params.get("n") or 10)
        found = lines.context(_backend(request), params.get("id", ""), params.get("host", ""), n)
    except (LogFilterError, ValueError) as error:
        return _json({"error": str(error)}, 400)
    except QueryError as error:
        return _json({"error": str(error)}, 502)
    return _json(found)


def _event(kind: str, data: Any) -> bytes:
    return f"event: {kind}\ndata: ".encode() + orjson.dumps(data, default=json_default) + b"\n\n"


async def api_tail(request: Request) -> Response:
    backend = _backend(request)
    try:
        f = log_filter(request, limit=TAIL_LIMIT)
    except (LogFilterError, timerange.RangeError) as error:
        return _json({"error": str(error)}, 400)
    if not backend.dialect.tail_in_commit_order:
        # Polled by event time: the window must reach past the end of the stream.
        now = int(time.time())
        f = replace(f, window=timerange.Window.between(now - 3600, now + TAIL_SECONDS + 3600))
    f = replace(f, limit=min(f.limit, TAIL_LIMIT))
    tables = _tables(backend)
    push = backend.dialect.tail_in_commit_order
    stopping = request.app.state.stopping

    async def stream() -> AsyncIterator[bytes]:
        mode = {"mode": "push" if push else "poll", "every_s": LOCAL_POLL if push else CLOUD_POLL}
        yield _event("info", {**mode, "note": "" if push else CLOUD_DELAY})
        marks = await run_in_threadpool(lines.tail_marks, backend, tables) if push else {}
        after = None if push else await run_in_threadpool(lines.newest, backend, f, tables)
        ends = time.monotonic() + TAIL_SECONDS
        quiet_since = time.monotonic()
        while time.monotonic() < ends and not stopping.is_set():
            await asyncio.sleep(LOCAL_POLL if push else CLOUD_POLL)
            try:
                if push:
                    new = await run_in_threadpool(lines.tail_step, backend, f, tables, marks)
                else:
                    new, after = await run_in_threadpool(lines.poll_step, backend, f, tables, after)
            except QueryError as error:
                yield _event("problem", {"error": str(error)})
                continue
            for line in new:
                yield _event("line", line)
            if new:
                quiet_since = time.monotonic()
            elif time.monotonic() - quiet_since > KEEPALIVE:
                yield b": keepalive\n\n"  # proxies close idle streams
                quiet_since = time.monotonic()

    headers = {"Cache-Control": "no-store", "X-Accel-Buffering": "no"}
    return StreamingResponse(stream(), media_type="text/event-stream", headers=headers)
