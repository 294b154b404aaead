"""SNS (a CloudWatch alarm changed state) -> one Slack-compatible JSON post per webhook.

The webhook URLs are secrets (a Slack URL is a bearer credential): they live in an SSM SecureString
parameter that `dendro deploy` writes, never in the template; this function reads it at cold start.
Standard library only (urllib, json), so the asset is this file.

Payload: {"text": "[FIRING] ...", "dendro": {status, rule, alarm, reason, since, evidence_url, ...}},
the same shape `dendro local up` sends. ALARM is "firing"; OK after ALARM is "resolved"; other
transitions (a new alarm leaving INSUFFICIENT_DATA) are not news and are not sent.
"""

from __future__ import annotations

import json
import os
import time
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from typing import Any

PARAMETER_ENV = "DENDRO_WEBHOOKS_PARAMETER"
DASHBOARD_ENV = "DENDRO_DASHBOARD_URL"
TIMEOUT = 5.0
BACKOFF = (1.0, 3.0)

_webhooks: list[str] | None = None


def webhooks() -> list[str]:
    """The URLs, from SSM at the first call (boto3 is in the Lambda runtime; imported here only)."""
    global _webhooks
    if _webhooks is None:
        import boto3  # the runtime's copy: this asset ships no dependency

        name = os.environ[PARAMETER_ENV]
        value = boto3.client("ssm").get_parameter(Name=name, WithDecryption=True)["Parameter"]["Value"]
        _webhooks = [str(url) for url in json.loads(value)]
    return _webhooks


def console_url(region: str, alarm: str) -> str:
    return (
        f"https://{region}.console.aws.amazon.com/cloudwatch/home?region={region}"
        f"#alarmsV2:alarm/{urllib.parse.quote(alarm, safe='')}"
    )


def payload(alarm: dict[str, Any], dashboard: str | None) -> dict[str, Any] | None:
    """The post for one alarm notification, or None when the transition is not worth a message."""
    new, old = alarm.get("NewStateValue"), alarm.get("OldStateValue")
    if new == "ALARM":
        status = "firing"
    elif new == "OK" and old == "ALARM":
        status = "resolved"
    else:
        return None
    name = str(alarm.get("AlarmName", "?"))
    region = str(alarm.get("Region") or os.environ.get("AWS_REGION", "us-east-1"))
    # CloudWatch writes the region's display name ("US East (N. Virginia)") in `Region`; the ARN has the code.
    arn = str(alarm.get("AlarmArn", ""))
    if arn.count(":") >= 4:
        region = arn.split(":")[3]
    evidence = console_url(region, name)
    description = str(alarm.get("AlarmDescription") or "")
    reason = str(alarm.get("NewStateReason") or "")
    lines = [f"[{status.upper()}] {name}: {description}".rstrip(": "), reason, f"Evidence: {evidence}"]
    alerts = dashboard.rstrip("/") + "/alerts" if dashboard else None
    return {
        "text": "\n".join(line for line in lines if line),
        "dendro": {
            "status": status,
            "rule": description.split(":", 1)[0] if ":" in description else name,
            "alarm": name,
            "summary": reason,
            "since": alarm.get("StateChangeTime"),
            "evidence_url": evidence,
            "alerts_url": alerts,
        },
    }


def post(url: str, body: bytes) -> str | None:
    """POST with retries on 5xx, 408, 429 and network errors; None, or why it failed."""
    error = "not sent"
    for attempt in range(len(BACKOFF) + 1):
        request = urllib.request.Request(
            url, data=body, method="POST", headers={"Content-Type": "application/json"}
        )
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT) as response:  # noqa: S310
                response.read(65536)
            return None
        except urllib.error.HTTPError as failure:
            error = f"HTTP {failure.code}"
            if failure.code < 500 and failure.code not in (408, 429):
                return error
        except (urllib.error.URLError, OSError) as failure:
            error = str(getattr(failure, "reason", failure))
        if attempt < len(BACKOFF):
            time.sleep(BACKOFF[attempt])
    return error


def _host(url: str) -> str:
    return urllib.parse.urlsplit(url).netloc  # never the path: it is the secret


def handler(event: dict[str, Any], context: Any = None) -> dict[str, Any]:
    sent, failed = 0, []
    dashboard = os.environ.get(DASHBOARD_ENV) or None
    for record in event.get("Records", []):
        try:
            alarm = json.loads(record["Sns"]["Message"])
        except (KeyError, TypeError, json.JSONDecodeError):
            print(json.dumps({"skipped": "not a CloudWatch alarm message"}))
            continue
        body = payload(alarm, dashboard)
        if body is None:
            continue
        data = json.dumps(body).encode()
        urls = webhooks()
        # In parallel: one slow receiver does not hold the others back.
        with ThreadPoolExecutor(max_workers=max(1, min(8, len(urls)))) as pool:
            for url, error in zip(urls, pool.map(post, urls, [data] * len(urls)), strict=True):
                if error is None:
                    sent += 1
                else:
                    failed.append(f"{_host(url)}: {error}")
    result = {"sent": sent, "failed": failed}
    print(json.dumps(result))
    return result
