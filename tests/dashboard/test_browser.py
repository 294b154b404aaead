"""The three pages in a real browser (Debian's chromium, driven by playwright) on demo traffic: the
charts are drawn (series pixels on each canvas, not just a canvas element), a query runs and its JSON
export downloads. Screenshots of the three pages are taken every run; `make screenshots` points
$DENDRO_SCREENSHOTS at docs/screenshots/, where the README shows them.

Needs /usr/bin/chromium (`make test` installs Debian's package); without it the module fails.
"""

from __future__ import annotations

import http.server
import json
import os
import re
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from dendro.dashboard.backends.local import LocalBackend, StoreFile
from tests.dashboard.conftest import ServeFn

CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOTS = os.environ.get("DENDRO_SCREENSHOTS")
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DRAWN_CHARTS = ["requests", "errors", "error_ratio", "latency", "cpu", "memory", "load", "disk"]

if not CHROMIUM.exists():
    raise RuntimeError(
        "the browser test needs Debian's chromium: run `make browser` (apt-get install chromium)"
    )

from playwright import sync_api  # noqa: E402 - after the chromium check, which explains the failure

# Counts pixels of a chart's canvas drawn in a saturated colour: the series lines. Grid lines, axes and
# labels are grey, so an empty chart counts (almost) none.
SERIES_PIXELS = """(id) => {
  const canvas = document.querySelector(`#chart-${id} canvas`);
  if (!canvas) return -1;
  const data = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
  let n = 0;
  for (let i = 0; i < data.length; i += 4) {
    const [r, g, b, a] = [data[i], data[i + 1], data[i + 2], data[i + 3]];
    if (a > 128 && Math.max(r, g, b) - Math.min(r, g, b) > 60) n++;
  }
  return n;
}"""


@pytest.fixture(scope="module")
def browser_context(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    with sync_api.sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(tmp_path_factory.mktemp("chromium-profile")),  # a fresh profile each run
            executable_path=str(CHROMIUM),
            args=FLAGS,
            headless=True,
            viewport={"width": 1440, "height": 900},
            accept_downloads=True,
        )
        yield context
        context.close()


@pytest.fixture
def page(browser_context: Any) -> Iterator[Any]:
    page = browser_context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page
    page.close()
    assert errors == [], f"JavaScript errors: {errors}"


@pytest.fixture
def url(serve: ServeFn, demo_db: Path) -> str:
    return serve(demo_db).url


@pytest.fixture
def shots(tmp_path: Path) -> Path:
    folder = Path(SCREENSHOTS) if SCREENSHOTS else tmp_path
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def shoot(page: Any, folder: Path, name: str, full_page: bool = False) -> None:
    page.screenshot(path=str(folder / name), full_page=full_page)
    assert (folder / name).stat().st_size > 10_000, "a blank page"


def test_home(page: Any, url: str, shots: Path) -> None:
    page.goto(url)
    rows = page.locator("#sources tbody tr")
    assert rows.count() >= 6  # nginx_access and host_metrics on three hosts
    assert page.locator(".tile .tile-name").first.inner_text() == "nginx"
    assert "ago" in page.locator("#sources tbody tr td:nth-child(4)").first.inner_text()
    assert page.locator("#health").get_by_text("bad_timestamp").count() == 1
    shoot(page, shots, "home.png")


def test_charts_are_drawn(page: Any, url: str, shots: Path) -> None:
    page.goto(url + "charts?range=1h&group=host")
    page.wait_for_selector("body[data-charts-loaded]", state="attached", timeout=30_000)
    for chart in DRAWN_CHARTS:
        element = page.locator(f"#chart-{chart}")
        assert int(element.get_attribute("data-series")) >= 1, chart
        assert int(element.get_attribute("data-points")) > 50, chart
        assert page.evaluate(SERIES_PIXELS, chart) > 300, f"{chart}: no series drawn"
    assert page.locator("#chart-latency .u-legend").inner_text().count("p9") == 2
    # The demo's nginx error lines (its upstream errors during 5xx bursts) are counted too.
    assert int(page.locator("#chart-log_lines").get_attribute("data-series")) == 1
    shoot(page, shots, "charts.png", full_page=True)


