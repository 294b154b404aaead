"""`dendro synth | deploy | diff | teardown | status`: the AWS pipeline, through the pinned CDK CLI.

Commands parse options, run the checks that turn a confusing failure into one line that says what to
run, then hand over to `cdk` (whose progress goes straight to the terminal) or to boto3. boto3 and
CDK are imported inside the commands so that `dendro --help` stays fast.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from dendro.cli import options as o
from dendro.cli.console import fail, warn

if TYPE_CHECKING:
    from dendro.alerts.rules import AlertSettings
    from dendro.stack.cdk_cli import CdkCli
    from dendro.stack.preflight import Target

StoreOpt = Annotated[
    o.Store | None,
    typer.Option(
        "--store",
        help="Where rows are stored: iceberg (default; Glue tables queried with Athena) or timestream "
        "(only for accounts that already have Timestream for LiveAnalytics).",
    ),
]
Sources = Annotated[
    list[str] | None,
    typer.Option(
        "--source", "-s", help="Catalog source that gets a table; repeat for several. Default: all."
    ),
]
AlertEmails = Annotated[
    list[str] | None,
    typer.Option(
        "--alert-email", help="Email that receives the alarms; repeat for several (each must confirm)."
    ),
]
KeepData = Annotated[
    bool, typer.Option("--keep-data", help="Keep the bucket and the database (with their data) on teardown.")
]
KeepDataOnDeploy = Annotated[
    bool | None,
    typer.Option(
        "--keep-data/--no-keep-data",
        help="Keep the bucket and the database (with their data) on teardown. A stack deployed with "
        "--keep-data stays so until you deploy with --no-keep-data.",
    ),
]
AgentRole = Annotated[
    bool, typer.Option("--agent-role", help="Also create an EC2 instance role for servers running the agent.")
]
ConfirmYes = Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation (for CI).")]
AlertsConfig = Annotated[
    Path | None,
    typer.Option(
        "--config",
        help="dendro.toml whose [[alerts]] become alarms, whose [[notify]] channels get them and whose "
        "sources' retention_days the stores enforce. [default: ./dendro.toml if present]",
        show_default=False,
        dir_okay=False,
    ),
]
OutputsFile = Path(".dendro/outputs.json")


def _context(
    *,
    store: o.Store | None,
    sources: list[str] | None,
    alert_emails: list[str] | None,
    keep_data: bool = False,
    agent_role: bool = False,
    stack_name: str,
    alerts: Path | None = None,
) -> dict[str, str]:
    """CDK context for app.py, validated here first so that a typo fails before Node starts."""
    from dendro.stack.names import BUILT_STORES, DEFAULT_STORE
    from dendro.stack.props import DendroConfigError, DendroProps

    flags = {"dendro:store": "--store", "dendro:sources": "--source", "dendro:alertEmails": "--alert-email"}
    chosen = store.value if store else DEFAULT_STORE
    if chosen not in BUILT_STORES:
        built = " or ".join(BUILT_STORES)
        fail(f"--store {chosen} is not available in this version yet; use --store {built}")
    try:
        DendroProps(
            store=chosen,
            **({"sources": tuple(sources)} if sources else {}),
            alert_emails=tuple(alert_emails or ()),
        )
    except DendroConfigError as error:
        fail(f"{flags.get(error.key, error.key)}: {error.problem}")
    context = {"dendro:stackName": stack_name, "dendro:store": chosen}
    if sources:
        context["dendro:sources"] = ",".join(sources)
    if alert_emails:
        context["dendro:alertEmails"] = ",".join(alert_emails)
    if keep_data:
        context["dendro:keepData"] = "true"
    if agent_role:
        context["dendro:agentRole"] = "true"
    if alerts is not None:
        context["dendro:alertsConfig"] = str(alerts.resolve())
    return context


def _alerts(config: Path | None, stack_name: str) -> tuple[AlertSettings, Path | None]:
    """The alert rules and channels, checked for AWS before Node starts: a rule that cannot become an
    alarm is refused here with its name and what to do."""
    from dendro.alerts.aws_plan import AwsPlanError, plan_alarms
    from dendro.alerts.rules import AlertSettingsError, load_alert_settings
    from dendro.stack.names import metrics_namespace

    try:
        settings, source = load_alert_settings(config)
        plan_alarms(settings, namespace=metrics_namespace(stack_name), services=())
    except (AlertSettingsError, AwsPlanError) as error:
        fail(str(error))
    return settings, source


def _check_tools() -> CdkCli:
    from dendro.stack.cdk_cli import PreflightError, check_node, find_cdk

    try:
        node = check_node()
        cli = find_cdk()
    except PreflightError as error:
        fail(str(error))
    if node.warning:
        warn(node.warning)
    return cli


def _assembly() -> list[str]:
    """Where CDK writes the cloud assembly: below the current folder, never inside the package."""
    from dendro.stack.cdk_cli import ASSEMBLY_DIR

    return ["--output", str(ASSEMBLY_DIR.resolve())]


def _target(profile: str | None, region: str | None, *, bootstrap: bool) -> Target:
    from dendro.stack.cdk_cli import PreflightError
    from dendro.stack.preflight import check_bootstrapped, check_credentials

    try:
        target = check_credentials(profile, region)
        if bootstrap:
            check_bootstrapped(target)
    except PreflightError as error:
        fail(str(error))
    return target


def _retention(config: Path | None) -> dict[str, int]:
    """The sources' retention_days of dendro.toml (given, or in the working directory)."""
    import tomllib

    from dendro.vector_configs.settings import DendroSettings, SettingsError

    path = config or (Path("dendro.toml") if Path("dendro.toml").is_file() else None)
    if path is None:
        return {}
    try:
        if not {"sources", "custom"} & set(tomllib.loads(path.read_text())):
            return {}  # a file of alert rules only: no source, no retention
    except (tomllib.TOMLDecodeError, OSError) as error:
        fail(f"--config {path}: {error}")
    try:
        return DendroSettings.load(path).retention_days()
    except (SettingsError, OSError) as error:
        fail(f"--config {path}: {error}")


