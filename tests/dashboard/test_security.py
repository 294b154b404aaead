"""Binding, the Host check on loopback, and the token on every request."""

from __future__ import annotations

from pathlib import Path

import pytest

from dendro.dashboard.security import InsecureBindError, check_bind
from dendro.http_guard import host_name
from tests.dashboard.conftest import Client, ServeFn

TOKEN = "s3cret-token-0123456789"


@pytest.mark.parametrize("host", ["0.0.0.0", "192.0.2.10", "::", "dashboard.example.com"])
def test_any_other_address_than_loopback_needs_a_token(host: str) -> None:
    with pytest.raises(InsecureBindError, match="set a token with"):
        check_bind(host, None)
    check_bind(host, TOKEN)  # with a token it may


@pytest.mark.parametrize("host", ["127.0.0.1", "::1", "localhost", "127.0.0.2"])
def test_loopback_needs_no_token(host: str) -> None:
    check_bind(host, None)


@pytest.mark.parametrize(
    ("header", "name"), [("127.0.0.1:3000", "127.0.0.1"), ("[::1]:3000", "[::1]"), ("localhost", "localhost")]
)
def test_host_name(header: str, name: str) -> None:
    assert host_name(header) == name


def test_a_foreign_host_header_is_refused_on_loopback(serve: ServeFn, demo_db: Path) -> None:
    """DNS rebinding: a page of evil.example resolved to 127.0.0.1 must not read the dashboard."""
    url = serve(demo_db).url
    assert Client(url, host_header="evil.example:3000").get("/api/overview").status == 421
    assert Client(url, host_header="localhost:3000").get("/api/overview").status == 200


@pytest.fixture
def locked(serve: ServeFn, demo_db: Path) -> Client:
    return Client(serve(demo_db, token=TOKEN).url)


def test_without_the_token_pages_go_to_login_and_the_api_answers_401(locked: Client) -> None:
    page = locked.get("/charts")
    assert page.status == 303 and page.headers["location"] == "/login?next=/charts"
    for answer in (
        locked.get("/api/overview"),
        locked.post_json("/api/query", {"sql": "SELECT 1"}),
        locked.get("/api/overview", {"Authorization": "Bearer wrong"}),
        locked.get("/api/overview", {"Cookie": "dendro_token=wrong"}),
    ):
        assert answer.status == 401
        assert "token" in answer.json()["error"]


def test_the_login_page_and_static_files_are_open(locked: Client) -> None:
    login = locked.get("/login")
    assert login.status == 200 and 'name="token"' in login.text
    assert "local store" not in login.text  # where the data lives is not shown before sign-in
    assert locked.get("/static/dendro.css").status == 200


def test_bearer_token(locked: Client) -> None:
    answer = locked.post_json("/api/query", {"sql": "SELECT 1 AS one"}, {"Authorization": f"Bearer {TOKEN}"})
    assert answer.status == 200 and answer.json()["rows"] == [[1]]


def test_token_in_the_url_becomes_a_cookie(locked: Client) -> None:
    first = locked.get(f"/charts?range=6h&token={TOKEN}")
    assert first.status == 303
    assert first.headers["location"] == "/charts?range=6h"  # the token leaves the address bar
    cookie = first.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie
    value = cookie.split(";", 1)[0]
    assert locked.get("/charts?range=6h", {"Cookie": value}).status == 200
    assert locked.get(f"/?token=wrong-{TOKEN}").status == 303  # to the login page, no cookie
    assert "set-cookie" not in locked.get(f"/?token=wrong-{TOKEN}").headers


def test_login_form(locked: Client) -> None:
    wrong = locked.post_form("/login", {"token": "nope", "next": "/query"})
    assert wrong.status == 401 and "not the right one" in wrong.text
    right = locked.post_form("/login", {"token": TOKEN, "next": "/query"})
    assert right.status == 303 and right.headers["location"] == "/query"
    cookie = right.headers["set-cookie"].split(";", 1)[0]
    assert locked.get("/query", {"Cookie": cookie}).status == 200
    elsewhere = locked.post_form("/login", {"token": TOKEN, "next": "//evil.example/"})
    assert elsewhere.headers["location"] == "/"