def test_filter_reloads_with_the_choice(page: Any, url: str) -> None:
    page.goto(url + "charts?range=1h")
    page.wait_for_selector("body[data-charts-loaded]", state="attached", timeout=30_000)
    page.select_option("select[name=host]", "web-2")
    page.wait_for_url("**host=web-2**")
    page.wait_for_selector("body[data-charts-loaded]", state="attached", timeout=30_000)
    assert page.locator("#chart-cpu").get_attribute("data-series") == "1"


def test_query_export_and_refusal(page: Any, url: str, shots: Path) -> None:
    page.goto(url + "query")
    assert page.locator("#sql-highlight .tok-keyword").count() > 3  # the example is highlighted
    page.fill("#sql", "SELECT host, count(*) AS requests FROM nginx_access GROUP BY host ORDER BY host")
    page.click("#run")
    page.wait_for_selector("#results:not([hidden])")
    cells = page.locator("#result-table tbody tr td:first-child").all_inner_texts()
    assert cells == ["web-1", "web-2", "web-3"]
    assert "tok-function" in page.inner_html("#sql-highlight")  # count( is a call

    with page.expect_download() as download:
        page.click("#export-json")
    exported = json.loads(Path(download.value.path()).read_text())
    assert [row["host"] for row in exported] == ["web-1", "web-2", "web-3"]
    assert all(row["requests"] > 0 for row in exported)

    page.fill("#sql", "DELETE FROM nginx_access")
    page.keyboard.press("Control+Enter")
    error = page.locator("#query-error")
    error.wait_for(state="visible")
    assert "DELETE statements are refused" in error.inner_text()
    page.fill("#sql", "SELECT * FROM nginx_acces")
    page.keyboard.press("Control+Enter")
    page.locator("#query-error", has_text="Did you mean").wait_for()  # no eval: the CSP refuses it
    shown = error.inner_text().splitlines()  # DuckDB's hint and caret line, each on its own line
    assert 'Did you mean "nginx_access"?' in shown and any(set(line.strip()) == {"^"} for line in shown)

    # For the screenshot: an example from the catalog, run with one click, paged results.
    page.get_by_role("button", name="All 5xx of nginx_access in the last 2 hours").click()
    page.wait_for_selector("#results:not([hidden])")
    page.wait_for_selector("#result-table tbody tr:nth-child(11)")
    assert "page 1 of" in page.inner_text("#page-label")
    shoot(page, shots, "query.png")


# --- the Logs page ---------------------------------------------------------------------------------

OVERFLOW = "document.documentElement.scrollWidth - document.documentElement.clientWidth"


def test_logs_page_filters_expands_context_and_round_trips(page: Any, url: str, shots: Path) -> None:
    page.goto(url + "logs?range=1h&status=5xx&host=web-2")
    page.wait_for_selector("body[data-logs-loaded]", state="attached", timeout=30_000)
    lines = page.locator("#log-lines > li.log-line")
    assert lines.count() > 5
    assert set(page.locator("#log-lines > li .line-host").all_inner_texts()) == {"web-2"}
    assert set(page.locator("#log-lines > li .line-level").all_inner_texts()) == {"5xx"}
    assert page.locator("#histogram .hist-bar").count() > 50
    first_id = lines.first.get_attribute("data-id")
    # Expand: the parsed fields; then the lines around it on the same host.
    lines.nth(2).click()
    assert page.locator("#log-lines > li.open table.fields th", has_text="status_class").count() == 1
    page.get_by_role("button", name="Context (lines before and after on web-2)").click()
    page.wait_for_selector(".context .ctx-self")
    assert page.locator(".context > li").count() == 21  # 10 before, the line, 10 after
    shoot(page, shots, "logs.png")
    # Older pages by cursor; the address says so, and a reload shows the same view.
    page.click("#older")
    page.wait_for_selector("body[data-logs-loaded='2']", state="attached")
    assert "cursor=" in page.url
    page.goto(url + "logs?range=1h&status=5xx&host=web-2")
    page.wait_for_selector("body[data-logs-loaded]", state="attached")
    assert page.locator("#log-lines > li.log-line").first.get_attribute("data-id") == first_id
    assert page.input_value("select[name=host]") == "web-2"


