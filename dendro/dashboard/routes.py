"""The routes: each parses its request, calls one plain function, and renders or serializes the result.

Endpoints are plain (sync) functions: Starlette runs them in its thread pool, where the blocking
DuckDB and boto3 calls belong.
"""

from __future__ import annotations

import time
import urllib.parse
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response, StreamingResponse

from dendro.dashboard import examples, overview, panels, queries, tableinfo, timerange
from dendro.dashboard.backends import Backend, QueryError
from dendro.dashboard.export import FORMATS, ExportFormatError, check_format
from dendro.dashboard.export import stream as stream_export
from dendro.dashboard.security import COOKIE, cookie_header, same_secret
from dendro.local_pipeline.query import FetchedRows, Limits, json_default

UI_MAX_ROWS = 10_000  # rows the Query page shows (and at most 32 MB of them); the export takes more:
EXPORT_LIMITS = Limits(timeout=300.0, max_rows=1_000_000, max_bytes=1024 * 1024 * 1024)
FILTER_LOOKBACK = 86400  # hosts and services offered in the filters: those seen in the last day


def _backend(request: Request) -> Backend:
    return request.app.state.backend  # type: ignore[no-any-return]


def _json(data: Any, status: int = 200) -> Response:
    return Response(orjson.dumps(data, default=json_default), status, media_type="application/json")


def _error(message: str, status: int = 400) -> Response:
    return _json({"error": message}, status)


REFRESH_CHOICES = (("0", "off"), ("10", "10 s"), ("30", "30 s"), ("60", "1 min"), ("300", "5 min"))


def min_refresh(backend: Backend) -> int:
    """Seconds between refreshes the store is worth: Athena bills every query (10 MB at least) and
    its tables change once per Firehose commit, so refreshing faster only costs money."""
    return int(getattr(backend, "min_refresh_seconds", 0))


def refresh_choices(backend: Backend) -> list[tuple[str, str]]:
    floor = min_refresh(backend)
    return [(value, text) for value, text in REFRESH_CHOICES if value == "0" or int(value) >= floor]


def _refresh(backend: Backend, asked: str) -> str:
    if asked == "0":
        return asked
    seconds = int(asked) if asked.isdigit() else 30
    return str(max(seconds, min_refresh(backend)))


def _page(request: Request, template: str, **context: Any) -> HTMLResponse:
    templates = request.app.state.templates
    backend = _backend(request)
    context = {
        "backend_label": backend.label,
        "store": backend.store,
        "page": template,
        "home_refresh": max(15, min_refresh(backend)),
        **context,
    }
    return templates.TemplateResponse(request, template, context)  # type: ignore[no-any-return]


# --- pages ---


def home(request: Request) -> HTMLResponse:
    return _page(request, "home.html", overview=overview.build_overview(_backend(request)))


def home_partial(request: Request) -> HTMLResponse:
    """The home page's body alone: the page swaps it in every few seconds."""
    return _page(request, "_home_body.html", overview=overview.build_overview(_backend(request)))


def charts_page(request: Request) -> HTMLResponse:
    backend = _backend(request)
    params = request.query_params
    range_text = params.get("range", timerange.DEFAULT_RANGE)
    start, end = params.get("from", ""), params.get("to", "")
    try:
        timerange.window_from(params)
    except timerange.RangeError:
        range_text, start, end = timerange.DEFAULT_RANGE, "", ""  # a bad URL shows the default range
    tables = overview.catalog_tables(backend)
    charts = panels.available(tables)
    return _page(
        request,
        "charts.html",
        charts=charts,
        sections=_sections(charts),
        hosts=_distinct(backend, tables, "host"),
        services=_distinct(backend, panels.red_tables(tables), "service"),
        presets=timerange.PRESETS,
        range=range_text,
        start=start,
        end=end,
        group=params.get("group", "service") if params.get("group") in queries.GROUPS else "service",
        host=params.get("host", ""),
        service=params.get("service", ""),
        refresh=_refresh(backend, params.get("refresh", "30")),
        refresh_choices=refresh_choices(backend),
        empty=not tables,
    )


