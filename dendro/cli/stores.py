"""Which store a reading command (`dendro query`, `dendro dashboard`) reads, and how it opens a
deployed stack's store. Shared so both commands take the same options and give the same errors."""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING, Annotated

import typer

from dendro.cli.console import fail

if TYPE_CHECKING:
    from dendro.dashboard.backends import Backend


class StoreChoice(StrEnum):
    local = "local"
    iceberg = "iceberg"
    timestream = "timestream"


StoreOpt = Annotated[
    StoreChoice, typer.Option(help="local DuckDB, or a deployed stack: iceberg (Athena) or timestream.")
]


def open_cloud_backend(
    store: StoreChoice, region: str | None, profile: str | None, stack_name: str
) -> Backend:
    """The stack's store, found through its outputs; a one-line error when credentials or the stack
    are missing."""
    from dendro.dashboard.backends import QueryError
    from dendro.dashboard.backends.athena import AthenaBackend
    from dendro.dashboard.backends.timestream import TimestreamBackend
    from dendro.stack.cdk_cli import PreflightError
    from dendro.stack.preflight import check_credentials

    backend = AthenaBackend if store is StoreChoice.iceberg else TimestreamBackend
    try:
        return backend.from_stack(check_credentials(profile, region).session, stack_name)
    except (PreflightError, QueryError) as error:
        fail(str(error))
