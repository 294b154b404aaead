"""`dendro alerts list | test`: rules and state as printed, and a test notification reported per channel."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from dendro.alerts.state import AlertState, Observation, save_state, state_path
from dendro.cli.main import app
from tests.alerts.receivers import WebhookReceiver

runner = CliRunner()


def test_list_shows_rules_and_what_fires_from_the_state_file(tmp_path: Path) -> None:
    config = tmp_path / "dendro.toml"
    config.write_text('[[alerts]]\nname = "web 5xx"\nkind = "error_ratio"\nabove = 0.1\n')
    db = tmp_path / "dendro.duckdb"
    state = AlertState()
    from datetime import UTC, datetime

    state.advance("web 5xx", 0, [Observation((("service", "shop"),), 0.3, True)], datetime.now(UTC))
    save_state(state_path(db), state)

    result = runner.invoke(app, ["alerts", "list", "--config", str(config), "--db", str(db)])

    assert result.exit_code == 0, result.output
    assert "FIRING x1  web 5xx: error_ratio: 5xx share > 10.0% over 5m" in result.output
    assert "service=shop since " in result.output
    assert "ok         silent host: silent_host" in result.output  # a built-in rule still applies
    assert "Channels: none (add [[notify]] to dendro.toml)" in result.output


def test_list_refuses_a_bad_rule_with_its_name(tmp_path: Path) -> None:
    config = tmp_path / "dendro.toml"
    config.write_text('[[alerts]]\nname = "web"\nkind = "error_rate"\n')
    result = runner.invoke(app, ["alerts", "list", "--config", str(config)])
    assert result.exit_code == 1
    assert "alerts[0] (web).kind: unknown kind 'error_rate'" in result.output


def test_test_reports_each_channel_and_fails_when_one_fails(tmp_path: Path) -> None:
    good, bad = WebhookReceiver(), WebhookReceiver(status=404)
    config = tmp_path / "dendro.toml"
    config.write_text(f'[[notify]]\nwebhook = "{good.url}"\n\n[[notify]]\nwebhook = "{bad.url}"\n')
    try:
        result = runner.invoke(app, ["alerts", "test", "--config", str(config)])
    finally:
        good.stop()
        bad.stop()
    assert result.exit_code == 1
    host = good.url.rsplit("/hook", 1)[0]
    assert f"ok      webhook {host}" in result.output
    assert "FAILED  webhook http://127.0.0.1:" in result.output and "answered HTTP 404" in result.output
    (body,) = good.bodies
    assert body["text"].startswith("[FIRING] dendro test (channel=test)")
