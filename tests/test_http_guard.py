"""dendro.http_guard's decisions, as pure functions (the servers' tests replay them over real HTTP)."""

from __future__ import annotations

import pytest

from dendro.http_guard import FailedLogins, RequestGuard, WeakTokenError, check_token_strength, host_name

LOOPBACK = RequestGuard.for_bind("127.0.0.1")


@pytest.mark.parametrize(
    ("header", "name"),
    [("127.0.0.1:3000", "127.0.0.1"), ("[::1]:3000", "[::1]"), ("localhost", "localhost"), ("A.B:1", "a.b")],
)
def test_host_name(header: str, name: str) -> None:
    assert host_name(header) == name


@pytest.mark.parametrize("host", ["127.0.0.1:8686", "localhost:3000", "LOCALHOST", "[::1]:8686"])
def test_loopback_names_pass(host: str) -> None:
    assert LOOPBACK.check("POST", {"host": host}) is None


@pytest.mark.parametrize("host", ["evil.example", "evil.example:8686", "127.0.0.1.nip.io:8686", ""])
def test_a_foreign_host_is_421_on_loopback(host: str) -> None:
    refusal = LOOPBACK.check("GET", {"host": host})
    assert refusal is not None and refusal.status == 421


def test_a_public_bind_checks_no_host_but_still_origins() -> None:
    guard = RequestGuard.for_bind("0.0.0.0")
    assert guard.check("POST", {"host": "dendro.example.com"}) is None
    refusal = guard.check("POST", {"host": "dendro.example.com", "origin": "https://evil.example"})
    assert refusal is not None and refusal.status == 403


@pytest.mark.parametrize(
    "headers",
    [
        {"origin": "http://evil.example"},
        {"origin": "http://localhost:9999"},  # another local origin: same site, other port
        {"origin": "null"},  # sandboxed iframe, file://
        {"sec-fetch-site": "cross-site", "sec-fetch-mode": "no-cors", "sec-fetch-dest": "empty"},
        {"sec-fetch-site": "same-site", "sec-fetch-mode": "cors", "sec-fetch-dest": "empty"},
    ],
)
def test_cross_origin_writes_are_403(headers: dict[str, str]) -> None:
    refusal = LOOPBACK.check("POST", {"host": "localhost:3000", **headers})
    assert refusal is not None and refusal.status == 403


def test_same_origin_and_direct_requests_pass() -> None:
    same = {"host": "localhost:3000", "origin": "http://localhost:3000", "sec-fetch-site": "same-origin"}
    assert LOOPBACK.check("POST", same) is None
    assert LOOPBACK.check("GET", {"host": "localhost:3000", "sec-fetch-site": "none"}) is None
    assert LOOPBACK.check("POST", {"host": "localhost:80", "origin": "http://localhost"}) is None


def test_a_link_from_another_site_opens_the_page_but_a_frame_does_not() -> None:
    link = {"sec-fetch-site": "cross-site", "sec-fetch-mode": "navigate", "sec-fetch-dest": "document"}
    frame = {"sec-fetch-site": "cross-site", "sec-fetch-mode": "navigate", "sec-fetch-dest": "iframe"}
    assert LOOPBACK.check("GET", {"host": "localhost:3000", **link}) is None
    refused = LOOPBACK.check("GET", {"host": "localhost:3000", **frame})
    assert refused is not None and refused.status == 403
    posted = LOOPBACK.check("POST", {"host": "localhost:3000", **link})  # a cross-site form post
    assert posted is not None and posted.status == 403


@pytest.mark.parametrize("token", ["a", "s3cret", "aaaaaaaaaaaaaaaaaaaaaaaa", "abababababababababab"])
def test_weak_tokens_are_refused_off_loopback_with_the_rule(token: str) -> None:
    with pytest.raises(WeakTokenError, match="at least 16 characters long with at least 8 different"):
        check_token_strength(token, "0.0.0.0")
    check_token_strength(token, "127.0.0.1")  # on loopback the token is not what keeps others out
    check_token_strength("Zq3-vT8_pL0xW2nR7yK5", "0.0.0.0")


def test_failed_logins_back_off_doubling_and_a_success_clears() -> None:
    now = [100.0]
    logins = FailedLogins(free=3, first_wait=1.0, longest=8.0, clock=lambda: now[0])
    for _ in range(3):
        logins.failed("10.0.0.1")
    assert logins.blocked("10.0.0.1") == 0
    waits = []
    for _ in range(5):
        logins.failed("10.0.0.1")
        waits.append(logins.blocked("10.0.0.1"))
    assert waits == [1.0, 2.0, 4.0, 8.0, 8.0]
    assert logins.blocked("10.0.0.2") == 0  # per address
    now[0] += 8.0
    assert logins.blocked("10.0.0.1") == 0
    logins.succeeded("10.0.0.1")
    logins.failed("10.0.0.1")
    assert logins.blocked("10.0.0.1") == 0
