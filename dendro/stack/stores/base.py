"""The seam between the stack and a store.

A store is a construct that owns its tables and says how records reach it. The stack wires every store
the same way (Lambda environment, write grant, outputs, alarms) and picks the delivery path from
`delivery`:

- `Delivery.STAGED_OBJECTS` (timestream): Firehose writes objects to the staging prefix, and each new
  object triggers the ingest Lambda, which writes to the store.
- `Delivery.FIREHOSE_TRANSFORM` (iceberg): Firehose delivers to the store itself and calls the ingest
  Lambda as its data-transformation function.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum
from typing import ClassVar, Protocol

from aws_cdk import Duration
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3

from dendro.catalog import Source


class Delivery(Enum):
    STAGED_OBJECTS = "staged_objects"
    FIREHOSE_TRANSFORM = "firehose_transform"


@dataclass(frozen=True, kw_only=True)
class StoreProps:
    """What every store is built from; a store ignores what it has no use for."""

    database_name: str
    sources: tuple[Source, ...]
    # The concrete bucket: a store may add lifecycle rules for the prefixes it owns.
    bucket: s3.Bucket
    keep_data: bool
    adopt_database: bool = False
    adopt_tables: tuple[str, ...] = ()
    kept_bucket: str = ""
    retention_days: Mapping[str, int] = field(default_factory=dict)  # type -> days (props.retention)
    memory_retention: Duration
    magnetic_retention: Duration
    athena_scan_limit_bytes: int
    athena_results_expiry: Duration


class Store(Protocol):
    """What the stack needs from a store construct."""

    kind: ClassVar[str]  # the `--store` value
    construct_id: ClassVar[str]  # stable PascalCase ID; renaming it replaces the tables
    delivery: ClassVar[Delivery]

    @property
    def database_name(self) -> str: ...

    @property
    def table_names(self) -> Mapping[str, str]:
        """Catalog type -> table name (the type id itself, in every store)."""
        ...

    def ingest_environment(self) -> Mapping[str, str]:
        """Environment variables the ingest Lambda needs to write to this store."""
        ...

    def grant_write(self, grantee: iam.IGrantable) -> None: ...
