"""The Logs API over HTTP (`/api/logs`, `/api/logs/histogram`, `/api/logs/context`, `/api/tail`)
against a real server on 127.0.0.1 reading a real DuckDB store that is written to meanwhile."""

from __future__ import annotations

import http.client
import threading
import time
import urllib.parse
from datetime import datetime, timedelta
from typing import Any

import orjson
import pytest

from tests.dashboard.conftest import Client
from tests.dashboard.logs_store import (
    HOSTILE_AGENT,
    HOSTILE_PATH,
    LiveStore,
    access_line,
    error_line,
    seconds_ago,
)


def get(client: Client, path: str, **params: Any) -> Any:
    answer = client.get(path + "?" + urllib.parse.urlencode(params, doseq=True))
    assert answer.status == 200, answer.text
    return answer.json()


def fill(live: LiveStore) -> None:
    # web-1: 30 access lines (every 5th a 503) and two error-log lines; web-2: 10 access lines.
    web1 = [access_line(seconds_ago(300 - i), f"/p/{i}", 503 if i % 5 == 0 else 200) for i in range(30)]
    live.write("nginx_access", "web-1", web1)
    live.write("nginx_access", "web-2", [access_line(seconds_ago(200 - i), f"/q/{i}") for i in range(10)])
    errors = [
        error_line(seconds_ago(250), "upstream timed out (110: Connection timed out)"),
        error_line(seconds_ago(240), "disk nearly full", "warn"),
    ]
    live.write("nginx_error", "web-1", errors)


def test_lines_are_the_text_the_server_wrote_newest_first_with_their_fields(live: LiveStore) -> None:
    fill(live)
    client = Client(live.serve())

    data = get(client, "/api/logs", range="1h", host="web-1", limit=500)

    lines = data["lines"]
    assert len(lines) == 32 and data["next"] is None
    assert [line["timestamp"] for line in lines] == sorted(
        (line["timestamp"] for line in lines), reverse=True
    )
    newest = next(line for line in lines if line["source"] == "nginx_access")
    written = datetime.fromisoformat(newest["timestamp"].replace("Z", "+00:00"))
    assert newest["message"] == access_line(written, "/p/29")  # the line exactly as written
    assert newest["fields"]["path"] == "/p/29" and newest["fields"]["status"] == 200
    assert (newest["source"], newest["host"], newest["service"], newest["level"]) == (
        "nginx_access", "web-1", "nginx", "2xx",
    )  # fmt: skip
    error = next(line for line in lines if line["source"] == "nginx_error" and line["level"] == "error")
    assert error["message"].endswith(
        "upstream timed out (110: Connection timed out), client: 10.0.0.1, server: shop"
    )
    assert error["fields"]["level"] == "error" and error["fields"]["client"] == "10.0.0.1"  # parsed


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"status": "5xx"}, 6),  # access lines answered 5xx, both hosts
        ({"status": "5xx", "host": "web-2"}, 0),
        ({"level": "warn"}, 1),  # error-log level; access logs have none
        ({"source": "nginx_error"}, 2),
        ({"q": "/q/7 "}, 1),  # substring over the line
        ({"q": "/Q/7 "}, 1),  # a substring ignores case, as Grafana's and Kibana's search boxes ...
        ({"q": "TIMED out"}, 1),
        ({"q": "/P/1_"}, 0),  # ... still no wildcards ('_' is an underscore), and in any case
        ({"q": "Timed OUT", "regex": "1"}, 0),  # a regular expression minds case ...
        ({"q": "(?i)timed OUT", "regex": "1"}, 1),  # ... unless it asks not to
        ({"q": r"/p/(1|2)\d ", "regex": "1"}, 20),
        ({"q": "/p/1%"}, 0),  # no wildcards: % is a percent sign
        ({"service": "nginx", "host": ["web-1", "web-2"]}, 42),
    ],
)
def test_filters(live: LiveStore, params: dict[str, Any], expected: int) -> None:
    fill(live)
    client = Client(live.serve())

    data = get(client, "/api/logs", range="1h", limit=500, **params)

    assert len(data["lines"]) == expected, data.get("sql")


