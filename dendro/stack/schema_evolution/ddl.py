"""Athena DDL for the iceberg store's tables, and the rule for evolving them. Pure: strings in and out.

Columns travel as (name, Athena type) pairs, the types being those Athena's Iceberg DDL accepts:
string, bigint, double, boolean and timestamp (Iceberg `timestamp`, without zone, holding UTC).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

Column = tuple[str, str]
TIME_COLUMN = "timestamp"  # every catalog source has it (the event contract's envelope)
# A column only the iceberg store has: the hash the transform gives each record (firehose_transform.py).
EVENT_ID_COLUMN = "event_id"
UNIQUE_SUFFIX = "_unique"
MAINTENANCE_EVENT = "DendroMaintenance"  # the key of the daily maintenance event the handler also takes


class SchemaConflictError(ValueError):
    """A declared column exists with another type: Iceberg cannot narrow or reinterpret stored values."""


def quote(name: str) -> str:
    # Athena DDL is Hive-flavoured: identifiers in backticks. Every one is quoted because catalog
    # names include reserved words (`timestamp`, `user`, `database`).
    return "`" + name.replace("`", "``") + "`"


def literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def create_table(database: str, table: str, columns: Sequence[Column], location: str) -> str:
    """Iceberg v2 (Athena's default, and what Firehose requires), Parquet, one partition per day of
    event time: dashboards read recent windows, so a query prunes every older day."""
    body = ",\n  ".join(f"{quote(name)} {kind}" for name, kind in columns)
    return (
        f"CREATE TABLE IF NOT EXISTS {quote(database)}.{quote(table)} (\n  {body}\n)\n"
        f"PARTITIONED BY (day({quote(TIME_COLUMN)}))\n"
        f"LOCATION {literal(location)}\n"
        "TBLPROPERTIES ('table_type'='ICEBERG', 'format'='parquet', 'write_compression'='zstd')"
    )


def unique_view_name(table: str) -> str:
    return f"{table}{UNIQUE_SUFFIX}"


def unique_view(database: str, table: str, columns: Sequence[Column]) -> str:
    """A view of `table` with one row per event: Firehose and the agents deliver at least once, and
    Iceberg appends a redelivered record again. Copies share `event_id` (a hash of the record) and so
    `timestamp`; partitioning the window by both lets a filter on `timestamp` reach the table's scan
    (the day partitions are still pruned). Rows written before the column existed have no id and are
    all kept. Presto SQL (Athena views), identifiers in double quotes."""

    def name(text: str) -> str:
        return '"' + text.replace('"', '""') + '"'

    listed = ", ".join(name(column) for column, _ in columns)
    source = f"{name(database)}.{name(table)}"
    return (
        f"CREATE OR REPLACE VIEW {name(database)}.{name(unique_view_name(table))} AS\n"
        f"SELECT {listed} FROM (\n"
        f"  SELECT {listed}, row_number() OVER (PARTITION BY {name(EVENT_ID_COLUMN)}, {name(TIME_COLUMN)}) "
        f"AS dendro_copy\n  FROM {source}\n) AS copies\n"
        f"WHERE dendro_copy = 1 OR {name(EVENT_ID_COLUMN)} IS NULL"
    )


def add_columns(database: str, table: str, columns: Sequence[Column]) -> str:
    body = ", ".join(f"{quote(name)} {kind}" for name, kind in columns)
    return f"ALTER TABLE {quote(database)}.{quote(table)} ADD COLUMNS ({body})"


@dataclass(frozen=True)
class Evolution:
    """What reconciling a table with its declared columns does: the columns to add, and the columns
    the table keeps although the catalog no longer declares them (never dropped: they hold data)."""

    added: tuple[Column, ...]
    kept: tuple[str, ...]


def plan(existing: Mapping[str, str], declared: Sequence[Column]) -> Evolution:
    """`existing` is the table's columns as Glue lists them ({name: type}, names lowercase)."""
    have = {name.lower(): kind.lower() for name, kind in existing.items()}
    added = []
    for name, kind in declared:
        current = have.get(name.lower())
        if current is None:
            added.append((name, kind))
        elif current != kind.lower():
            raise SchemaConflictError(
                f"column {name} is {current} in the table but the catalog declares {kind}; Iceberg "
                f"cannot change it in place: give the field a new name in the catalog (e.g. {name}_{kind})"
            )
    declared_names = {name.lower() for name, _ in declared}
    kept = tuple(sorted(name for name in have if name not in declared_names))
    return Evolution(tuple(added), kept)


def delete_older(database: str, table: str, days: int) -> str:
    """Rows older than `days` days, to the day boundary: whole day partitions, which Iceberg can drop
    from its metadata without rewriting files."""
    return (
        f'DELETE FROM "{database}"."{table}" WHERE "{TIME_COLUMN}" < '
        f"date_add('day', -{int(days)}, CAST(current_date AS timestamp))"
    )


# Daily maintenance (replacing Glue's table optimizers, whose runs bill a DPU-minute each: see
# cost/prices.py). Snapshots older than a day are expired and the files only they held deleted; files
# in the table's folder that no snapshot references and older than the same age (a failed commit's
# leftovers) are removed. One snapshot at least is always kept.
SNAPSHOT_MAX_AGE_SECONDS = 86_400
SNAPSHOTS_TO_KEEP = 1
_IDENTIFIER = re.compile(r"[a-z][a-z0-9_]*")


def _plain(name: str) -> str:
    # OPTIMIZE and VACUUM take bare (or backticked) names, not double quotes (Athena's VACUUM page);
    # Glue database and catalog table names are lowercase identifiers, checked rather than quoted.
    if not _IDENTIFIER.fullmatch(name):
        raise ValueError(f"{name!r} is not a lowercase identifier; Glue names are [a-z][a-z0-9_]*")
    return name


def maintenance_properties(database: str, table: str) -> str:
    """What VACUUM keeps, as table properties (Athena reads them at each VACUUM); set before every run
    so a table created before them, or kept from an earlier stack, gets them too."""
    return (
        f"ALTER TABLE {quote(database)}.{quote(table)} SET TBLPROPERTIES ("
        f"'vacuum_max_snapshot_age_seconds'='{SNAPSHOT_MAX_AGE_SECONDS}', "
        f"'vacuum_min_snapshots_to_keep'='{SNAPSHOTS_TO_KEEP}')"
    )


def compact_yesterday(database: str, table: str) -> str:
    """Rewrites yesterday's small files (a Firehose commit each, every few minutes) into large ones:
    a whole day partition, once, after it is complete. Today's stay small until tomorrow; dashboards
    read only the last hours of them."""
    return (
        f"OPTIMIZE {_plain(database)}.{_plain(table)} REWRITE DATA USING BIN_PACK WHERE "
        f"\"{TIME_COLUMN}\" >= date_add('day', -1, CAST(current_date AS timestamp)) "
        f'AND "{TIME_COLUMN}" < CAST(current_date AS timestamp)'
    )


def vacuum(database: str, table: str) -> str:
    """Snapshot expiry and orphan-file removal, as the table's properties say."""
    return f"VACUUM {_plain(database)}.{_plain(table)}"
