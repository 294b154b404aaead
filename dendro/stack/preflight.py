"""Checks before `cdk deploy`/`diff`/`destroy` and `dendro status`: credentials, region, bootstrap.

Each failure is one PreflightError whose message names the command that fixes it, instead of CDK's
stack trace ten screens later.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from dendro.stack.cdk_cli import PreflightError, find_cdk

# CDK's default bootstrap qualifier; `cdk bootstrap` writes its version under this parameter.
BOOTSTRAP_PARAMETER = "/cdk-bootstrap/hnb659fds/version"


def _boto3_session(profile: str | None, region: str | None) -> Any:
    import boto3
    from botocore.exceptions import ProfileNotFound

    try:
        return boto3.Session(profile_name=profile, region_name=region)
    except ProfileNotFound:
        raise PreflightError(
            f"AWS profile {profile!r} not found: run `aws configure --profile {profile}`"
        ) from None


# Replaced in tests by a factory of sessions whose clients are wrapped in botocore's Stubber.
session_factory: Callable[[str | None, str | None], Any] = _boto3_session


@dataclass(frozen=True)
class Target:
    session: Any
    account: str
    region: str


def check_credentials(profile: str | None, region: str | None) -> Target:
    from botocore.exceptions import BotoCoreError, ClientError

    session = session_factory(profile, region)
    if session.get_credentials() is None:
        how = f"aws configure --profile {profile}" if profile else "aws configure"
        raise PreflightError(f"no AWS credentials found: run `{how}` (or `aws sso login`), or pass --profile")
    if not session.region_name:
        raise PreflightError(
            "no AWS region: pass --region (e.g. --region eu-west-1) or run `aws configure set region`"
        )
    try:
        identity = session.client("sts").get_caller_identity()
    except ClientError as error:
        code = error.response.get("Error", {}).get("Code", "error")
        raise PreflightError(
            f"AWS refused the credentials ({code}): refresh them (`aws sso login` or `aws configure`)"
        ) from None
    except BotoCoreError as error:
        raise PreflightError(f"cannot reach AWS STS ({error}); check the network and the region") from None
    return Target(session=session, account=identity["Account"], region=session.region_name)


def check_bootstrapped(target: Target) -> None:
    """CDK deploys need the bootstrap stack (an asset bucket and roles) in the account and region."""
    from botocore.exceptions import ClientError

    try:
        target.session.client("ssm").get_parameter(Name=BOOTSTRAP_PARAMETER)
    except ClientError as error:
        code = error.response.get("Error", {}).get("Code", "")
        if code == "ParameterNotFound":
            raise PreflightError(
                f"region {target.region} of account {target.account} was never bootstrapped for CDK: run "
                f"`{_cdk_for_message()} bootstrap aws://{target.account}/{target.region}`"
            ) from None
        if code not in ("AccessDeniedException", "AccessDenied"):
            raise
        # Without ssm:GetParameter we cannot tell; CDK itself will say so if it is missing.


def _cdk_for_message() -> str:
    try:
        return str(find_cdk())
    except PreflightError:
        return "cdk"


# Firehose's Apache Iceberg destination exists in every commercial region except these (aws-notes §3:
# "all except China, GovCloud and Malaysia"). The iceberg store cannot deploy there.
ICEBERG_UNAVAILABLE = {"cn-": "China", "us-gov-": "AWS GovCloud (US)", "ap-southeast-5": "Malaysia"}
IAM_ALLOWED_PRINCIPALS = "IAM_ALLOWED_PRINCIPALS"


def check_store_region(store: str, region: str) -> None:
    if store != "iceberg":
        return
    for prefix, name in ICEBERG_UNAVAILABLE.items():
        if region.startswith(prefix):
            raise PreflightError(
                f"Firehose cannot deliver to Apache Iceberg tables in {region} ({name}): deploy the iceberg "
                "store in another region (e.g. --region eu-west-1), or use --store timestream in an account "
                "that already has Timestream for LiveAnalytics"
            )


def _iam_only(permissions: list[dict[str, Any]]) -> bool:
    return any(
        p.get("Principal", {}).get("DataLakePrincipalIdentifier") == IAM_ALLOWED_PRINCIPALS
        and "ALL" in p.get("Permissions", [])
        for p in permissions
    )


def check_lake_formation(target: Target, store: str, database: str) -> str | None:
    """The iceberg store's roles (Firehose, the table handler) are granted with IAM
    only. When Lake Formation governs the catalog (new databases and tables do not grant
    IAM_ALLOWED_PRINCIPALS), Lake Formation refuses them: stop before deploying, with what to do.
    Returns a warning when the settings cannot be read."""
    from botocore.exceptions import BotoCoreError, ClientError

    if store != "iceberg":
        return None
    try:
        settings = target.session.client("lakeformation").get_data_lake_settings()["DataLakeSettings"]
    except (ClientError, BotoCoreError) as error:
        return (
            f"could not read the Lake Formation settings ({error}); if Lake Formation governs this account's "
            "Glue catalog, grant the stack's roles on the Dendro database after the deploy"
        )
    if _iam_only(settings.get("CreateDatabaseDefaultPermissions", [])) and _iam_only(
        settings.get("CreateTableDefaultPermissions", [])
    ):
        return None
    grant = (
        "aws lakeformation grant-permissions --principal DataLakePrincipalIdentifier=<role ARN> "
        "--permissions ALL --resource "
        f'\'{{"Table": {{"DatabaseName": "{database}", "TableWildcard": {{}}}}}}\''
    )
    raise PreflightError(
        f"Lake Formation governs the Glue Data Catalog of account {target.account} in {target.region} "
        "(new databases and tables do not grant IAM_ALLOWED_PRINCIPALS), and the iceberg store's roles "
        "use IAM permissions only, so Firehose and the table handler would be refused. Either have a Lake "
        "Formation administrator turn on 'Use only IAM access control' for new databases and tables "
        "(Lake Formation console, Data Catalog settings) before `dendro deploy`, or create database "
        f"{database} first with IAM_ALLOWED_PRINCIPALS granted ALL on it and its tables and deploy again; "
        f"to keep Lake Formation governance instead, after a deploy grant each stack role: {grant}"
    )
