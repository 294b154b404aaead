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
