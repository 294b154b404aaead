"""Attacks on the dashboard over real HTTP on 127.0.0.1 (issue 10): foreign Host, cross-origin posts
and frames, security headers on every answer, CSV formula cells, and guessing the token."""

from __future__ import annotations

import csv
import io
import threading
import time
from pathlib import Path
from typing import Any

import orjson
import pytest

from dendro.dashboard import routes
from dendro.dashboard.backends.local import LocalBackend, StoreFile
from dendro.local_pipeline.query import Limits
from tests.dashboard.conftest import Client, ServeFn

TOKEN = "dashboard-token-0123456789"
# Fields any internet client controls (a User-Agent, a path) that a spreadsheet would run.
FORMULAS = [
    "=cmd|' /C calc'!A0",
    "+1+1",
    "-2+3",
    "@SUM(A1:A9)",
    '=HYPERLINK("http://evil.example")',
    "\t=1",
    "\r=1",
]


@pytest.fixture
def board(serve: ServeFn, demo_db: Path) -> Client:
    return Client(serve(demo_db).url)


def test_foreign_host_is_421(serve: ServeFn, demo_db: Path) -> None:
    url = serve(demo_db).url
    answer = Client(url, host_header="evil.example").post_json("/api/query", {"sql": "SELECT 1"})
    assert answer.status == 421


def test_cross_origin_text_plain_post_to_the_query_api_is_403(board: Client) -> None:
    body = b'{"sql": "SELECT count(*) FROM nginx_access"}'
    browser = {
        "Content-Type": "text/plain;charset=UTF-8",
        "Origin": "http://evil.example",
        "Sec-Fetch-Site": "cross-site",
        "Sec-Fetch-Mode": "no-cors",
    }
    answer = board.request("POST", "/api/query", body, browser)
    assert answer.status == 403 and "other origins" in answer.text
    assert not any(name.startswith("access-control-") for name in answer.headers)
    same = {**browser, "Origin": f"http://127.0.0.1:{board.port}", "Sec-Fetch-Site": "same-origin"}
    assert board.request("POST", "/api/query", body, same).status == 200  # the page's own fetch


def test_a_cross_origin_iframe_of_the_query_page_is_refused(board: Client) -> None:
    frame = {"Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "navigate", "Sec-Fetch-Dest": "iframe"}
    answer = board.get("/query?sql=SELECT%20*%20FROM%20nginx_access", frame)
    assert answer.status == 403
    assert answer.headers["x-frame-options"] == "DENY"  # and a browser would not render a frame anyway
    link = {**frame, "Sec-Fetch-Dest": "document"}
    assert board.get("/query", link).status == 200  # a link from elsewhere still opens the page


@pytest.mark.parametrize("path", ["/", "/query", "/api/overview", "/static/dendro.css", "/nope", "/healthz"])
def test_security_headers_on_every_answer(board: Client, path: str) -> None:
    headers = board.get(path).headers
    policy = headers["content-security-policy"]
    assert (
        "frame-ancestors 'none'" in policy
        and "script-src 'self'" in policy
        and "default-src 'self'" in policy
    )
    assert headers["x-frame-options"] == "DENY"
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "same-origin"


def test_refusals_carry_the_headers_too(serve: ServeFn, demo_db: Path) -> None:
    answer = Client(serve(demo_db).url, host_header="evil.example").get("/")
    assert answer.status == 421 and answer.headers["x-frame-options"] == "DENY"


def test_csv_export_neutralises_formula_cells(board: Client) -> None:
    values = " UNION ALL ".join(
        f"SELECT {i} AS n, '{v.replace(chr(39), chr(39) * 2)}' AS ua" for i, v in enumerate(FORMULAS)
    )
    answer = board.post_form("/api/export?format=csv", {"sql": f"SELECT * FROM ({values}) ORDER BY n"})
    assert answer.status == 200
    rows = list(csv.reader(io.StringIO(answer.text, newline="")))
    assert rows[0] == ["n", "ua"]
    assert [row[1] for row in rows[1:]] == ["'" + v for v in FORMULAS]
    assert [row[0] for row in rows[1:]] == [str(i) for i in range(len(FORMULAS))]  # numbers untouched


def test_wrong_logins_back_off(serve: ServeFn, demo_db: Path) -> None:
    client = Client(serve(demo_db, token=TOKEN).url)
    statuses = [client.post_form("/login", {"token": f"guess-{n}", "next": "/"}).status for n in range(7)]
    assert statuses == [401] * 6 + [429]
    assert client.post_form("/login", {"token": TOKEN, "next": "/"}).status == 429  # not even checked
    assert client.get("/api/overview", {"Authorization": f"Bearer {TOKEN}"}).status == 429


# --- items 8-9: every query has a timeout and a result cap; exports stream ---


def test_a_runaway_query_page_query_is_stopped_while_select_1_answers(serve: ServeFn, demo_db: Path) -> None:
    client = Client(serve(LocalBackend(StoreFile(demo_db, timeout=2.0), "demo")).url)
    outcome: dict[str, Any] = {}

    def runaway() -> None:
        started = time.monotonic()
        outcome["answer"] = client.post_json(
            "/api/query", {"sql": "SELECT count(*) FROM range(1000000000000)"}
        )
        outcome["seconds"] = time.monotonic() - started

    thread = threading.Thread(target=runaway)
    thread.start()
    time.sleep(0.3)
    assert client.post_json("/api/query", {"sql": "SELECT 1 AS one"}).json()["rows"] == [[1]]
    assert thread.is_alive()
    thread.join(timeout=30)
    assert outcome["answer"].status == 400 and "ran longer than 2 s" in outcome["answer"].json()["error"]
    assert outcome["seconds"] < 10


def test_the_query_api_caps_a_huge_result_in_bytes(board: Client) -> None:
    """`SELECT repeat('x',100000) FROM range(20000)` answered 1 GB (RSS 3.9 GB) before."""
    answer = board.post_json("/api/query", {"sql": "SELECT repeat('x', 100000) AS s FROM range(20000)"})
    assert answer.status == 200
    data = answer.json()
    assert data["truncated"] is True and "cut at 32 MB" in data["note"]
    assert len(answer.body) <= 33 * 1024 * 1024


def test_exports_stream_and_end_with_the_reason_they_stopped(
    board: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    complete = board.post_form("/api/export?format=csv", {"sql": "SELECT range AS n FROM range(50000)"})
    assert complete.status == 200 and "content-length" not in complete.headers  # streamed, chunked
    assert complete.headers["transfer-encoding"] == "chunked"
    assert complete.text.splitlines()[-1] == "49999"

    monkeypatch.setattr(routes, "EXPORT_LIMITS", Limits(timeout=30.0, max_rows=1000, max_bytes=1 << 30))
    cut = board.post_form("/api/export?format=csv", {"sql": "SELECT range AS n FROM range(5000)"})
    lines = cut.text.splitlines()
    assert len(lines) == 1 + 1000 + 1 and lines[-1].startswith("# dendro: only the first 1,000 rows")
    as_json = orjson.loads(
        board.post_form("/api/export?format=json", {"sql": "SELECT 1 AS n FROM range(5000)"}).body
    )
    assert len(as_json) == 1001 and "only the first 1,000 rows" in as_json[-1]["dendro_note"]
