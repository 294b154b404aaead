"""The webhook formatter Lambda's handler, run here on a real SNS event shape: it reads the URLs from
SSM (botocore Stubber at that boundary) and posts firing and resolved to a real receiver on 127.0.0.1."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from dendro.stack.alert_formatter import handler
from tests.alerts.receivers import WebhookReceiver


def _event(new: str, old: str) -> dict[str, Any]:
    alarm = {
        "AlarmName": "Dendro-RuleWeb5xx",
        "AlarmDescription": "web 5xx: error_ratio: 5xx share > 5.0% over 5m",
        "AWSAccountId": "123456789012",
        "NewStateValue": new,
        "OldStateValue": old,
        "NewStateReason": "Threshold Crossed: 1 datapoint [0.25] was greater than the threshold (0.05).",
        "StateChangeTime": "2026-12-02T14:00:00.000+0000",
        "Region": "EU (Ireland)",
        "AlarmArn": "arn:aws:cloudwatch:eu-west-1:123456789012:alarm:Dendro-RuleWeb5xx",
    }
    return {"Records": [{"EventSource": "aws:sns", "Sns": {"Message": json.dumps(alarm)}}]}


@pytest.fixture
def receivers(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[WebhookReceiver, WebhookReceiver]]:
    good, broken = WebhookReceiver(), WebhookReceiver(status=404)
    ssm = boto3.client("ssm", region_name="eu-west-1", aws_access_key_id="x", aws_secret_access_key="x")
    stub = Stubber(ssm)
    stub.add_response(
        "get_parameter",
        {
            "Parameter": {
                "Name": "/dendro-secrets/Dendro/alert-webhooks",
                "Type": "SecureString",
                "Value": json.dumps([good.url, broken.url]),
            }
        },  # fmt: skip
        {"Name": "/dendro-secrets/Dendro/alert-webhooks", "WithDecryption": True},
    )
    stub.activate()
    monkeypatch.setattr(boto3, "client", lambda service, **_: ssm)
    monkeypatch.setenv(handler.PARAMETER_ENV, "/dendro-secrets/Dendro/alert-webhooks")
    monkeypatch.setenv(handler.DASHBOARD_ENV, "https://dendro.example.org/")
    monkeypatch.setattr(handler, "_webhooks", None)
    monkeypatch.setattr(handler, "BACKOFF", (0.01,))
    yield good, broken
    stub.assert_no_pending_responses()
    good.stop()
    broken.stop()


def test_firing_then_resolved_reach_the_webhook_once_each(
    receivers: tuple[WebhookReceiver, WebhookReceiver],
) -> None:
    good, broken = receivers
    fired = handler.handler(_event("ALARM", "OK"))
    handler.handler(_event("OK", "ALARM"))
    firing, resolved = good.wait_for(2)
    assert firing["text"].startswith("[FIRING] Dendro-RuleWeb5xx: web 5xx: error_ratio: 5xx share > 5.0%")
    assert firing["dendro"]["status"] == "firing" and firing["dendro"]["rule"] == "web 5xx"
    assert firing["dendro"]["evidence_url"] == (
        "https://eu-west-1.console.aws.amazon.com/cloudwatch/home?region=eu-west-1#alarmsV2:alarm/Dendro-RuleWeb5xx"
    )
    assert firing["dendro"]["alerts_url"] == "https://dendro.example.org/alerts"
    assert resolved["dendro"]["status"] == "resolved"
    # The broken receiver is reported by host only: the URL's path is the secret.
    assert fired["sent"] == 1 and fired["failed"] == [f"{broken.url.split('/')[2]}: HTTP 404"]


def test_a_new_alarm_leaving_insufficient_data_sends_nothing(
    receivers: tuple[WebhookReceiver, WebhookReceiver],
) -> None:
    good, _ = receivers
    assert handler.handler(_event("OK", "INSUFFICIENT_DATA")) == {"sent": 0, "failed": []}
    handler.handler(_event("ALARM", "OK"))  # uses the stubbed SSM answer, which must be consumed
    assert len(good.wait_for(1)) == 1