def test_a_chart_bucket_opens_its_lines(page: Any, url: str, shots: Path) -> None:
    page.goto(url + "charts?range=1h&group=host")
    page.wait_for_selector("body[data-charts-loaded]", state="attached", timeout=30_000)
    # Click the tallest 5xx spike: the bucket, the host of that series and "5xx" reach the Logs page.
    spike = page.evaluate(
        """() => {
          const u = window.dendroCharts.errors.plot;
          let best = [0, 0, 1];
          for (let s = 1; s < u.series.length; s++)
            u.data[s].forEach((v, i) => { if (v > best[0]) best = [v, i, s]; });
          return { x: u.valToPos(u.data[0][best[1]], "x"), y: u.valToPos(best[0], "y"),
                   host: u.series[best[2]].label, t: u.data[0][best[1]] };
        }"""
    )
    box = page.locator("#chart-errors .u-over").bounding_box()
    page.mouse.click(box["x"] + spike["x"], box["y"] + spike["y"])
    page.wait_for_url("**/logs?**")
    page.wait_for_selector("body[data-logs-loaded]", state="attached", timeout=30_000)
    assert "status=5xx" in page.url and f"host={spike['host']}" in page.url
    assert page.input_value("input[name=from]").startswith(
        page.evaluate(f"new Date({spike['t']} * 1000).toISOString().slice(0, 16)")
    )
    levels = page.locator("#log-lines > li .line-level").all_inner_texts()
    assert levels and set(levels) == {"5xx"}
    assert set(page.locator("#log-lines > li .line-host").all_inner_texts()) == {spike["host"]}
    shoot(page, shots, "drilldown.png")


def test_zoom_is_kept_in_the_url_and_survives_a_refresh(page: Any, url: str) -> None:
    page.goto(url + "charts?range=1h&refresh=10")
    page.wait_for_selector("body[data-charts-loaded]", state="attached", timeout=30_000)
    box = page.locator("#chart-requests .u-over").bounding_box()
    page.mouse.move(box["x"] + box["width"] * 0.4, box["y"] + 40)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] * 0.6, box["y"] + 40, steps=6)
    page.mouse.up()
    page.wait_for_url("**from=**")
    zoomed = page.url
    page.wait_for_selector("body[data-charts-loaded]", state="attached", timeout=30_000)
    page.reload()
    page.wait_for_selector("body[data-charts-loaded]", state="attached", timeout=30_000)
    assert page.url == zoomed and page.input_value("input[name=from]")
    span = page.evaluate(
        "(() => { const x = window.dendroCharts.requests.plot.data[0]; return x[x.length - 1] - x[0]; })()"
    )
    assert span < 30 * 60  # a fifth of the hour, not the hour
    page.wait_for_timeout(11_000)  # an auto-refresh: the zoom stays
    assert page.url == zoomed and int(page.locator("#chart-requests").get_attribute("data-points")) > 0


def test_live_tail_shows_a_new_line_within_two_seconds(page: Any, live: Any) -> None:
    from tests.dashboard.logs_store import access_line, seconds_ago

    live.write("nginx_access", "web-1", [access_line(seconds_ago(60 - i), f"/before/{i}") for i in range(20)])
    page.goto(live.serve() + "logs?range=1h&live=1")
    page.wait_for_selector("body[data-tail='open']", state="attached", timeout=10_000)
    page.wait_for_timeout(700)  # the stream has its starting marks
    started = time.monotonic()
    live.write("nginx_access", "web-1", [access_line(seconds_ago(0), "/just-now", 503)])
    page.wait_for_selector(
        "#log-lines > li.log-line:first-child .line-text:has-text('/just-now')", timeout=2_000
    )
    assert time.monotonic() - started < 2.0
    assert "live=1" in page.url
    # Scrolled away from the top, the tail pauses: the line waits behind a "resume" button.
    page.evaluate("window.scrollTo(0, 200)")
    assert page.evaluate("window.scrollY") > 80
    live.write("nginx_access", "web-1", [access_line(seconds_ago(0), "/while-scrolled")])
    page.wait_for_selector("#resume:not([hidden])", timeout=3_000)
    assert page.locator(".line-text", has_text="/while-scrolled").count() == 0
    page.click("#resume")  # back to the top, and the waiting line is shown
    page.wait_for_selector("#log-lines > li.log-line:first-child .line-text:has-text('/while-scrolled')")