def test_a_text_with_like_wildcards_matches_itself_in_any_case(live: LiveStore) -> None:
    live.write("nginx_access", "web-1", [access_line(seconds_ago(9), "/Big_File%20A.ZIP")])
    live.write("nginx_access", "web-1", [access_line(seconds_ago(8), "/bigXfile%20a.zip")])
    client = Client(live.serve())

    def paths(q: str) -> list[str]:
        return [line["fields"]["path"] for line in get(client, "/api/logs", range="1h", q=q)["lines"]]

    assert paths("big_file%20a.zip") == ["/Big_File%20A.ZIP"]  # '_' is itself, not any character
    assert paths("FILE%20") == ["/bigXfile%20a.zip", "/Big_File%20A.ZIP"]
    assert paths("file%x") == []


def test_bad_filters_are_400_with_the_next_step(live: LiveStore) -> None:
    fill(live)
    client = Client(live.serve())
    for params, said in [
        ({"source": "host_metrics"}, "not a log source"),
        ({"q": "[unclosed", "regex": "1"}, "missing ]"),
        ({"limit": "100000"}, "page with `cursor`"),
        ({"cursor": "garbage"}, "start again without it"),
        ({"from": "yesterday"}, "ISO 8601"),
    ]:
        answer = client.get("/api/logs?" + urllib.parse.urlencode(params))
        assert answer.status == 400 and said in answer.json()["error"], (params, answer.text)