def _sections(charts: list[panels.Chart]) -> list[tuple[str, list[panels.Chart]]]:
    sections: dict[str, list[panels.Chart]] = {}
    for chart in charts:
        sections.setdefault(panels.section_of(chart), []).append(chart)
    return list(sections.items())


def _distinct(backend: Backend, tables: list[str], column: str) -> list[str]:
    if not tables:
        return []
    try:
        result = backend.query(queries.distinct_values(backend.dialect, tables, column, FILTER_LOOKBACK))
    except QueryError:
        return []
    return [str(row[0]) for row in result.rows]


def query_page(request: Request) -> HTMLResponse:
    backend = _backend(request)
    schema = tableinfo.tables(backend)
    # Examples only for tables with rows: an example that answers nothing teaches nothing.
    found = examples.examples(backend.dialect, tableinfo.with_rows(schema))
    sql = request.query_params.get("sql") or (found[0].sql if found else "SELECT 1")
    names = sorted({t.name for t in schema} | {c for t in schema for c, _ in t.columns})
    return _page(
        request, "query.html", examples=found, sql=sql, schema=schema, names=names, max_rows=UI_MAX_ROWS
    )


def _alerts_view(request: Request) -> Any:
    """The running evaluator's view (dendro local up), or None where nothing evaluates rules."""
    snapshot = getattr(request.app.state, "alerts", None)
    if snapshot is None:
        return None
    from dendro.dashboard.alerts_view import build_view

    return build_view(snapshot())


def alerts_page(request: Request) -> HTMLResponse:
    return _page(request, "alerts.html", view=_alerts_view(request))


def api_alerts(request: Request) -> Response:
    view = _alerts_view(request)
    if view is None:
        return _error("no alert evaluation runs here; `dendro local up` evaluates the rules", 404)
    return _json(view.to_json())


def login_page(request: Request) -> HTMLResponse:
    return _page(request, "login.html", next=request.query_params.get("next", "/"), failed=False)


async def _form(request: Request) -> dict[str, str]:
    """An urlencoded form body (the only kind these pages post; no multipart parser needed)."""
    body = (await request.body()).decode("utf-8", errors="replace")
    return {k: v[-1] for k, v in urllib.parse.parse_qs(body, keep_blank_values=True).items()}


async def login(request: Request) -> Response:
    form = await _form(request)
    token = request.app.state.token
    logins = request.app.state.logins
    client = request.client.host if request.client else "?"
    given = str(form.get("token", ""))
    target = str(form.get("next", "/"))
    if not target.startswith("/") or target.startswith("//"):
        target = "/"  # only paths of this site: no redirect elsewhere
    wait = logins.blocked(client)
    if wait:
        return _error(logins.message(wait), 429)
    if token is None or not same_secret(given, token):
        logins.failed(client)
        response = _page(request, "login.html", next=target, failed=True)
        response.status_code = 401
        return response
    logins.succeeded(client)
    response = RedirectResponse(target, status_code=303)
    name, value = cookie_header(token)
    response.raw_headers.append((name, value))
    return response


def logout(request: Request) -> Response:
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(COOKIE)
    return response


# --- JSON API ---


def api_overview(request: Request) -> Response:
    return _json(overview.build_overview(_backend(request)).to_json())


def api_charts(request: Request) -> Response:
    """The charts this store can draw, for scripts and the page."""
    tables = overview.catalog_tables(_backend(request))
    return _json(
        {
            "charts": [
                {
                    "id": c.id,
                    "panel": c.panel,
                    "title": c.title,
                    "help": c.help,
                    "tables": panels.panel_tables(c.panel, tables),
                }
                for c in panels.available(tables)
            ],
            "ranges": timerange.PRESETS,
            "groups": queries.GROUPS,
        }
    )


