"""`dendro deploy | diff | teardown | status` (and synth's checks): what the user sees.

AWS is never called: credentials come from an empty environment (missing) or from a session whose
real boto3 clients are wrapped in botocore's Stubber (request shapes checked against the service
models). The CDK CLI is replaced by a recorder, except in tests/stack/test_cdk_synth.py.
"""

from __future__ import annotations

import datetime
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from dendro.cli.main import app
from dendro.stack import cdk_cli, preflight
from tests.support.aws import ACCOUNT, REGION, StubbedSession, without_credentials


def invoke(*args: str, input: str | None = None) -> Any:
    return CliRunner().invoke(app, list(args), input=input)


def error_lines(result: Any) -> list[str]:
    return [line for line in result.stderr.splitlines() if line.startswith("Error:")]


@pytest.fixture
def node(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    """Puts a `node` that reports the given version first on PATH."""

    def install(version: str | None) -> None:
        bin_dir = tmp_path / "bin"
        bin_dir.mkdir(exist_ok=True)
        if version is not None:
            script = bin_dir / "node"
            script.write_text(f"#!/bin/sh\necho {version}\n")
            script.chmod(0o755)
            monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
        else:
            (bin_dir / "node").unlink(missing_ok=True)
            monkeypatch.setenv("PATH", str(bin_dir))

    install("v22.12.0")
    return install


@dataclass
class Recorder:
    calls: list[tuple[list[str], dict[str, str]]] = field(default_factory=list)
    exit_code: int = 0

    def __call__(self, command: list[str], *, env: dict[str, str], **_: Any) -> int:
        self.calls.append((list(command), dict(env)))
        return self.exit_code


@pytest.fixture
def cdk(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Recorder:
    recorder = Recorder()
    monkeypatch.setattr(cdk_cli, "run", recorder)
    # A clean clone before `npm ci` has no node_modules; these tests do not need the real CLI.
    fake = cdk_cli.CdkCli((str(tmp_path / "node_modules/.bin/cdk"),), "test")
    monkeypatch.setattr(cdk_cli, "find_cdk", lambda root=None: fake)
    monkeypatch.chdir(tmp_path)
    return recorder


@pytest.fixture
def session(monkeypatch: pytest.MonkeyPatch) -> Iterator[StubbedSession]:
    fake = StubbedSession()
    monkeypatch.setattr(preflight, "session_factory", lambda profile, region: fake)
    fake.stub("sts").add_response(
        "get_caller_identity",
        {"UserId": "AIDAEXAMPLE", "Account": ACCOUNT, "Arn": f"arn:aws:iam::{ACCOUNT}:user/ops"},
    )
    yield fake


def bootstrapped(session: StubbedSession, store: str = "iceberg") -> None:
    """A bootstrapped region where no Dendro stack, and no database kept by one, exists yet."""
    bootstrapped_only(session)
    if store == "iceberg":
        iam_only_catalog(session)
    never_deployed(session)
    if store == "iceberg":
        session.stub("glue").add_client_error("get_database", "EntityNotFoundException", http_status_code=400)
    else:
        session.stub("timestream-write").add_client_error(
            "describe_database", "ResourceNotFoundException", http_status_code=400
        )


IAM_ONLY = [{"Principal": {"DataLakePrincipalIdentifier": "IAM_ALLOWED_PRINCIPALS"}, "Permissions": ["ALL"]}]


def iam_only_catalog(session: StubbedSession, governed: bool = False) -> None:
    """Lake Formation's settings: new databases and tables IAM-governed (the default), or not."""
    settings = {"CreateDatabaseDefaultPermissions": [] if governed else IAM_ONLY,
                "CreateTableDefaultPermissions": [] if governed else IAM_ONLY}  # fmt: skip
    session.stub("lakeformation").add_response("get_data_lake_settings", {"DataLakeSettings": settings}, {})


def never_deployed(session: StubbedSession) -> None:
    session.stub("cloudformation").add_client_error(
        "describe_stacks", "ValidationError", "Stack with id Dendro does not exist", http_status_code=400
    )


# --- what to run when something is missing ---------------------------------------------------------


def test_missing_credentials_is_one_line_saying_what_to_run(
    node: Any, cdk: Recorder, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # Given an environment where boto3 finds no credentials anywhere
    without_credentials(monkeypatch, tmp_path)

    result = invoke("deploy", "--region", REGION)

    assert result.exit_code == 1
    assert error_lines(result) == [
        "Error: no AWS credentials found: run `aws configure` (or `aws sso login`), or pass --profile"
    ]
    assert cdk.calls == []


def test_a_region_never_bootstrapped_names_the_bootstrap_command(
    node: Any, cdk: Recorder, session: StubbedSession
) -> None:
    session.stub("ssm").add_client_error(
        "get_parameter", service_error_code="ParameterNotFound", http_status_code=400
    )

    result = invoke("deploy", "--region", REGION)

    assert result.exit_code == 1
    [line] = error_lines(result)
    assert f"region {REGION} of account {ACCOUNT} was never bootstrapped for CDK" in line
    assert line.endswith(f"bootstrap aws://{ACCOUNT}/{REGION}`")
    assert cdk.calls == []
    session.assert_done()


def test_node_too_old_stops_before_anything_else(node: Any, cdk: Recorder) -> None:
    node("v18.20.4")
    result = invoke("deploy", "--region", REGION)
    assert result.exit_code == 1
    [line] = error_lines(result)
    assert line == "Error: Node.js v18.20.4 is too old for the CDK CLI: install Node.js 22 or newer"


def test_no_node_at_all(node: Any, cdk: Recorder) -> None:
    node(None)
    result = invoke("synth")
    assert error_lines(result) == [
        "Error: node not found: install Node.js 22 or newer, then run Dendro again"
    ]


def test_node_20_works_with_a_clear_warning(node: Any, cdk: Recorder, session: StubbedSession) -> None:
    node("v20.11.1")
    bootstrapped(session)
    result = invoke("deploy", "--region", REGION, "--yes")
    assert result.exit_code == 0, result.output
    assert "Warning: Node.js v20.11.1 is past end-of-life; CDK still runs on it" in result.stderr
    assert len(cdk.calls) == 1


def test_node_22_needs_no_warning(node: Any, cdk: Recorder) -> None:
    result = invoke("synth", "--no-bundle")
    assert result.exit_code == 0, result.output
    assert "Warning" not in result.stderr


def test_a_bad_flag_value_names_the_flag(node: Any, cdk: Recorder) -> None:
    result = invoke("deploy", "--alert-email", "ops-at-example.org")
    assert error_lines(result) == ["Error: --alert-email: 'ops-at-example.org' is not an email address"]
    result = invoke("synth", "--source", "nginx_acess")
    assert error_lines(result)[0].startswith("Error: --source: unknown source 'nginx_acess'; choose from")
    assert cdk.calls == []


def test_the_default_store_is_iceberg(node: Any, cdk: Recorder) -> None:
    # Timestream for LiveAnalytics is closed to new accounts (aws-notes §1).
    result = invoke("synth", "--no-bundle")
    assert result.exit_code == 0, result.output
    [(command, _)] = cdk.calls
    assert "dendro:store=iceberg" in command


# --- what is passed to CDK ---------------------------------------------------------------------------


def test_deploy_hands_the_options_to_cdk_and_saves_the_outputs(
    node: Any, cdk: Recorder, session: StubbedSession, tmp_path: Path
) -> None:
    bootstrapped(session, "timestream")

    result = invoke(
        *("deploy", "--store", "timestream", "--region", REGION, "--profile", "ops", "--keep-data", "--yes"),
        *("--alert-email", "a@example.org", "--alert-email", "b@example.org"),
        *("--source", "nginx_access", "--source", "syslog"),
    )

    assert result.exit_code == 0, result.output
    [(command, env)] = cdk.calls
    assert command[1:3] == ["deploy", "Dendro"]
    outputs = tmp_path / ".dendro" / "outputs.json"
    assert command[command.index("--outputs-file") + 1] == str(outputs)
    assert command[command.index("--require-approval") + 1] == "never"
    context = [command[i + 1] for i, arg in enumerate(command) if arg == "--context"]
    assert context == [
        "dendro:stackName=Dendro",
        "dendro:store=timestream",
        "dendro:sources=nginx_access,syslog",
        "dendro:alertEmails=a@example.org,b@example.org",
        "dendro:keepData=true",
    ]
    assert (env["AWS_REGION"], env["AWS_PROFILE"]) == (REGION, "ops")
    assert "Next: dendro configure --sink firehose --outputs .dendro/outputs.json" in result.stdout
    assert "no --alert-email" not in result.stderr
    session.assert_done()


def test_a_deploy_without_alert_email_warns_that_alarms_reach_no_one(
    node: Any, cdk: Recorder, session: StubbedSession
) -> None:
    bootstrapped(session)
    result = invoke("deploy", "--region", REGION, "--yes")
    assert result.exit_code == 0, result.output
    assert (
        "Warning: no --alert-email and no [[notify]] in dendro.toml: the alarm topic gets no subscriber"
        in result.stderr
    )


def test_deploy_with_rules_stores_webhooks_in_ssm_and_passes_the_config(
    node: Any, cdk: Recorder, session: StubbedSession, tmp_path: Path
) -> None:
    bootstrapped(session)
    hook = "https://hooks.example.com/services/T000/B000/SECRET"
    (tmp_path / "dendro.toml").write_text(f'[[notify]]\nwebhook = "{hook}"\n')
    session.stub("ssm").add_response(
        "put_parameter",
        {"Version": 1, "Tier": "Standard"},
        {
            "Name": "/dendro-secrets/Dendro/alert-webhooks",
            "Value": f'["{hook}"]',
            "Type": "SecureString",
            "Overwrite": True,
            "Tier": "Standard",
            "Description": "Webhook URLs the alarms of Dendro stack Dendro are posted to (dendro deploy).",
        },
    )

    result = invoke("deploy", "--region", REGION, "--yes")  # ./dendro.toml is read by default

    assert result.exit_code == 0, result.output
    assert "no --alert-email" not in result.stderr  # a webhook is a subscriber
    [(command, _)] = cdk.calls
    assert f"dendro:alertsConfig={tmp_path / 'dendro.toml'}" in command
    assert hook not in " ".join(command)
    session.assert_done()


def test_deploy_refuses_a_rule_aws_cannot_alarm_on_before_anything_runs(
    node: Any, cdk: Recorder, tmp_path: Path
) -> None:
    config = tmp_path / "rules.toml"
    config.write_text('[[alerts]]\nname = "jobs"\nkind = "sql"\nsql = "SELECT 1"\n')
    result = invoke("deploy", "--region", REGION, "--config", str(config))
    assert result.exit_code == 1
    assert "jobs: sql rules run locally only" in result.stderr and "local_only = true" in result.stderr
    assert cdk.calls == []


def test_without_yes_cdk_asks_its_own_approval_for_security_changes(
    node: Any, cdk: Recorder, session: StubbedSession
) -> None:
    bootstrapped(session)
    invoke("deploy", "--region", REGION)
    [(command, _)] = cdk.calls
    assert "--require-approval" not in command
    assert command[command.index("--progress") + 1] == "events"


def test_a_failed_cdk_deploy_exits_non_zero(node: Any, cdk: Recorder, session: StubbedSession) -> None:
    bootstrapped(session)
    cdk.exit_code = 1
    result = invoke("deploy", "--region", REGION)
    assert result.exit_code == 1
    assert error_lines(result) == ["Error: cdk deploy failed (exit 1); the reason is printed above"]


def test_synth_needs_no_aws_and_passes_out_and_no_bundle(node: Any, cdk: Recorder, tmp_path: Path) -> None:
    result = invoke("synth", "--out", "build/cdk", "--no-bundle", "--nag")
    assert result.exit_code == 0, result.output
    [(command, env)] = cdk.calls
    assert command[command.index("--output") + 1] == str(tmp_path / "build" / "cdk")
    assert {"dendro:bundle=false", "dendro:nag=true"} <= set(command)
    assert "AWS_PROFILE" not in env or env["AWS_PROFILE"] == os.environ.get("AWS_PROFILE")


def test_diff_passes_cdks_exit_code_through(node: Any, cdk: Recorder, session: StubbedSession) -> None:
    cdk.exit_code = 1
    result = invoke("diff", "--region", REGION)
    assert result.exit_code == 1
    assert cdk.calls[0][0][1:3] == ["diff", "Dendro"]


# --- teardown asks first -----------------------------------------------------------------------------


def test_teardown_asks_first_and_a_no_deletes_nothing(
    node: Any, cdk: Recorder, session: StubbedSession
) -> None:
    result = invoke("teardown", "--region", REGION, input="n\n")
    assert "Delete stack Dendro in eu-west-1" in result.stdout
    assert result.exit_code == 1
    assert error_lines(result) == ["Error: teardown cancelled; nothing was deleted"]
    assert cdk.calls == []


def test_teardown_after_a_yes_destroys_the_stack(node: Any, cdk: Recorder, session: StubbedSession) -> None:
    result = invoke("teardown", "--region", REGION, input="y\n")
    assert result.exit_code == 0, result.output
    [(command, _)] = cdk.calls
    assert command[1:4] == ["destroy", "Dendro", "--force"]


def test_teardown_yes_skips_the_question_for_ci(node: Any, cdk: Recorder, session: StubbedSession) -> None:
    result = invoke("teardown", "--region", REGION, "--yes")
    assert result.exit_code == 0, result.output
    assert "Delete stack" not in result.stdout
    assert "Stack Dendro deleted from eu-west-1." in result.stdout


# --- status ------------------------------------------------------------------------------------------


def _describe_stack(session: StubbedSession, outputs: dict[str, str] | None = None) -> None:
    outputs = outputs or {
        "Store": "timestream",
        "DatabaseName": "Dendro",
        "TableNames": "nginx_access,syslog",
    }
    session.stub("cloudformation").add_response(
        "describe_stacks",
        {
            "Stacks": [
                {
                    "StackName": "Dendro",
                    "CreationTime": datetime.datetime(2026, 11, 27, tzinfo=datetime.UTC),
                    "StackStatus": "UPDATE_COMPLETE",
                    "Outputs": [{"OutputKey": k, "OutputValue": v} for k, v in outputs.items()],
                }
            ]
        },
        {"StackName": "Dendro"},
    )


def _query_page(rows: list[str], token: str | None = None) -> dict[str, Any]:
    page: dict[str, Any] = {
        "QueryId": "q-1",
        "Rows": [{"Data": [{"ScalarValue": value}]} for value in rows],
        "ColumnInfo": [{"Name": "last_write", "Type": {"ScalarType": "TIMESTAMP"}}],
    }
    if token:
        page["NextToken"] = token
    return page


def test_status_shows_the_stack_each_tables_last_write_and_firing_alarms(session: StubbedSession) -> None:
    _describe_stack(session)
    query = session.stub("timestream-query")
    # The first page may carry only a NextToken: status must follow it.
    nginx = 'SELECT max(time) AS last_write FROM "Dendro"."nginx_access"'
    query.add_response("query", _query_page([], token="t-1"), {"QueryString": nginx})
    query.add_response(
        "query", _query_page(["2026-11-27 03:04:05.000000000"]), {"QueryString": nginx, "NextToken": "t-1"}
    )
    query.add_response(
        "query", _query_page([]), {"QueryString": 'SELECT max(time) AS last_write FROM "Dendro"."syslog"'}
    )
    alarm = {"StateValue": "ALARM", "AlarmName": "Dendro-AlertsNginxErrorRateDC587D4A-1A2B3C4D5E6F"}
    ok = {"StateValue": "OK", "AlarmName": "Dendro-AlertsIngestErrors7F34E436-6F5E4D3C2B1A"}
    session.stub("cloudwatch").add_response(
        "describe_alarms", {"MetricAlarms": [alarm, ok]}, {"AlarmNamePrefix": "Dendro-"}
    )

    result = invoke("status", "--region", REGION)

    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        "Stack Dendro (eu-west-1): UPDATE_COMPLETE",
        "  table nginx_access: last write 2026-11-27 03:04:05.000000000",
        "  table syslog: last write no data yet",
        "Alarms: 2, in ALARM: 1",
        "  ALARM Dendro-AlertsNginxErrorRateDC587D4A-1A2B3C4D5E6F",
    ]
    session.assert_done()


def test_status_of_a_stack_never_deployed_says_to_deploy(session: StubbedSession) -> None:
    session.stub("cloudformation").add_client_error(
        "describe_stacks",
        service_error_code="ValidationError",
        service_message="Stack with id Dendro does not exist",
        http_status_code=400,
    )
    result = invoke("status", "--region", REGION)
    assert error_lines(result) == [
        "Error: stack Dendro does not exist in eu-west-1: run `dendro deploy` (or pass --region)"
    ]


def test_status_of_an_iceberg_stack_shows_each_tables_last_commit(session: StubbedSession) -> None:
    """Issue 14 item 10 (botocore Stubber at the AWS boundary): the Glue catalog entry of each table,
    updated by every Firehose commit, gives its last write without an Athena scan."""
    _describe_stack(
        session, {"Store": "iceberg", "DatabaseName": "dendro", "TableNames": "nginx_access,syslog,mysql"}
    )
    glue = session.stub("glue")
    created = datetime.datetime(2026, 11, 27, 1, 0, tzinfo=datetime.UTC)
    committed = datetime.datetime(2026, 12, 2, 9, 5, 7, tzinfo=datetime.timezone(datetime.timedelta(hours=1)))
    glue.add_response(
        "get_table",
        {"Table": {"Name": "nginx_access", "CreateTime": created, "UpdateTime": committed,
                   "Parameters": {"metadata_location": "s3://b/2.json", "previous_metadata_location": "s3://b/1.json"}}},
        {"DatabaseName": "dendro", "Name": "nginx_access"},
    )  # fmt: skip
    glue.add_response(
        "get_table",
        {"Table": {"Name": "syslog", "CreateTime": created, "UpdateTime": created,
                   "Parameters": {"metadata_location": "s3://b/0.json"}}},
        {"DatabaseName": "dendro", "Name": "syslog"},
    )  # fmt: skip
    glue.add_client_error(
        "get_table",
        "EntityNotFoundException",
        "Table mysql not found.",
        expected_params={"DatabaseName": "dendro", "Name": "mysql"},
    )
    session.stub("cloudwatch").add_response(
        "describe_alarms", {"MetricAlarms": []}, {"AlarmNamePrefix": "Dendro-"}
    )

    result = invoke("status", "--region", REGION)

    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[1:4] == [
        "  table nginx_access: last write 2026-12-02 08:05:07 UTC (last commit)",
        "  table syslog: last write no data yet",
        "  table mysql: last write error: Table mysql not found.",
    ]
    session.assert_done()


# --- --keep-data across deploys (issue 14 item 3; botocore Stubber at the AWS boundary) ------------------


def _deployed(session: StubbedSession, settings: str) -> None:
    _describe_stack(session, {"DeploySettings": settings})


def _context_of(cdk: Recorder) -> list[str]:
    [(command, _)] = cdk.calls
    return [command[i + 1] for i, arg in enumerate(command) if arg == "--context"]


KEPT = "dendro:keepData=true;dendro:adoptDatabase=false;dendro:adoptTables=;dendro:keptBucket="


def test_a_stack_deployed_with_keep_data_stays_kept_when_the_flag_is_left_out(
    node: Any, cdk: Recorder, session: StubbedSession
) -> None:
    bootstrapped_only(session)
    iam_only_catalog(session)
    _deployed(session, KEPT)

    result = invoke("deploy", "--region", REGION, "--yes")

    assert result.exit_code == 0, result.output
    assert "dendro:keepData=true" in _context_of(cdk)
    assert "was deployed with --keep-data: its data stays retained" in result.stderr
    session.assert_done()


def test_no_keep_data_drops_retention_and_says_so(node: Any, cdk: Recorder, session: StubbedSession) -> None:
    bootstrapped_only(session)
    iam_only_catalog(session)
    _deployed(session, KEPT)

    result = invoke("deploy", "--region", REGION, "--yes", "--no-keep-data")

    assert result.exit_code == 0, result.output
    assert not [c for c in _context_of(cdk) if c.startswith("dendro:keepData")]
    assert "will now delete its bucket and database with all their data" in result.stderr


def test_a_glue_database_kept_by_a_deleted_stack_is_adopted_with_its_bucket(
    node: Any, cdk: Recorder, session: StubbedSession
) -> None:
    bootstrapped_only(session)
    iam_only_catalog(session)
    never_deployed(session)
    session.stub("glue").add_response(
        "get_database",
        {"Database": {"Name": "dendro", "LocationUri": "s3://dendro-stagingbucket-old/iceberg/"}},
        {"Name": "dendro"},
    )

    result = invoke("deploy", "--region", REGION, "--yes")

    assert result.exit_code == 0, result.output
    context = _context_of(cdk)
    assert {"dendro:adoptDatabase=true", "dendro:keptBucket=dendro-stagingbucket-old"} <= set(context)
    assert "Adopting the Glue database dendro kept by an earlier Dendro stack" in result.stderr
    session.assert_done()


def test_a_timestream_database_kept_by_a_deleted_stack_is_adopted_with_its_tables(
    node: Any, cdk: Recorder, session: StubbedSession
) -> None:
    bootstrapped_only(session)
    never_deployed(session)
    ts = session.stub("timestream-write")
    ts.add_response("describe_database", {"Database": {"DatabaseName": "Dendro"}}, {"DatabaseName": "Dendro"})
    ts.add_response(
        "list_tables", {"Tables": [{"TableName": "syslog"}], "NextToken": "n"}, {"DatabaseName": "Dendro"}
    )
    ts.add_response(
        "list_tables",
        {"Tables": [{"TableName": "nginx_access"}]},
        {"DatabaseName": "Dendro", "NextToken": "n"},
    )

    result = invoke("deploy", "--store", "timestream", "--region", REGION, "--yes")

    assert result.exit_code == 0, result.output
    assert {"dendro:adoptDatabase=true", "dendro:adoptTables=nginx_access,syslog"} <= set(_context_of(cdk))
    session.assert_done()


def bootstrapped_only(session: StubbedSession) -> None:
    session.stub("ssm").add_response(
        "get_parameter",
        {"Parameter": {"Name": preflight.BOOTSTRAP_PARAMETER, "Type": "String", "Value": "30"}},
        {"Name": preflight.BOOTSTRAP_PARAMETER},
    )


# --- store preflight (issue 14 item 7; botocore Stubber at the AWS boundary) -----------------------------


def test_a_region_without_firehoses_iceberg_destination_stops_before_cdk(
    node: Any, cdk: Recorder, session: StubbedSession
) -> None:
    session.region_name = "cn-north-1"
    bootstrapped_only(session)

    result = invoke("deploy", "--region", "cn-north-1", "--yes")

    assert result.exit_code == 1
    [line] = error_lines(result)
    assert "Firehose cannot deliver to Apache Iceberg tables in cn-north-1 (China)" in line
    assert "--region eu-west-1" in line
    assert cdk.calls == []


def test_a_lake_formation_governed_catalog_stops_before_cdk_with_what_to_do(
    node: Any, cdk: Recorder, session: StubbedSession
) -> None:
    bootstrapped_only(session)
    iam_only_catalog(session, governed=True)

    result = invoke("deploy", "--region", REGION, "--yes")

    assert result.exit_code == 1
    [line] = error_lines(result)
    assert f"Lake Formation governs the Glue Data Catalog of account {ACCOUNT} in {REGION}" in line
    assert "Use only IAM access control" in line and "aws lakeformation grant-permissions" in line
    assert '"DatabaseName": "dendro"' in line
    assert cdk.calls == []
    session.assert_done()


def test_deploy_passes_the_sources_retention_days_from_dendro_toml(
    node: Any, cdk: Recorder, session: StubbedSession, tmp_path: Path
) -> None:
    """Issue 14 item 9: retention_days in dendro.toml reaches the stack as dendro:retentionDays."""
    (tmp_path / "dendro.toml").write_text(
        '[[sources]]\ntype = "syslog"\nretention_days = 7\n[[sources]]\ntype = "nginx_access"\n'
        'retention_days = 90\n[sink]\nkind = "http"\nendpoint = "http://127.0.0.1:8686"\n'
    )
    bootstrapped(session)

    result = invoke("deploy", "--region", REGION, "--yes")  # ./dendro.toml, found by itself

    assert result.exit_code == 0, result.output
    assert "dendro:retentionDays=nginx_access=90,syslog=7" in _context_of(cdk)
