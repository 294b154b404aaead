"""Who may talk to Dendro's HTTP servers (the collector and the dashboard): one set of pure checks
that both call before they read a body.

A server on 127.0.0.1 is still reachable from every web page open in the user's browser:
- by DNS rebinding, a name of the attacker's re-resolved to 127.0.0.1, so the browser believes the
  page and the server share an origin. Its requests carry the attacker's name in `Host`: a loopback
  server answers only to loopback names (421 otherwise).
- by cross-origin requests (CSRF): a page may send `no-cors` POSTs (text/plain, forms) anywhere,
  and embed any page in an iframe. Browsers name the requesting origin in `Origin` (every POST) and
  in `Sec-Fetch-Site`; a request from another origin is refused (403), except a plain top-level GET
  navigation (a link to the dashboard), which reads nothing back to the other page. No CORS header
  is ever sent, so no other origin can read an answer either.

Clients that are not browsers (Vector, curl, `dendro query`) send neither header and are unaffected.
"""

from __future__ import annotations

import ipaddress
import threading
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "[::1]", "::1"})
# What a browser says about where a request comes from: "none" is the user typing the address.
_TRUSTED_SITES = frozenset({"same-origin", "none"})
_SAFE_METHODS = frozenset({"GET", "HEAD"})
_DEFAULT_PORTS = {"http": "80", "https": "443"}


class Headers(Protocol):
    """Case-insensitive header access: http.server's `self.headers`, Starlette's `request.headers`."""

    def get(self, name: str, default: None = None) -> str | None: ...


@dataclass(frozen=True)
class Refusal:
    status: int  # 421 (wrong Host) or 403 (another origin)
    reason: str


def is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False  # a host name may resolve to any interface


def host_name(header: str) -> str:
    """'127.0.0.1:3000' -> '127.0.0.1', '[::1]:3000' -> '[::1]', 'Example.COM' -> 'example.com'."""
    header = header.strip().lower()
    if header.startswith("["):
        return header.split("]", 1)[0] + "]"
    return header.rsplit(":", 1)[0] if header.count(":") == 1 else header


def _authority(host: str, port: str | None, scheme: str) -> str:
    return host if port in (None, "", _DEFAULT_PORTS.get(scheme)) else f"{host}:{port}"


def _origin_authority(origin: str) -> str | None:
    """'http://localhost:3000' -> 'localhost:3000'; None for 'null' or anything that is no origin."""
    parts = urllib.parse.urlsplit(origin.strip().lower())
    if parts.scheme not in _DEFAULT_PORTS or not parts.hostname:
        return None
    host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
    try:
        port = parts.port
    except ValueError:
        return None
    return _authority(host, str(port) if port is not None else None, parts.scheme)


def _host_authority(header: str) -> str:
    name = host_name(header)
    rest = header.strip().lower()[len(name) :]
    return _authority(name, rest[1:] if rest.startswith(":") else None, "http")


@dataclass(frozen=True)
class RequestGuard:
    """The checks of one server. `hosts`: the names it answers to (None: any, for a server bound to
    a public address, where the token is what keeps others out)."""

    hosts: frozenset[str] | None

    @classmethod
    def for_bind(cls, bind_host: str, extra_hosts: tuple[str, ...] = ()) -> RequestGuard:
        if not is_loopback(bind_host):
            return cls(None)
        names = {*LOOPBACK_NAMES, host_name(bind_host), *(host_name(h) for h in extra_hosts)}
        if ":" in bind_host and not bind_host.startswith("["):
            names.add(f"[{bind_host.lower()}]")  # an IPv6 literal is written in brackets in Host
        return cls(frozenset(names))

    def check(self, method: str, headers: Headers) -> Refusal | None:
        """None when the request may proceed, else the status and reason to answer with."""
        host = headers.get("host") or ""
        if self.hosts is not None and host_name(host) not in self.hosts:
            return Refusal(
                421,
                f"Host {host[:100]!r} is not a name this server answers to (it listens on loopback: use "
                "http://localhost or http://127.0.0.1); a web page that re-bound its name here is refused",
            )
        origin = headers.get("origin")
        if origin is not None and (origin.strip().lower() == "null" or not host):
            return Refusal(403, "requests from other origins are refused (Origin: null)")
        if origin is not None and _origin_authority(origin) != _host_authority(host):
            return Refusal(
                403,
                f"requests from other origins are refused (Origin {origin[:100]!r} is not this server); "
                "open the page from this server, or call it from a script without a browser",
            )
        site = (headers.get("sec-fetch-site") or "").strip().lower()
        if site and site not in _TRUSTED_SITES and not _top_level_navigation(method, headers):
            return Refusal(
                403,
                f"requests from other sites are refused (Sec-Fetch-Site: {site[:20]}); "
                "open the page from this server",
            )
        return None


