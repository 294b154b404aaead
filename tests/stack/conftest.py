"""One CDK app for every stack test, synthesized once per session (synth is the slow part).

It holds the timestream pipeline, a keep-data variant, the iceberg pipeline (the default store) and
its keep-data variant, and a consumer stack that imports the outputs,
with cdk-nag's AwsSolutions pack as a validation plugin: any unacknowledged finding makes synth raise,
so the fixture itself is the nag check.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

# jsii prints a banner about Node 20 on every start; `dendro` prints its own one-line warning instead.
os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")

ALERT_EMAILS = ("ops@example.org", "oncall@example.org")
SECRET_WEBHOOK = "https://hooks.example.com/services/T000/B000/SECRET"
# One rule of each kind AWS can alarm on, a local-only one, and both channels.
RULES_TOML = f"""
[alerting]
dashboard_url = "https://dendro.example.org"

[[alerts]]
name = "web 5xx"
kind = "error_ratio"
service = "shop"
above = 0.05
for = "5m"

[[alerts]]
name = "web-1 5xx"
kind = "error_ratio"
host = "web-1"
source = "nginx_access"
above = 0.1

[[alerts]]
name = "checkout p95"
kind = "latency"
service = "checkout"
above = "800ms"

[[alerts]]
name = "silent"
kind = "silent_host"
after = "5m"

[[alerts]]
name = "load"
kind = "metric"
metric = "load1"
above = 8

[[alerts]]
name = "error lines"
kind = "log_rate"
source = "nginx_error"
above = 20

[[alerts]]
name = "stuck jobs"
kind = "sql"
sql = "SELECT host FROM syslog WHERE message LIKE '%stuck%'"
local_only = true

[[notify]]
webhook = "{SECRET_WEBHOOK}"

[[notify]]
email = "team@example.org"
"""


@dataclass
class Synthesized:
    app: Any
    dendro: Any  # DendroStack
    kept: Any  # DendroStack with keep_data
    iceberg: Any  # DendroStack with the default store
    iceberg_kept: Any
    rules: Any  # DendroStack (iceberg) with the rules of RULES_TOML
    consumer: Any
    outdir: Path

    def template(self, stack: Any) -> Any:
        from aws_cdk.assertions import Template

        return Template.from_stack(stack)


@pytest.fixture(scope="session")
def synthesized(tmp_path_factory: pytest.TempPathFactory) -> Synthesized:
    import aws_cdk as cdk
    from cdk_nag import AwsSolutionsChecks

    from dendro.stack.feature_flags import FEATURE_FLAGS
    from dendro.stack.props import DendroProps
    from dendro.stack.stack import DendroStack
    from tests.stack.consumer import ConsumerStack

    outdir = tmp_path_factory.mktemp("cdk.out")
    # The flags the packaged app synthesizes with, so these assertions see the deployed template.
    app = cdk.App(outdir=str(outdir), context=FEATURE_FLAGS)
    dendro = DendroStack(
        app,
        "Dendro",
        props=DendroProps(store="timestream", bundle=False, alert_emails=ALERT_EMAILS, agent_role=True),
    )
    kept = DendroStack(
        app,
        "DendroKept",
        props=DendroProps(
            store="timestream", bundle=False, keep_data=True, sources=("nginx_access", "syslog")
        ),
    )
    iceberg = DendroStack(
        app, "DendroIceberg", props=DendroProps(bundle=False, alert_emails=ALERT_EMAILS, agent_role=True)
    )
    iceberg_kept = DendroStack(
        app,
        "DendroIcebergKept",
        props=DendroProps(
            bundle=False,
            keep_data=True,
            sources=("nginx_access", "syslog"),
            event_earliest="2025-01-01",
            event_ahead_hours=2,
        ),
    )
    rules_file = outdir.parent / "dendro.toml"
    rules_file.write_text(RULES_TOML)
    rules = DendroStack(
        app,
        "DendroRules",
        props=DendroProps(
            bundle=False,
            sources=("nginx_access", "nginx_error", "host_metrics"),
            alerts_config=str(rules_file),
        ),
    )
    consumer = ConsumerStack(app, "Consumer", producer_stack_name="Dendro")
    consumer.add_dependency(dendro)
    cdk.Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    app.synth()
    return Synthesized(
        app=app,
        dendro=dendro,
        kept=kept,
        iceberg=iceberg,
        iceberg_kept=iceberg_kept,
        rules=rules,
        consumer=consumer,
        outdir=outdir,
    )