def _carried_over(
    profile: str | None, account: str, region: str, stack_name: str, store: str, keep_data: bool | None
) -> dict[str, str]:
    """The store's own preflight (a region without Firehose's Iceberg destination, a Lake Formation
    governed catalog); then the settings the last deploy made that this one must keep, and resources
    kept by a deleted stack of the same name to adopt (stack/redeploy.py), saying what it carries over."""
    from dendro.stack.cdk_cli import PreflightError
    from dendro.stack.names import glue_database_name
    from dendro.stack.preflight import Target, check_lake_formation, check_store_region, session_factory
    from dendro.stack.redeploy import carry_over

    session = session_factory(profile, region)
    try:
        check_store_region(store, region)
        problem = check_lake_formation(
            Target(session, account, region), store, glue_database_name(stack_name)
        )
    except PreflightError as error:
        fail(str(error))
    if problem:
        warn(problem)
    carried = carry_over(session, stack_name, store, keep_data)
    for note in carried.notes:
        warn(note)
    return carried.context


def _run_cdk(
    cli: CdkCli, verb: str, *args: str, context: dict[str, str], region: str | None, profile: str | None
) -> int:
    from dendro.stack import cdk_cli

    command = cdk_cli.cdk_command(verb, *args, context=context, cli=cli)
    return cdk_cli.run(command, env=cdk_cli.cdk_environment(region=region, profile=profile))


def synth(
    store: StoreOpt = None,
    out: Annotated[Path, typer.Option("--out", help="Directory for the CloudFormation templates.")] = Path(
        "cdk.out"
    ),
    bundle: Annotated[
        bool,
        typer.Option("--bundle/--no-bundle", help="Build the Lambda bundle (pip); --no-bundle is faster."),
    ] = True,
    source: Sources = None,
    alert_email: AlertEmails = None,
    nag: Annotated[
        bool, typer.Option("--nag", help="Also run cdk-nag's AwsSolutions rules (dev install).")
    ] = False,
    stack_name: o.StackName = "Dendro",
    config: AlertsConfig = None,
) -> None:
    """Write the pipeline's CloudFormation template without deploying anything.

    Example: dendro synth --store iceberg --out build/cdk --no-bundle
    """
    _, alerts = _alerts(config, stack_name)
    context = _context(
        store=store, sources=source, alert_emails=alert_email, stack_name=stack_name, alerts=alerts
    )
    if not bundle:
        context["dendro:bundle"] = "false"
    if nag:
        context["dendro:nag"] = "true"
    cli = _check_tools()
    out = out.resolve()
    code = _run_cdk(
        cli, "synth", stack_name, "--quiet", "--output", str(out), context=context, region=None, profile=None
    )
    if code != 0:
        fail(f"cdk synth failed (exit {code}); the reason is printed above")
    typer.echo(f"Template: {out / f'{stack_name}.template.json'}")


