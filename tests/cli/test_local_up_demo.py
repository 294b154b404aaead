"""The README's main command as a user runs it: `dendro local up --demo` in a process of its own,
with the dashboard beside the collector. Demo traffic must go through the real VRL and collector and
show up in the dashboard's API; SIGTERM must stop everything cleanly."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def test_demo_flows_into_the_dashboard(tmp_path: Path) -> None:
    # Given: the pipeline with demo traffic and the dashboard, both on ephemeral loopback ports.
    command = [sys.executable, "-m", "dendro.cli.local", "up", "--demo", "--port", "0",
               "--dashboard-port", "0", "--db", str(tmp_path / "demo.duckdb")]  # fmt: skip
    process = subprocess.Popen(command, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        dashboard = ""
        for line in process.stdout:
            if line.startswith("Dashboard: open "):
                dashboard = line.split()[-1].rstrip("/")
            if line.startswith("Stop with Ctrl-C"):
                break
        assert dashboard.startswith("http://127.0.0.1:"), "the dashboard URL was not printed"

        # When: the dashboard is asked what the store holds, until demo rows have arrived.
        counts: dict[str, int] = {}
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not (counts.get("nginx_access") and counts.get("host_metrics")):
            sql = (
                "SELECT 'nginx_access', count(*) FROM nginx_access "
                "UNION ALL SELECT 'host_metrics', count(*) FROM host_metrics"
            )
            request = urllib.request.Request(
                f"{dashboard}/api/query", data=json.dumps({"sql": sql}).encode(), method="POST"
            )
            with urllib.request.urlopen(request, timeout=10) as response:
                counts = dict(json.load(response)["rows"])
            time.sleep(0.5)

        # Then: both tables filled through the real path, and the home page renders them.
        assert counts["nginx_access"] > 100 and counts["host_metrics"] > 100, counts
        with urllib.request.urlopen(f"{dashboard}/", timeout=10) as response:
            assert "nginx_access" in response.read().decode()
    finally:
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=60)
    assert process.returncode == 0, err
    assert "Stopped. Stored" in out
