"""The Alerts page over HTTP: rules, firing instances with their evidence link, history and deliveries,
everything escaped; and what the page says where no evaluator runs."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from dendro.alerts.engine import Snapshot
from dendro.alerts.notify import Delivery
from dendro.alerts.rules import AlertSettings
from dendro.alerts.state import AlertState, Observation
from tests.dashboard.conftest import Client, ServeFn

HOSTILE = "<script>alert(1)</script>"


def _snapshot() -> Snapshot:
    settings = AlertSettings.parse(
        {
            "alerts": [{"name": "web 5xx", "kind": "error_ratio", "above": 0.05}],
            "alerting": {"defaults": False},
        }
    )
    state = AlertState()
    state.advance("web 5xx", 0, [Observation((("service", HOSTILE),), 0.25, True)], datetime.now(UTC))
    delivery = Delivery(
        "webhook http://127.0.0.1:9", "[FIRING] web 5xx", False, 4, f"refused {HOSTILE}", "now"
    )
    return Snapshot(settings.rules, state, [delivery], None)


def test_the_page_shows_the_firing_instance_escaped_with_its_evidence(serve: ServeFn, empty_db: Path) -> None:
    server = serve(empty_db)
    server.show_alerts(_snapshot)
    page = Client(server.url).get("/alerts")
    assert page.status == 200
    assert HOSTILE not in page.text
    assert "service=&lt;script&gt;alert(1)&lt;/script&gt;: 25.0%" in page.text
    assert "refused &lt;script&gt;" in page.text
    assert 'aria-current="page">Alerts</a>' in page.text

    data = Client(server.url).get("/api/alerts").json()
    (rule,) = data["rules"]
    assert (rule["name"], rule["status"]) == ("web 5xx", "firing")
    (instance,) = rule["instances"]
    sql = parse_qs(urlsplit(instance["evidence"]).query)["sql"][0]
    # The evidence query filters on the label as a quoted literal, and runs on the store.
    assert "\"service\" = '<script>alert(1)</script>'" in sql and "status >= 500" in sql
    answer = Client(server.url).post_json("/api/query", {"sql": sql})
    assert answer.status == 200 and answer.json()["rows"] == []
    assert data["history"][0]["status"] == "firing"


def test_without_an_evaluator_the_page_says_where_alerts_run(serve: ServeFn, empty_db: Path) -> None:
    client = Client(serve(empty_db).url)
    page = client.get("/alerts")
    assert page.status == 200 and "evaluated by <code>dendro local up</code>" in page.text
    assert client.get("/api/alerts").status == 404