def api_chart(request: Request) -> Response:
    backend = _backend(request)
    chart = panels.CHARTS_BY_ID.get(request.path_params["chart"])
    if chart is None:
        return _error(f"no chart {request.path_params['chart']!r}; GET /api/charts lists them", 404)
    params = request.query_params
    try:
        scope = queries.Scope(
            window=timerange.window_from(params),
            hosts=tuple(h for h in params.getlist("host") if h),
            services=tuple(s for s in params.getlist("service") if s) if chart.service_filter else (),
            group=params.get("group", "service") if chart.grouped else "host",
        )
    except ValueError as error:
        return _error(str(error))
    tables = panels.panel_tables(chart.panel, overview.catalog_tables(backend))
    if not tables:
        return _error(f"this store has no table for the {chart.panel} panel", 404)
    sql = chart.query(backend.dialect, scope, tables)
    started = time.perf_counter()
    try:
        result = backend.query(sql)
    except QueryError as error:
        return _json({"error": str(error), "sql": sql}, 502)
    data = chart.shape(result.rows, scope.window)
    return _json(
        {
            "id": chart.id,
            "title": chart.title,
            "bucket": scope.window.bucket,
            "bucket_label": timerange.describe_bucket(scope.window.bucket),
            "partial_from": scope.window.partial_from,
            "latest": None if result.rows else _latest(backend, tables),
            "elapsed_ms": round((time.perf_counter() - started) * 1000, 1),
            "sql": sql,
            **data.to_json(),
        }
    )


def _latest(backend: Backend, tables: list[str]) -> int | None:
    """The newest event time (epoch s) in `tables`, so an empty range can offer "jump to the latest"."""
    try:
        result = backend.query(queries.latest(backend.dialect, tables))
    except QueryError:
        return None
    value = result.rows[0][0] if result.rows else None
    return int(value) // 1000 if value is not None else None


async def _sql_from(request: Request) -> str:
    """The SQL of a JSON body {"sql": ...} or of a form field `sql`. A body that starts with `{` is
    JSON whatever its Content-Type says: `curl -d '{"sql": ...}'` sends it as a form."""
    raw = await request.body()
    if request.headers.get("content-type", "").startswith("application/json") or raw.lstrip()[:1] == b"{":
        try:
            body = orjson.loads(raw)
        except orjson.JSONDecodeError:
            raise QueryError('the body is not JSON; send {"sql": "SELECT ..."}') from None
        sql = body.get("sql") if isinstance(body, dict) else None
    else:
        sql = (await _form(request)).get("sql")
    if not isinstance(sql, str) or not sql.strip():
        raise QueryError('no SQL given; send {"sql": "SELECT ..."}')
    return sql


async def api_query(request: Request) -> Response:
    from starlette.concurrency import run_in_threadpool

    try:
        sql = await _sql_from(request)
        started = time.perf_counter()
        result = await run_in_threadpool(_backend(request).query, sql, UI_MAX_ROWS)
    except QueryError as error:
        return _error(str(error))
    return _json(
        {
            "columns": result.columns,
            "rows": result.rows,
            "truncated": result.truncated,
            "note": result.note,
            "elapsed_ms": round((time.perf_counter() - started) * 1000, 1),
        }
    )


async def api_export(request: Request) -> Response:
    from starlette.concurrency import run_in_threadpool

    kind = request.query_params.get("format", "csv")
    backend = _backend(request)
    try:
        check_format(kind)
        sql = await _sql_from(request)
        opener = getattr(backend, "stream", None)  # the local store streams; the cloud stores cannot
        if opener is not None:
            result = await run_in_threadpool(opener, sql, EXPORT_LIMITS)
        else:
            result = FetchedRows(await run_in_threadpool(backend.query, sql, EXPORT_LIMITS.max_rows))
    except (QueryError, ExportFormatError) as error:
        return _error(str(error))
    stamp = time.strftime("%Y%m%d-%H%M%S", time.gmtime())
    headers = {"Content-Disposition": f'attachment; filename="dendro-{stamp}.{kind}"'}
    return StreamingResponse(stream_export(result, kind), media_type=FORMATS[kind], headers=headers)


def healthz(request: Request) -> Response:
    return _json({"status": "ok"})