def test_hostile_lines_are_shown_as_text_and_never_run(page: Any, live: Any) -> None:
    from tests.dashboard.logs_store import HOSTILE_AGENT, HOSTILE_PATH, access_line, error_line, seconds_ago

    live.write("nginx_access", "<img src=x onerror=window.__pwned=4>", [
        access_line(seconds_ago(5), HOSTILE_PATH, 500, HOSTILE_AGENT)])  # fmt: skip
    live.write("nginx_error", "web-1", [error_line(seconds_ago(4), "<script>window.__pwned=5</script>")])
    page.goto(live.serve() + "logs?range=1h&live=1")
    page.wait_for_selector("body[data-logs-loaded]", state="attached", timeout=30_000)
    page.locator("#log-lines > li.log-line").nth(1).click()  # fields, drawn the same way
    page.wait_for_selector("table.fields")
    live.write("nginx_error", "web-1", [error_line(seconds_ago(0), "<img src=y onerror=window.__pwned=6>")])
    page.wait_for_selector("body[data-tailed]", state="attached", timeout=5_000)

    assert page.evaluate("window.__pwned") is None
    assert page.locator("#log-lines img, #log-lines script, #log-lines iframe, select img").count() == 0
    assert page.locator(".line-text", has_text="<script>window.__pwned=1</script>").count() == 1
    assert page.locator("table.fields td", has_text=HOSTILE_AGENT).count() == 1


@pytest.mark.parametrize("path", ["", "charts?range=1h", "logs?range=1h", "query", "alerts"])
def test_no_page_scrolls_sideways_at_phone_width(
    browser_context: Any, url: str, shots: Path, path: str
) -> None:
    phone = browser_context.new_page()
    try:
        phone.set_viewport_size({"width": 390, "height": 844})
        phone.goto(url + path)
        phone.wait_for_load_state("networkidle")
        phone.wait_for_timeout(500)
        assert phone.evaluate(OVERFLOW) <= 0, f"/{path} is wider than 390 px"
        if path.startswith("logs"):
            shoot(phone, shots, "logs-phone.png")
    finally:
        phone.close()


def test_query_schema_completion_history_and_cap(page: Any, url: str) -> None:
    page.goto(url + "query")
    schema = page.locator("#schema details", has_text="nginx_access")
    assert re.search(r"nginx_access\s+[1-9][\d,]* rows", schema.inner_text())
    # Examples only for tables with rows: the demo writes nginx logs, never Apache's.
    assert page.locator("button.example", has_text="All 5xx of nginx_access").count() == 1
    assert page.locator("button.example", has_text="apache").count() == 0
    page.fill("#sql", "SELECT user_a")
    page.focus("#sql")
    page.keyboard.press("End")
    page.keyboard.press("Tab")
    assert page.input_value("#sql") == "SELECT user_agent"
    page.fill("#sql", "SELECT * FROM nginx_access")
    page.click("#run")
    page.wait_for_selector("#results:not([hidden])")
    summary = page.inner_text("#result-summary")
    assert "first 10,000 rows" in summary and "export (CSV/JSON) takes up to 1,000,000 rows" in summary
    assert page.locator("#history li", has_text="SELECT * FROM nginx_access").count() == 1
    page.reload()
    assert (
        page.locator("#history li", has_text="SELECT * FROM nginx_access").count() == 1
    )  # kept in the browser


