"""What `dendro deploy` carries from the last deploy, and what it adopts from a deleted stack.

- A stack deployed with --keep-data stays so on the next `dendro deploy` unless --no-keep-data is
  given: leaving out a flag must not flip the DeletionPolicy of a database full of data back to Delete.
  The deployed settings are read from the stack's DeploySettings output.
- A stack torn down with --keep-data leaves its database (and, for timestream, its tables; for
  iceberg, the bucket holding the tables' files). Creating them again would fail on their names, so a
  new stack of the same name adopts them: the context says which, and the stores leave them out of the
  template (props.adopt_database, adopt_tables, kept_bucket).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlparse

from dendro.stack.names import OutputKey, glue_database_name
from dendro.stack.props import STICKY, parse_deploy_settings


@dataclass
class CarriedOver:
    context: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)  # what the user is told, one line each


def _error_code(error: Any) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


def deployed_outputs(session: Any, stack_name: str) -> dict[str, str] | None:
    """The stack's outputs, or None when it does not exist (or was deleted)."""
    from botocore.exceptions import ClientError

    try:
        [stack] = session.client("cloudformation").describe_stacks(StackName=stack_name)["Stacks"]
    except ClientError as error:
        if "does not exist" in str(error):
            return None
        raise
    if stack["StackStatus"] == "DELETE_COMPLETE":
        return None
    return {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}


def carry_over(session: Any, stack_name: str, store: str, keep_data: bool | None) -> CarriedOver:
    """`keep_data`: True for --keep-data, False for --no-keep-data, None when neither was given."""
    result = CarriedOver()
    outputs = deployed_outputs(session, stack_name)
    if outputs is not None:
        settings = parse_deploy_settings(outputs.get(OutputKey.DEPLOY_SETTINGS, ""))
        for key in STICKY:
            value = settings.get(key, "")
            if key != "dendro:keepData" and value not in ("", "false"):
                result.context[key] = value
        kept = settings.get("dendro:keepData") == "true"
        if kept and keep_data is None:
            result.context["dendro:keepData"] = "true"
            result.notes.append(
                f"Stack {stack_name} was deployed with --keep-data: its data stays retained on teardown. "
                "Deploy with --no-keep-data to let teardown delete it."
            )
        elif kept and keep_data is False:
            result.notes.append(
                f"--no-keep-data: tearing down {stack_name} will now delete its bucket and database with "
                "all their data."
            )
    else:
        _adopt_kept(session, stack_name, store, result)
    if keep_data:
        result.context["dendro:keepData"] = "true"
    return result


def _adopt_kept(session: Any, stack_name: str, store: str, result: CarriedOver) -> None:
    from botocore.exceptions import ClientError

    if store == "iceberg":
        database = glue_database_name(stack_name)
        try:
            found = session.client("glue").get_database(Name=database)["Database"]
        except ClientError as error:
            if _error_code(error) != "EntityNotFoundException":
                raise
            return
        result.context["dendro:adoptDatabase"] = "true"
        location = urlparse(found.get("LocationUri", ""))
        if location.scheme == "s3" and location.netloc:
            result.context["dendro:keptBucket"] = location.netloc
        result.notes.append(
            f"Adopting the Glue database {database} kept by an earlier {stack_name} stack (--keep-data): "
            f"its tables and their files{' in s3://' + location.netloc if location.netloc else ''} are "
            "used as they are."
        )
        return
    client = session.client("timestream-write")
    try:
        client.describe_database(DatabaseName=stack_name)
    except ClientError as error:
        if _error_code(error) != "ResourceNotFoundException":
            raise
        return
    tables: list[str] = []
    token = None
    while True:
        page = client.list_tables(DatabaseName=stack_name, **({"NextToken": token} if token else {}))
        tables += [t["TableName"] for t in page.get("Tables", [])]
        token = page.get("NextToken")
        if not token:
            break
    result.context["dendro:adoptDatabase"] = "true"
    if tables:
        result.context["dendro:adoptTables"] = ",".join(sorted(tables))
    result.notes.append(
        f"Adopting the Timestream database {stack_name} kept by an earlier stack (--keep-data), with its "
        f"tables {', '.join(sorted(tables)) or '(none)'}: they keep their data and settings."
    )
