"""Delivery to real receivers on 127.0.0.1: email through an SMTP server (aiosmtpd), retries with
back-off on a failing webhook, and a hanging webhook that does not hold the email back."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from dendro.alerts.message import Notification
from dendro.alerts.notify import Dispatcher, wait_idle
from dendro.alerts.rules import AlertSettings, ErrorRatioRule
from dendro.alerts.state import Transition
from tests.alerts.receivers import SmtpReceiver, WebhookReceiver

RULE = ErrorRatioRule(name="web 5xx", kind="error_ratio", above=0.05)
FIRING = Notification(
    Transition(
        "firing",
        "web 5xx",
        (("service", "nginx"),),
        0.25,
        "2026-12-02T14:00:00+00:00",
        "2026-12-02T14:02:00+00:00",
    ),
    RULE,
    "http://127.0.0.1:3000/query?sql=SELECT+1",
    "http://127.0.0.1:3000/alerts",
)


@pytest.fixture
def smtp() -> Iterator[SmtpReceiver]:
    receiver = SmtpReceiver()
    yield receiver
    receiver.stop()


def _settings(smtp: SmtpReceiver, *hooks: str) -> AlertSettings:
    return AlertSettings.parse(
        {
            "alerting": {
                "smtp": {
                    "host": "127.0.0.1",
                    "port": smtp.port,
                    "from": "dendro@example.org",
                    "starttls": False,
                }
            },
            "notify": [{"webhook": h} for h in hooks] + [{"email": "ops@example.org"}],
        }
    )


def test_an_email_carries_the_rule_the_value_and_the_evidence(smtp: SmtpReceiver) -> None:
    settings = _settings(smtp)
    dispatcher = Dispatcher(settings.webhooks, settings.emails, settings.alerting.smtp)
    dispatcher.submit(FIRING)
    (message,) = smtp.wait_for(1)
    dispatcher.stop()
    assert message["Subject"] == "Dendro: [FIRING] web 5xx (service=nginx)"
    assert message["To"] == "ops@example.org" and message["From"] == "dendro@example.org"
    body = message.get_content()
    assert "25.0% > 5.0% since 2026-12-02 14:00:00 UTC" in body
    assert "Evidence: http://127.0.0.1:3000/query?sql=SELECT+1" in body
    assert [d.ok for d in dispatcher.deliveries()] == [True]


def test_a_failing_webhook_is_retried_then_given_up_and_recorded() -> None:
    failing = WebhookReceiver(status=503)
    settings = AlertSettings.parse({"notify": [{"webhook": failing.url}]})
    dispatcher = Dispatcher(settings.webhooks, (), None, backoff=(0.01, 0.01), log=lambda _: None)
    dispatcher.submit(FIRING)
    (delivery,) = wait_idle(dispatcher, 1)
    dispatcher.stop()
    failing.stop()
    assert (delivery.ok, delivery.attempts) == (False, 3)
    assert (
        delivery.error
        == "webhook http://127.0.0.1:" + failing.url.split(":")[2].split("/")[0] + " answered HTTP 503"
    )


def test_a_refused_payload_is_not_retried() -> None:
    refusing = WebhookReceiver(status=400)
    settings = AlertSettings.parse({"notify": [{"webhook": refusing.url}]})
    dispatcher = Dispatcher(settings.webhooks, (), None, backoff=(5.0, 5.0), log=lambda _: None)
    started = time.monotonic()
    (delivery,) = dispatcher.test(FIRING)
    dispatcher.stop()
    refusing.stop()
    assert (delivery.ok, delivery.attempts) == (False, 1)
    assert time.monotonic() - started < 2


def test_a_hanging_webhook_does_not_delay_the_email(smtp: SmtpReceiver) -> None:
    hanging = WebhookReceiver(delay=4.0)
    settings = _settings(smtp, hanging.url)
    dispatcher = Dispatcher(settings.webhooks, settings.emails, settings.alerting.smtp, log=lambda _: None)
    started = time.monotonic()
    dispatcher.submit(FIRING)
    smtp.wait_for(1)
    assert time.monotonic() - started < 2, "the email waited for the webhook"
    assert hanging.bodies == []
    hanging.wait_for(1)
    dispatcher.stop()
    hanging.stop()
