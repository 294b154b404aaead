"""What the AWS backends (Athena, Timestream) share: the read-only statement check, the stack's
outputs, its alarm states, and AWS error messages said plainly."""

from __future__ import annotations

import re
from typing import Any

from dendro.dashboard.backends import Alarm, Health, QueryError

MAX_QUERY_CHARS = 262_144  # both services' QueryString limit

# Comments, string literals and quoted names, which may contain anything (semicolons, keywords).
_NOISE = re.compile(r"--[^\n]*|/\*.*?(?:\*/|$)|'(?:[^']|'')*'?|\"(?:[^\"]|\"\")*\"?|`[^`]*`?", re.DOTALL)


def check_one_read(sql: str, *, service: str, allowed: frozenset[str], hint: str) -> None:
    """Refuse anything but one statement starting with an `allowed` keyword."""
    statements = [s for s in _NOISE.sub(" ", sql).split(";") if s.strip()]
    if not statements:
        raise QueryError(f"no SQL statement given; try: {hint}")
    if len(statements) > 1:
        raise QueryError(f"one statement at a time: {service} runs a single query per request")
    keyword = statements[0].split(None, 1)[0].upper()
    if keyword == "UNLOAD":
        raise QueryError("UNLOAD statements are refused: they write to S3, and this page is read-only")
    if keyword not in allowed:
        raise QueryError(f"{keyword} statements are refused: the dashboard is read-only; run a SELECT")
    if len(sql) > MAX_QUERY_CHARS:
        raise QueryError(f"the query is {len(sql):,} characters; {service} takes at most {MAX_QUERY_CHARS:,}")


def aws_message(error: Exception) -> str:
    response = getattr(error, "response", {}) or {}
    return str(response.get("Error", {}).get("Message") or error)


def store_outputs(session: Any, stack_name: str, store: str, required: str) -> dict[str, str]:
    """The outputs of a stack that holds `store` (`dendro deploy` made them), or a QueryError."""
    from dendro.stack.names import OutputKey
    from dendro.stack.status import stack_outputs

    _, outputs = stack_outputs(session, stack_name)
    found = outputs.get(OutputKey.STORE)
    if found != store or not outputs.get(required):
        raise QueryError(
            f"stack {stack_name} stores its data in {found or 'an unknown store'}, not {store}; "
            f"run `dendro dashboard --store {found or 'local'}`, or pass the --stack-name of a {store} stack"
        )
    return outputs


def table_names(outputs: dict[str, str]) -> list[str]:
    from dendro.stack.names import OutputKey

    return [t for t in outputs.get(OutputKey.TABLE_NAMES, "").split(",") if t]


def stack_health(cloudwatch: Any, stack_name: str) -> Health:
    from botocore.exceptions import BotoCoreError, ClientError

    health = Health()
    alarms: list[Alarm] = []
    try:
        # CloudFormation names the stack's alarms `<stack>-<logical id>-<suffix>`.
        pages = cloudwatch.get_paginator("describe_alarms").paginate(
            AlarmNamePrefix=f"{stack_name}-", AlarmTypes=["MetricAlarm", "CompositeAlarm"]
        )
        for page in pages:
            for alarm in page.get("MetricAlarms", []) + page.get("CompositeAlarms", []):
                alarms.append(Alarm(alarm["AlarmName"], alarm["StateValue"], alarm.get("StateReason", "")))
    except (ClientError, BotoCoreError) as error:
        health.problems.append(f"alarm states unavailable: {aws_message(error)}")
    # Firing first: during an outage the alarm that fired is what the team looks for.
    order = {"ALARM": 0, "INSUFFICIENT_DATA": 1, "OK": 2}
    health.alarms = sorted(alarms, key=lambda a: (order.get(a.state, 3), a.name))
    return health