def test_alerts_page_links_each_firing_instance_to_its_evidence(
    page: Any, serve: ServeFn, demo_db: Path, shots: Path
) -> None:
    from datetime import UTC, datetime

    from dendro.alerts.engine import Snapshot
    from dendro.alerts.rules import AlertSettings
    from dendro.alerts.state import AlertState, Observation

    settings = AlertSettings.parse(
        {
            "alerts": [
                {"name": "nginx p95", "kind": "latency", "service": "nginx", "above": "10ms", "window": "1d"}
            ]
        }
    )
    state = AlertState()
    state.advance("nginx p95", 0, [Observation((("service", "nginx"),), 0.42, True)], datetime.now(UTC))
    server = serve(demo_db)
    server.show_alerts(lambda: Snapshot(settings.rules, state, [], None))

    page.goto(server.url + "alerts")
    row = page.locator('tr.rule[data-rule="nginx p95"]')
    assert row.locator(".badge").first.inner_text() == "firing"
    assert "service=nginx: 420ms since" in row.inner_text()
    assert page.locator("tr.rule").count() == 4  # the rule, and the three built-in ones
    shoot(page, shots, "alerts.png")

    # The evidence link opens the Query page with the rows behind the alert, slowest first.
    row.get_by_role("link", name="evidence").click()
    page.wait_for_selector("#results:not([hidden])")
    assert page.locator("#result-table tbody tr").count() > 10
    assert "request_time DESC" in page.input_value("#sql")


class CountingBackend(LocalBackend):
    """The demo store, remembering every SQL statement it was asked to run."""

    def __init__(self, path: Path) -> None:
        super().__init__(StoreFile(path), f"local store {path}")
        self.seen: list[str] = []

    def query(self, sql: str, max_rows: int | None = None) -> Any:
        self.seen.append(sql)
        return super().query(sql, max_rows)


def serve_page(html: str) -> tuple[str, Any]:
    """One HTML page on 127.0.0.1 (another origin than the dashboard's), until shutdown()."""

    class Page(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = html.encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Page)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_address[1]}/", server


def test_another_local_site_can_neither_frame_nor_post_a_query(
    page: Any, serve: ServeFn, demo_db: Path
) -> None:
    """Issue 10: a cross-origin iframe of /query?sql=... auto-ran the query, and a no-cors text/plain
    POST to /api/query from another local origin executed. Here a page of http://127.0.0.1:OTHER tries
    both against the dashboard opened as http://localhost:PORT (both loopback: another site)."""
    backend = CountingBackend(demo_db)
    board = serve(backend).url.replace("127.0.0.1", "localhost")
    evil_url, evil = serve_page(f"""<!doctype html><title>evil</title>
<iframe id="frame" src="{board}query?sql=SELECT%20'framed-marker'"></iframe>
<script>
fetch("{board}api/query", {{method: "POST", mode: "no-cors", headers: {{"Content-Type": "text/plain"}},
  body: JSON.stringify({{sql: "SELECT 'posted-marker'"}})}}).then(() => document.title = "posted",
  () => document.title = "posted");
</script>""")
    statuses: list[int] = []
    page.on("response", lambda r: statuses.append(r.status) if r.url.startswith(board) else None)
    console: list[str] = []
    page.on("console", lambda message: console.append(message.text))
    try:
        page.goto(evil_url)
        page.wait_for_selector("title", state="attached")
        page.wait_for_timeout(3000)  # what the frame or the post would run, they would have run by now
    finally:
        evil.shutdown()

    assert not any("marker" in sql for sql in backend.seen), backend.seen
    assert statuses == [403]  # the frame, refused by the server (and by frame-ancestors)
    assert any("frame-ancestors 'none'" in text for text in console)
    # The post got its 403 too; the browser then hides the answer (Cross-Origin-Resource-Policy).
    assert any("status of 403" in text for text in console), console
    # The same query from the dashboard's own page runs: the counter does see queries.
    page.goto(f"{board}query?sql=SELECT%20'own-marker'")
    page.wait_for_selector("#results:not([hidden])")
    assert any("own-marker" in sql for sql in backend.seen)
