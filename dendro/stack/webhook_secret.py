"""Where the alert webhooks' URLs live on AWS: an SSM SecureString parameter, written by `dendro deploy`
with the caller's credentials (CloudFormation cannot create a SecureString, and a URL that is a bearer
credential must not sit in the template), read by the webhook formatter Lambda."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any


def webhooks_parameter(stack_name: str) -> str:
    """Outside /dendro/<stack>/, which agents may read by path: this one holds secrets."""
    return f"/dendro-secrets/{stack_name}/alert-webhooks"


def store_webhooks(session: Any, stack_name: str, urls: Sequence[str]) -> str:
    """Write (or overwrite) the parameter; returns its name. Standard tier: no charge."""
    name = webhooks_parameter(stack_name)
    session.client("ssm").put_parameter(
        Name=name,
        Value=json.dumps(list(urls)),
        Type="SecureString",
        Overwrite=True,
        Tier="Standard",
        Description=f"Webhook URLs the alarms of Dendro stack {stack_name} are posted to (dendro deploy).",
    )
    return name
