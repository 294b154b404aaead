"""`dendro local up --config dendro.toml` as a user runs it, in a process of its own, against real
receivers on 127.0.0.1: a burst of 5xx posted to the collector fires one webhook and one email, a
restart sends nothing new, and the traffic turning healthy resolves it on both channels. The Alerts
page shows the rule, escaped."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from dendro.local_pipeline.client import CollectorClient, ndjson
from tests.alerts.conftest import access
from tests.alerts.receivers import SmtpReceiver, WebhookReceiver

REPO = Path(__file__).resolve().parents[2]
RULE = "web 5xx <b>bold</b>"
SERVICE = "shop<i>x</i>"


class LocalUp:
    def __init__(self, db: Path, config: Path) -> None:
        command = [sys.executable, "-m", "dendro.cli.local", "up", "--port", "0", "--dashboard-port", "0",
                   "--db", str(db), "--config", str(config)]  # fmt: skip
        self.process = subprocess.Popen(
            command, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        assert self.process.stdout is not None
        self.collector = self.dashboard = ""
        self.banner: list[str] = []
        for line in self.process.stdout:
            self.banner.append(line)
            if line.startswith("Dendro collector listening on "):
                self.collector = line.split()[-1]
            if line.startswith("Dashboard: open "):
                self.dashboard = line.split()[-1].rstrip("/")
            if line.startswith("Stop with Ctrl-C"):
                break
        assert self.collector and self.dashboard, self.process.stderr.read() if self.process.stderr else ""

    def stop(self) -> str:
        self.process.send_signal(signal.SIGTERM)
        out, err = self.process.communicate(timeout=60)
        assert self.process.returncode == 0, err
        return out


@pytest.fixture
def receivers() -> Iterator[tuple[WebhookReceiver, SmtpReceiver]]:
    webhook, smtp = WebhookReceiver(), SmtpReceiver()
    yield webhook, smtp
    webhook.stop()
    smtp.stop()


def test_firing_then_resolved_reach_webhook_and_email_once_each(
    tmp_path: Path, receivers: tuple[WebhookReceiver, SmtpReceiver]
) -> None:
    webhook, smtp = receivers
    config = tmp_path / "dendro.toml"
    config.write_text(
        f"""
[alerting]
interval = "1s"
defaults = false
smtp = {{ host = "127.0.0.1", port = {smtp.port}, from = "dendro@example.org", starttls = false }}

[[alerts]]
name = "{RULE}"
kind = "error_ratio"
source = "nginx_access"
above = 0.05

[[notify]]
webhook = "{webhook.url}"

[[notify]]
email = "ops@example.org"
"""
    )
    db = tmp_path / "dendro.duckdb"
    up = LocalUp(db, config)
    assert any(line.startswith(f"Alerts: 1 rules from {config}, every 1 s") for line in up.banner), up.banner
    try:
        # Given a burst: 40 requests, 10 of them 5xx (25 %, against 5 %)
        now = datetime.now(UTC)
        client = CollectorClient(up.collector)
        posted = time.monotonic()
        client.post(ndjson([access("web-1", 503 if i % 4 == 0 else 200, now, SERVICE) for i in range(40)]))

        # Then one firing notification on each channel, within about one interval
        (firing,) = webhook.wait_for(1)
        delay = time.monotonic() - posted
        (mail,) = smtp.wait_for(1)
        assert firing["dendro"]["status"] == "firing" and firing["dendro"]["labels"] == {"service": SERVICE}
        assert firing["dendro"]["evidence_url"].startswith(up.dashboard + "/query?sql=")
        assert mail["Subject"] == f"Dendro: [FIRING] {RULE} (service={SERVICE})"
        assert delay < 5, f"notified {delay:.1f} s after the burst"

        # And the Alerts page shows it firing, with the rule name and the label escaped
        with urllib.request.urlopen(f"{up.dashboard}/alerts", timeout=10) as response:
            page = response.read().decode()
        assert "web 5xx &lt;b&gt;bold&lt;/b&gt;" in page and "<b>bold</b>" not in page
        assert "shop&lt;i&gt;x&lt;/i&gt;" in page and "<i>x</i>" not in page
        assert ">firing</span>" in page
    finally:
        up.stop()

    # When dendro local up restarts while the alert still fires, nothing is sent again
    up = LocalUp(db, config)
    try:
        time.sleep(3)  # three evaluations
        assert len(webhook.bodies) == 1 and len(smtp.messages) == 1

        # When the traffic turns healthy (10 errors in 440 requests: 2.3 %), it resolves, once each
        client = CollectorClient(up.collector)
        client.post(ndjson([access("web-1", 200, datetime.now(UTC), SERVICE) for _ in range(400)]))
        _, resolved = webhook.wait_for(2)
        _, mail = smtp.wait_for(2)
        assert resolved["dendro"]["status"] == "resolved"
        assert mail["Subject"] == f"Dendro: [RESOLVED] {RULE} (service={SERVICE})"
        time.sleep(2)
        assert len(webhook.bodies) == 2 and len(smtp.messages) == 2
    finally:
        up.stop()
