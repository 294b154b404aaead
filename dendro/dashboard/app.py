"""The dashboard's ASGI app: three pages (home, charts, query), their JSON API, and static files
served from the package itself (no CDN: the screen must work during an outage of the internet too)."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from importlib import resources

from jinja2 import Environment, PackageLoader, select_autoescape
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates

from dendro.dashboard import log_routes, routes
from dendro.dashboard.backends import Backend
from dendro.dashboard.security import Gate
from dendro.http_guard import FailedLogins, RequestGuard


def _format_ms(value: int | None) -> str:
    if value is None:
        return "never"
    return datetime.fromtimestamp(value / 1000, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def _templates() -> Jinja2Templates:
    env = Environment(loader=PackageLoader("dendro.dashboard", "templates"), autoescape=select_autoescape())
    env.filters["utc"] = _format_ms
    return Jinja2Templates(env=env)


def create_app(backend: Backend, *, token: str | None = None, bind_host: str = "127.0.0.1") -> Starlette:
    """`bind_host`: where the server listens (on loopback, Host headers are checked); `token`: required
    from every client when set (always, off loopback: see security.check_bind)."""
    static = resources.files("dendro.dashboard") / "static"
    logins = FailedLogins()  # shared by the token check and the /login form
    app = Starlette(
        routes=[
            Route("/", routes.home),
            Route("/partials/home", routes.home_partial),
            Route("/charts", routes.charts_page),
            Route("/logs", log_routes.logs_page),
            Route("/query", routes.query_page),
            Route("/alerts", routes.alerts_page),
            Route("/login", routes.login_page, methods=["GET"]),
            Route("/login", routes.login, methods=["POST"]),
            Route("/logout", routes.logout),
            Route("/healthz", routes.healthz),
            Route("/api/overview", routes.api_overview),
            Route("/api/alerts", routes.api_alerts),
            Route("/api/charts", routes.api_charts),
            Route("/api/charts/{chart}", routes.api_chart),
            Route("/api/logs", log_routes.api_logs),
            Route("/api/logs/histogram", log_routes.api_logs_histogram),
            Route("/api/logs/context", log_routes.api_logs_context),
            Route("/api/tail", log_routes.api_tail),
            Route("/api/query", routes.api_query, methods=["POST"]),
            Route("/api/export", routes.api_export, methods=["POST"]),
            Mount("/static", StaticFiles(directory=str(static)), name="static"),
        ],
        middleware=[Middleware(Gate, token=token, guard=RequestGuard.for_bind(bind_host), logins=logins)],
    )
    app.state.backend = backend
    app.state.token = token
    app.state.logins = logins
    app.state.templates = _templates()
    app.state.stopping = threading.Event()  # set when the server stops: live tails end their streams
    return app
