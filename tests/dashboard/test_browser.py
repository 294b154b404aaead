"""The three pages in a real browser (Debian's chromium, driven by playwright) on demo traffic: the
charts are drawn (series pixels on each canvas, not just a canvas element), a query runs and its JSON
export downloads. Screenshots of the three pages are taken every run; `make screenshots` points
$DENDRO_SCREENSHOTS at docs/screenshots/, where the README shows them.

Needs /usr/bin/chromium (`make test` installs Debian's package); without it the module fails.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

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
    # The log_lines chart has no data in the demo and says so.
    assert page.locator("#chart-log_lines .overlay").inner_text() == "No data in this range"
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