def test_pages_neither_repeat_nor_skip_while_lines_are_inserted(live: LiveStore) -> None:
    # Given 400 lines, many in the same second (the keyset's tie-breaker matters) ...
    base = seconds_ago(600)
    for chunk in range(4):
        live.write(
            "nginx_access", "web-1", [access_line(base + _s(i // 7), f"/c{chunk}/{i}") for i in range(100)]
        )
    client = Client(live.serve())
    stop = threading.Event()

    def insert() -> None:  # ... and new lines (newer, and late ones inside the paged range) meanwhile
        n = 0
        while not stop.is_set():
            live.write("nginx_access", "web-1", [access_line(seconds_ago(1), f"/new/{n}"),
                                                 access_line(base + _s(3), f"/late/{n}")])  # fmt: skip
            n += 1
            time.sleep(0.01)

    writer = threading.Thread(target=insert)
    window = {"from": (base - _s(1)).isoformat(), "to": (base + _s(3)).isoformat()}
    writer.start()
    try:
        seen: list[str] = []
        cursor = None
        while True:
            data = get(client, "/api/logs", limit=37, **window, **({"cursor": cursor} if cursor else {}))
            seen += [
                line["fields"]["path"]
                for line in data["lines"]
                if not line["fields"]["path"].startswith("/late/")
            ]
            cursor = data["next"]
            if not cursor:
                break
    finally:
        stop.set()
        writer.join()

    # Every line of the range that existed before paging began shows once, none twice.
    expected = {f"/c{chunk}/{i}" for chunk in range(4) for i in range(100) if i // 7 < 3}
    assert len(seen) == len(set(seen)) and set(seen) == expected


def _s(n: float) -> timedelta:
    return timedelta(seconds=n)


def test_histogram_counts_by_status_class_and_marks_the_partial_bucket(live: LiveStore) -> None:
    fill(live)
    client = Client(live.serve())

    data = get(client, "/api/logs/histogram", range="1h")

    totals = {s["label"]: sum(s["values"]) for s in data["series"]}
    assert totals == {"2xx": 34, "5xx": 6, "error": 1, "warn": 1}
    assert data["bucket"] == 30 and data["partial_from"] == data["x"][-1]


def test_context_is_the_lines_around_on_the_same_host_and_source(live: LiveStore) -> None:
    fill(live)
    client = Client(live.serve())
    lines = get(client, "/api/logs", range="1h", host="web-1", source="nginx_access", limit=500)["lines"]
    middle = next(line for line in lines if line["fields"]["path"] == "/p/15")

    data = get(client, "/api/logs/context", id=middle["id"], host="web-1", n=3)

    assert data["line"]["fields"]["path"] == "/p/15"
    assert [line["fields"]["path"] for line in data["before"]] == ["/p/12", "/p/13", "/p/14"]
    assert [line["fields"]["path"] for line in data["after"]] == ["/p/16", "/p/17", "/p/18"]


def _events(url: str, path: str, want: int, timeout: float) -> list[tuple[str, Any]]:
    parts = urllib.parse.urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
    conn.request("GET", path)
    response = conn.getresponse()
    assert response.status == 200 and response.getheader("content-type", "").startswith("text/event-stream")
    found: list[tuple[str, Any]] = []
    kind = ""
    deadline = time.monotonic() + timeout
    while len(found) < want and time.monotonic() < deadline:
        raw = response.fp.readline().decode().rstrip("\n")
        if raw.startswith("event: "):
            kind = raw[7:]
        elif raw.startswith("data: "):
            found.append((kind, orjson.loads(raw[6:])))
    conn.close()
    return found


def test_tail_streams_matching_lines_as_they_are_committed(live: LiveStore) -> None:
    fill(live)
    url = live.serve()
    received: list[tuple[str, Any]] = []
    reader = threading.Thread(
        target=lambda: received.extend(_events(url, "/api/tail?status=5xx&host=web-2", want=3, timeout=15))
    )
    reader.start()
    time.sleep(1.0)  # the stream has taken its starting marks: what is stored now is not "new"
    started = time.monotonic()
    live.write("nginx_access", "web-1", [access_line(seconds_ago(0), "/other-host", 503)])
    live.write("nginx_access", "web-2", [access_line(seconds_ago(0), "/ok", 200)])
    live.write("nginx_access", "web-2", [access_line(seconds_ago(3600), "/late-but-new", 502)])
    live.write("nginx_access", "web-2", [access_line(seconds_ago(0), "/boom", 500)])
    reader.join(timeout=20)

    assert received[0][0] == "info" and received[0][1]["mode"] == "push"
    paths = [data["fields"]["path"] for kind, data in received[1:] if kind == "line"]
    assert paths == ["/late-but-new", "/boom"]  # commit order, only matching lines, each once
    assert time.monotonic() - started < 5


def test_hostile_text_is_data_in_json_and_escaped_in_html(live: LiveStore) -> None:
    live.write(
        "nginx_access", "<b>web-9</b>", [access_line(seconds_ago(5), HOSTILE_PATH, 500, HOSTILE_AGENT)]
    )
    client = Client(live.serve())

    line = get(client, "/api/logs", range="1h")["lines"][0]
    page = client.get("/logs").text

    assert HOSTILE_PATH in line["message"] and line["fields"]["user_agent"] == HOSTILE_AGENT
    # The host name reaches the page's filter options escaped; the lines themselves are drawn with
    # textContent by logs.js (the browser test checks that nothing runs).
    assert "<b>web-9</b>" not in page and "&lt;b&gt;web-9&lt;/b&gt;" in page
    assert "<script>window.__pwned" not in page


def test_pages_cross_the_slices_a_long_range_is_read_in(live: LiveStore) -> None:
    # A line every 2 minutes over 5 hours: the first page comes from the newest hour, the
    # pages after it from older, longer slices (lines.next_span); together, every line once, in order.
    live.write(
        "nginx_access", "web-1", [access_line(seconds_ago(120 * i + 30), f"/s/{i}") for i in range(150)]
    )
    client = Client(live.serve())
    seen: list[str] = []
    cursor = None
    while True:
        data = get(client, "/api/logs", range="6h", limit=11, **({"cursor": cursor} if cursor else {}))
        seen += [line["fields"]["path"] for line in data["lines"]]
        cursor = data["next"]
        if not cursor:
            break
    assert seen == [f"/s/{i}" for i in range(150)]