def _top_level_navigation(method: str, headers: Headers) -> bool:
    """A link followed from another site: it shows this server's page to the user, but the other site
    neither reads it nor embeds it (frames are refused by the dashboard's frame-ancestors too)."""
    mode = (headers.get("sec-fetch-mode") or "").lower()
    dest = (headers.get("sec-fetch-dest") or "document").lower()
    return method.upper() in _SAFE_METHODS and mode == "navigate" and dest == "document"


# --- tokens ---

MIN_TOKEN_LENGTH = 16
MIN_TOKEN_DISTINCT = 8
TOKEN_RULE = (
    f"a token must be at least {MIN_TOKEN_LENGTH} characters long with at least {MIN_TOKEN_DISTINCT} "
    "different ones; make one with: python3 -c 'import secrets; print(secrets.token_urlsafe(24))'"
)


class InsecureBindError(ValueError):
    """The server would listen where others can reach it without a (strong enough) token."""


class WeakTokenError(InsecureBindError):
    pass


def check_token_strength(token: str | None, bind_host: str, what: str = "--token") -> None:
    """Off loopback the token is all that keeps the network out: refuse one that can be guessed."""
    if token is None or is_loopback(bind_host):
        return
    if len(token) < MIN_TOKEN_LENGTH or len(set(token)) < MIN_TOKEN_DISTINCT:
        raise WeakTokenError(f"{what} is too weak to listen on {bind_host}: {TOKEN_RULE}")


@dataclass
class FailedLogins:
    """Back-off per client address after wrong tokens: `free` tries, then a wait that doubles with each
    further failure (up to `longest` seconds), during which that address is refused without a check,
    so guessing costs time and learns nothing. A success clears the address."""

    free: int = 5
    first_wait: float = 1.0
    longest: float = 300.0
    clock: Callable[[], float] = time.monotonic
    _failures: dict[str, tuple[int, float]] = field(default_factory=dict)  # addr -> (count, until)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def _now(self) -> float:
        return self.clock()

    def blocked(self, address: str) -> float:
        """Seconds this address must still wait (0: it may try)."""
        with self._lock:
            until = self._failures.get(address, (0, 0.0))[1]
        return max(0.0, until - self._now())

    def failed(self, address: str) -> None:
        with self._lock:
            if len(self._failures) > 10_000:  # many addresses: forget the oldest half, bound memory
                for key in list(self._failures)[:5_000]:
                    del self._failures[key]
            count, _ = self._failures.get(address, (0, 0.0))
            count += 1
            excess = count - self.free
            wait = 0.0 if excess <= 0 else min(self.longest, self.first_wait * 2 ** (excess - 1))
            self._failures[address] = (count, self._now() + wait)

    def succeeded(self, address: str) -> None:
        with self._lock:
            self._failures.pop(address, None)

    def message(self, wait: float) -> str:
        return f"too many wrong tokens from this address; wait {wait:.0f} s before trying again"


def token_from_file(path: Path, what: str = "--token-file") -> str:
    """A token kept in a file (mode 600, say), so that it appears neither in `ps` nor in the shell's
    history: the file's first line, without its surrounding whitespace."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise InsecureBindError(f"cannot read the token from {what} {path}: {error}") from None
    token = text.strip().splitlines()[0].strip() if text.strip() else ""
    if not token:
        raise InsecureBindError(f"{what} {path} is empty; write the token on its first line")
    return token


FLAG_WARNING = (
    "warning: a token given as {flag} on the command line is visible to every user of this machine "
    "(ps, /proc); prefer {env} or {flag}-file"
)
