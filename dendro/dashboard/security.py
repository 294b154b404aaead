"""Who may read the dashboard, and what a browser may do with its pages.

On 127.0.0.1 (the default) only this machine can connect, but a web page open in the user's browser
could still reach it: by DNS rebinding (refused by the Host check) or by cross-origin requests and
frames (refused by the Origin / Sec-Fetch-Site check, and by frame-ancestors): both are
dendro.http_guard's, shared with the collector. Any other bind address needs a strong token, checked
on every request (constant-time compare, with a back-off after wrong ones): `Authorization: Bearer
TOKEN` for scripts, or a cookie for browsers, set once by opening `/?token=TOKEN` or through /login.

Every response carries the security headers below: the pages load scripts and styles from this
server only, may not be framed, and send no URL (which may hold `?sql=`) to other sites as a Referer.
"""

from __future__ import annotations

import hmac
import urllib.parse
from typing import Any

import orjson

from dendro.http_guard import (
    FailedLogins,
    InsecureBindError,
    RequestGuard,
    check_token_strength,
    is_loopback,
)

__all__ = ["COOKIE", "Gate", "InsecureBindError", "SECURITY_HEADERS", "check_bind", "cookie_header"]

COOKIE = "dendro_token"
OPEN_PATHS = ("/login", "/static/")  # the login page and its stylesheet
_MISSING_TOKEN = b'{"error": "missing or wrong token; send Authorization: Bearer TOKEN"}'

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
SECURITY_HEADERS: list[tuple[bytes, bytes]] = [
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
    (b"x-frame-options", b"DENY"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),  # not no-referrer: form posts would say Origin: null
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"cross-origin-resource-policy", b"same-origin"),
]


def check_bind(host: str, token: str | None) -> None:
    if not token and not is_loopback(host):
        raise InsecureBindError(
            f"binding the dashboard to {host} would show every log line to anyone who can reach this "
            "machine; set a token with --read-token-file or DENDRO_READ_TOKEN, or bind to 127.0.0.1"
        )
    check_token_strength(token, host, "the read token")


def same_secret(given: str | None, token: str) -> bool:
    return given is not None and hmac.compare_digest(given.encode(), token.encode())


class Gate:
    """ASGI middleware: security headers on every response, then the Host and origin checks, then the
    token check when a token is set."""

    def __init__(self, app: Any, *, token: str | None, guard: RequestGuard, logins: FailedLogins) -> None:
        self.app = app
        self.token = token
        self.guard = guard
        self.logins = logins

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_secured(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message.get("headers", []), *SECURITY_HEADERS]}
            await send(message)

        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        refusal = self.guard.check(scope["method"], headers)
        if refusal is not None:
            await _plain(send_secured, refusal.status, refusal.reason)
            return
        path = scope["path"]
        if self.token is None or path.startswith(OPEN_PATHS):
            await self.app(scope, receive, send_secured)
            return
        client = (scope.get("client") or ("?", 0))[0]
        wait = self.logins.blocked(client)
        if wait:
            body = orjson.dumps({"error": self.logins.message(wait)})
            await _send(send_secured, 429, [(b"content-type", b"application/json"), _retry_after(wait)], body)
            return
        if self._presented(scope, headers):
            self.logins.succeeded(client)
            await self.app(scope, receive, send_secured)
            return
        query = urllib.parse.parse_qs(scope.get("query_string", b"").decode("latin-1"))
        given = query.get("token", [None])[0]
        if scope["method"] == "GET" and same_secret(given, self.token):
            self.logins.succeeded(client)
            # The token came in the URL: keep it in a cookie and drop it from the address bar.
            rest = {k: v for k, v in query.items() if k != "token"}
            target = path + ("?" + urllib.parse.urlencode(rest, doseq=True) if rest else "")
            await _redirect(send_secured, target, cookie=self.token)
            return
        if given is not None or "authorization" in headers or COOKIE in headers.get("cookie", ""):
            self.logins.failed(client)  # a token was presented, and it was wrong
        if path.startswith("/api/") or scope["method"] != "GET":
            await _json(send_secured, 401, _MISSING_TOKEN)
            return
        await _redirect(send_secured, "/login?next=" + urllib.parse.quote(path))

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


def _retry_after(wait: float) -> tuple[bytes, bytes]:
    return b"retry-after", str(max(1, round(wait))).encode()


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