def deploy(
    store: StoreOpt = None,
    alert_email: AlertEmails = None,
    region: o.Region = None,
    profile: o.Profile = None,
    source: Sources = None,
    keep_data: KeepDataOnDeploy = None,
    agent_role: AgentRole = False,
    yes: ConfirmYes = False,
    stack_name: o.StackName = "Dendro",
    config: AlertsConfig = None,
) -> None:
    """Create or update the pipeline in your AWS account (wraps `cdk deploy`).

    The rules of dendro.toml ([[alerts]]) become CloudWatch alarms; its [[notify]] emails subscribe
    to the alarm topic, and its webhooks get every alarm and its end through a small function.

    Example: dendro deploy --alert-email ops@example.org --region eu-west-1
    """
    settings, alerts = _alerts(config, stack_name)
    context = _context(
        store=store,
        sources=source,
        alert_emails=alert_email,
        keep_data=bool(keep_data),
        agent_role=agent_role,
        stack_name=stack_name,
        alerts=alerts,
    )
    if not alert_email and not settings.notify:
        warn(
            "no --alert-email and no [[notify]] in dendro.toml: the alarm topic gets no subscriber, so "
            "alarms will reach no one; deploy again with --alert-email ops@example.org"
        )
    retention = _retention(config)
    if retention:
        context["dendro:retentionDays"] = ",".join(f"{t}={d}" for t, d in sorted(retention.items()))
    cli = _check_tools()
    target = _target(profile, region, bootstrap=True)
    region = target.region
    context.update(
        _carried_over(profile, target.account, region, stack_name, context["dendro:store"], keep_data)
    )
    if settings.webhooks:
        from dendro.stack.webhook_secret import store_webhooks

        name = store_webhooks(target.session, stack_name, [w.webhook for w in settings.webhooks])
        typer.echo(f"Webhook URLs stored as a SecureString in SSM ({name}), not in the template.")
    outputs = OutputsFile.resolve()
    outputs.parent.mkdir(parents=True, exist_ok=True)
    args = [stack_name, "--outputs-file", str(outputs), "--progress", "events", *_assembly()]
    if yes:
        args += ["--require-approval", "never"]
    code = _run_cdk(cli, "deploy", *args, context=context, region=region, profile=profile)
    if code != 0:
        fail(f"cdk deploy failed (exit {code}); the reason is printed above")
    typer.echo(f"Outputs saved to {outputs}")
    typer.echo(f"Next: dendro configure --sink firehose --outputs {OutputsFile}")


def diff(
    store: StoreOpt = None,
    alert_email: AlertEmails = None,
    region: o.Region = None,
    profile: o.Profile = None,
    source: Sources = None,
    keep_data: KeepData = False,
    agent_role: AgentRole = False,
    stack_name: o.StackName = "Dendro",
    config: AlertsConfig = None,
) -> None:
    """Show what `dendro deploy` with the same options would change (wraps `cdk diff`).

    Example: dendro diff --alert-email ops@example.org --region eu-west-1
    """
    _, alerts = _alerts(config, stack_name)
    context = _context(
        store=store,
        sources=source,
        alert_emails=alert_email,
        keep_data=keep_data,
        agent_role=agent_role,
        stack_name=stack_name,
        alerts=alerts,
    )
    cli = _check_tools()
    region = _target(profile, region, bootstrap=False).region
    code = _run_cdk(cli, "diff", stack_name, *_assembly(), context=context, region=region, profile=profile)
    if code != 0:
        raise typer.Exit(code)


def teardown(
    yes: ConfirmYes = False,
    region: o.Region = None,
    profile: o.Profile = None,
    stack_name: o.StackName = "Dendro",
) -> None:
    """Delete the pipeline (wraps `cdk destroy`); asks first unless --yes.

    Data is deleted too, unless the stack was deployed with --keep-data.

    Example: dendro teardown --region eu-west-1 --yes
    """
    cli = _check_tools()
    region = _target(profile, region, bootstrap=False).region
    if not yes:
        question = (
            f"Delete stack {stack_name} in {region}: the stream, the Lambda, the alarms and, unless it was "
            "deployed with --keep-data, the bucket and the database with all their data?"
        )
        if not typer.confirm(question, default=False):
            fail("teardown cancelled; nothing was deleted")
    # Destroy only needs the stack's name; skipping the bundle saves a pip run.
    context = {"dendro:stackName": stack_name, "dendro:bundle": "false"}
    code = _run_cdk(
        cli, "destroy", stack_name, "--force", *_assembly(), context=context, region=region, profile=profile
    )
    if code != 0:
        fail(f"cdk destroy failed (exit {code}); the reason is printed above")
    typer.echo(f"Stack {stack_name} deleted from {region}.")


def status(
    region: o.Region = None,
    profile: o.Profile = None,
    stack_name: o.StackName = "Dendro",
) -> None:
    """Stack state, each table's last write, and alarm states.

    Example: dendro status --region eu-west-1
    """
    from dendro.stack.cdk_cli import PreflightError
    from dendro.stack.preflight import check_credentials
    from dendro.stack.status import pipeline_status

    try:
        target = check_credentials(profile, region)
        report = pipeline_status(target.session, stack_name)
    except PreflightError as error:
        fail(str(error))
    typer.echo(f"Stack {report.stack_name} ({target.region}): {report.stack_status}")
    for table in report.tables:
        when = table.last_write or ("error: " + table.error if table.error else "no data yet")
        typer.echo(f"  table {table.table}: last write {when}")
    firing = sorted(name for name, state in report.alarms.items() if state == "ALARM")
    typer.echo(f"Alarms: {len(report.alarms)}, in ALARM: {len(firing)}")
    for name in firing:
        typer.echo(f"  ALARM {name}")
