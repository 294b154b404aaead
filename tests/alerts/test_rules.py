"""dendro.toml's alert tables: the issue's example loads; each kind of mistake names the rule and field."""

from __future__ import annotations

from pathlib import Path

import pytest

from dendro.alerts.rules import (
    AlertSettings,
    AlertSettingsError,
    EmailChannel,
    ErrorRatioRule,
    SilentHostRule,
    WebhookChannel,
)

EXAMPLE = """
host = "web-1"

[alerting]
interval = "30s"

[[alerts]]
name = "web 5xx"
kind = "error_ratio"
source = "nginx_access"
above = 0.05
for = "2m"

[[alerts]]
name = "silent host"
kind = "silent_host"
after = "5m"

[[alerts]]
name = "checkout p95"
kind = "latency"
service = "checkout"
percentile = 95
above = "800ms"
for = "5m"

[[notify]]
webhook = "https://hooks.example.com/T000/B000"

[[notify]]
email = "ops@example.org"
"""


def test_the_issue_example_loads_with_durations_in_seconds(tmp_path: Path) -> None:
    path = tmp_path / "dendro.toml"
    path.write_text(EXAMPLE)
    settings = AlertSettings.load(path)
    assert settings.alerting.interval == 30
    web, silent, checkout = settings.alerts
    assert isinstance(web, ErrorRatioRule) and (web.above, web.for_, web.sources) == (
        0.05,
        120,
        ("nginx_access",),
    )
    assert isinstance(silent, SilentHostRule) and silent.after == 300
    assert checkout.above == pytest.approx(0.8)
    assert settings.notify == (
        WebhookChannel(webhook="https://hooks.example.com/T000/B000"),
        EmailChannel(email="ops@example.org"),
    )


def test_defaults_ship_and_a_rule_of_the_same_kind_replaces_its_default() -> None:
    bare = AlertSettings.parse({})
    assert [r.kind for r in bare.rules] == ["error_ratio", "silent_host", "metric"]
    mine = AlertSettings.parse({"alerts": [{"name": "web 5xx", "kind": "error_ratio", "above": 0.1}]})
    assert [r.name for r in mine.rules] == ["web 5xx", "silent host", "disk above 90%"]
    off = AlertSettings.parse({"alerting": {"defaults": False}})
    assert off.rules == ()


@pytest.mark.parametrize(
    ("rule", "problem"),
    [
        ({"kind": "nope"}, "alerts[0] (r).kind: unknown kind 'nope'; choose one of: error_ratio, latency"),
        ({"kind": "error_ratio", "above": 5}, "alerts[0] (r).above: 5 is not a share; 0.05 means 5 %"),
        ({"kind": "error_ratio", "above": 0.1, "colour": "red"}, "alerts[0] (r).colour: unknown field"),
        (
            {"kind": "error_ratio", "above": 0.1, "source": "syslog"},
            "alerts[0] (r).source: 'syslog' is not an access-log source",
        ),
        (
            {"kind": "log_rate", "above": 3, "source": "nginx_access"},
            "alerts[0] (r).source: 'nginx_access' has no log level",
        ),
        ({"kind": "metric", "metric": "disk"}, "alerts[0] (r).above: give exactly one of `above` or `below`"),
        (
            {"kind": "metric", "metric": "Disk Space", "above": 1},
            "alerts[0] (r).metric: 'Disk Space': name one of cpu",
        ),
        ({"kind": "latency", "above": "fast"}, "alerts[0] (r).above: 'fast' is not a duration"),
        ({"kind": "silent_host", "after": "10s"}, "alerts[0] (r).after: a host scrapes every 15 s"),
        (
            {"kind": "sql", "sql": "DELETE FROM nginx_access"},
            "alerts[0] (r).sql: DELETE is refused: an alert query must be a read-only SELECT",
        ),
        (
            {"kind": "sql", "sql": "SELECT 1; SELECT 2"},
            "alerts[0] (r).sql: give exactly one SELECT statement, not 2",
        ),
        ({"kind": "sql", "sql": "SELEC host"}, "alerts[0] (r).sql: does not parse"),
    ],
)
def test_a_bad_rule_is_refused_with_its_name_and_field(rule: dict, problem: str) -> None:
    with pytest.raises(AlertSettingsError) as error:
        AlertSettings.parse({"alerts": [{"name": "r", **rule}]})
    assert any(p.startswith(problem) for p in error.value.problems), error.value.problems


def test_two_rules_with_one_name_and_a_bad_channel_are_refused() -> None:
    with pytest.raises(AlertSettingsError) as error:
        AlertSettings.parse(
            {
                "alerts": [{"name": "a", "kind": "silent_host"}, {"name": "a", "kind": "silent_host"}],
            }
        )
    assert "two rules are named 'a'" in str(error.value)
    with pytest.raises(AlertSettingsError) as error:
        AlertSettings.parse({"notify": [{"slack": "https://x"}, {"webhook": "ftp://x"}]})
    assert error.value.problems == [
        "notify[0]: give `webhook = URL` or `email = ADDRESS`",
        "notify[1].webhook: 'ftp://x' is not an http(s) URL; give the webhook's full URL",
    ]


def test_a_file_that_is_not_toml_says_so(tmp_path: Path) -> None:
    path = tmp_path / "dendro.toml"
    path.write_text("[[alerts]\nname = ")
    with pytest.raises(AlertSettingsError, match="not valid TOML"):
        AlertSettings.load(path)
