"""Who may read the dashboard.

On 127.0.0.1 (the default) only this machine can connect, but a web page open in the user's browser
could still reach it by DNS rebinding (a name of the attacker's that resolves to 127.0.0.1): requests
whose Host header is not a loopback name are refused. Any other bind address needs a token, checked
on every request (constant-time compare): `Authorization: Bearer TOKEN` for scripts, or a cookie for
browsers, set once by opening `/?token=TOKEN` or through the /login form.
"""

from __future__ import annotations

import hmac
import urllib.parse
from typing import Any

from dendro.local_pipeline.collector import is_loopback

COOKIE = "dendro_token"
LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "[::1]", "::1"})
OPEN_PATHS = ("/login", "/static/")  # the login page and its stylesheet


class InsecureBindError(ValueError):
    pass


def check_bind(host: str, token: str | None) -> None:
    if not token and not is_loopback(host):
        raise InsecureBindError(
            f"binding the dashboard to {host} would show every log line to anyone who can reach this "
            "machine; set a token with --token (or DENDRO_DASHBOARD_TOKEN), or bind to 127.0.0.1"
        )


def same_secret(given: str | None, token: str) -> bool:
    return given is not None and hmac.compare_digest(given.encode(), token.encode())


def host_name(header: str) -> str:
    """'127.0.0.1:3000' -> '127.0.0.1', '[::1]:3000' -> '[::1]'."""
    if header.startswith("["):
        return header.split("]", 1)[0] + "]"
    return header.rsplit(":", 1)[0] if header.count(":") == 1 else header


class Gate:
    """ASGI middleware: the Host check on loopback, the token check when a token is set."""

    def __init__(self, app: Any, *, token: str | None, loopback: bool) -> None:
        self.app = app
        self.token = token
        self.loopback = loopback

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        if self.loopback and host_name(headers.get("host", "")).lower() not in LOOPBACK_NAMES:
            await _plain(send, 421, "this dashboard answers only to localhost / 127.0.0.1")
            return
        path = scope["path"]
        if self.token is None or path.startswith(OPEN_PATHS) or self._presented(scope, headers):
            await self.app(scope, receive, send)
            return
        query = urllib.parse.parse_qs(scope.get("query_string", b"").decode("latin-1"))
        given = query.get("token", [None])[0]
        if scope["method"] == "GET" and same_secret(given, self.token):
            # The token came in the URL: keep it in a cookie and drop it from the address bar.
            rest = {k: v for k, v in query.items() if k != "token"}
            target = path + ("?" + urllib.parse.urlencode(rest, doseq=True) if rest else "")
            await _redirect(send, target, cookie=self.token)
            return
        if path.startswith("/api/") or scope["method"] != "GET":
            await _json(send, 401, b'{"error": "missing or wrong token; send Authorization: Bearer TOKEN"}')
            return
        await _redirect(send, "/login?next=" + urllib.parse.quote(path))

    def _presented(self, scope: dict[str, Any], headers: dict[str, str]) -> bool:
        assert self.token is not None
        auth = headers.get("authorization", "")
        if auth.startswith("Bearer ") and same_secret(auth[7:], self.token):
            return True
        for part in headers.get("cookie", "").split(";"):
            name, _, value = part.strip().partition("=")
            if name == COOKIE and same_secret(urllib.parse.unquote(value), self.token):
                return True
        return False


def cookie_header(token: str) -> tuple[bytes, bytes]:
    value = urllib.parse.quote(token, safe="")
    return b"set-cookie", f"{COOKIE}={value}; Path=/; HttpOnly; SameSite=Strict".encode()


async def _send(send: Any, status: int, headers: list[tuple[bytes, bytes]], body: bytes) -> None:
    headers = [*headers, (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


async def _plain(send: Any, status: int, text: str) -> None:
    await _send(send, status, [(b"content-type", b"text/plain; charset=utf-8")], text.encode())


async def _json(send: Any, status: int, body: bytes) -> None:
    await _send(send, status, [(b"content-type", b"application/json")], body)


async def _redirect(send: Any, location: str, cookie: str | None = None) -> None:
    headers = [(b"location", location.encode())]
    if cookie is not None:
        headers.append(cookie_header(cookie))
    await _send(send, 303, headers, b"")
