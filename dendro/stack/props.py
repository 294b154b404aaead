"""What a Dendro pipeline is made of, as one typed object, and how CDK context becomes one.

Context comes from `cdk.json`, from `cdk deploy -c dendro:alertEmails=a@x.org,b@x.org`, or from
`dendro deploy` flags (which pass the same `-c` keys), so plain `cdk deploy` in CI and the CLI agree.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields
from datetime import date
from functools import cached_property
from typing import TYPE_CHECKING, Any

from dendro.catalog import SOURCES, Source
from dendro.stack.names import DEFAULT_STORE

if TYPE_CHECKING:
    from dendro.alerts.rules import AlertSettings

STORES = ("timestream", "iceberg")
_EMAIL = re.compile(r"^[^@\s,]+@[^@\s,]+\.[^@\s,]+$")


class DendroConfigError(ValueError):
    """A context value the stack cannot be built from. `key` is the context key (the CLI names its
    own flag instead); `problem` says what is wrong with the value."""

    def __init__(self, key: str, problem: str) -> None:
        super().__init__(f"{key}: {problem}")
        self.key = key
        self.problem = problem


@dataclass(frozen=True, kw_only=True)
class DendroProps:
    store: str = DEFAULT_STORE
    # Catalog types that get a table. Default: every catalog source.
    sources: tuple[str, ...] = tuple(SOURCES)
    alert_emails: tuple[str, ...] = ()
    # Retain the bucket and the database (with their data) when the stack is deleted.
    keep_data: bool = False
    # A database (and tables) kept by an earlier stack deployed with keep_data: used as they are
    # instead of created, which would fail on the existing names. `dendro deploy` finds them
    # (stack/redeploy.py); with plain `cdk deploy`, pass -c dendro:adoptDatabase=true yourself.
    adopt_database: bool = False
    adopt_tables: tuple[str, ...] = ()  # timestream tables kept (iceberg tables adopt themselves)
    kept_bucket: str = ""  # the bucket holding the kept iceberg tables' files, granted like our own
    # Per-source retention from dendro.toml (`retention_days`), as `type=days,type=days`: Timestream's
    # magnetic retention of that table, or a daily Athena DELETE of older rows on the Iceberg table.
    retention_days: str = ""
    # Firehose buffering: a minute keeps dashboards fresh; 1 MiB keeps staged objects small enough
    # for one Lambda invocation each.
    buffer_interval_seconds: int = 60
    buffer_size_mib: int = 1
    # The iceberg store commits to its tables at most this often (and the Athena dashboard refreshes
    # at this pace); lower it for fresher dashboards at more S3 requests (`dendro cost`).
    iceberg_commit_seconds: int = 300
    staging_expiry_days: int = 7
    # The event times the ingest Lambda accepts (validate.TimeWindow, as the local collector's
    # CollectorConfig.window): from this UTC date to this many hours past the moment of ingest; others
    # are dead-lettered as bad_timestamp. A year 0001 or 9999 timestamp is a bug or an attack.
    event_earliest: str = "1970-01-01"
    event_ahead_hours: int = 24
    errors_expiry_days: int = 30
    memory_retention_hours: int = 24
    magnetic_retention_days: int = 365
    # Athena (iceberg store): a query that would scan more than this is cancelled, so a runaway
    # dashboard query costs at most 10 GB x $5/TB = $0.05; results are kept a week.
    athena_scan_limit_gb: int = 10
    athena_results_expiry_days: int = 7
    # dendro.toml holding [[alerts]] and [[notify]]: its rules become alarms (without it, the
    # built-in ones: 5xx ratio, silent host, disk), its emails subscribe to the topic.
    alerts_config: str | None = None
    agent_role: bool = False
    # False skips building the Lambda bundle (pip); for `dendro synth --no-bundle` and tests only.
    bundle: bool = True

    def __post_init__(self) -> None:
        if self.store not in STORES:
            raise DendroConfigError(
                "dendro:store", f"{self.store!r} is not a store; choose {' or '.join(STORES)}"
            )
        unknown = [s for s in self.sources if s not in SOURCES]
        if unknown:
            raise DendroConfigError(
                "dendro:sources", f"unknown source {unknown[0]!r}; choose from {', '.join(SOURCES)}"
            )
        if not self.sources:
            raise DendroConfigError("dendro:sources", "empty; enable at least one catalog source")
        bad = [e for e in self.alert_emails if not _EMAIL.match(e)]
        if bad:
            raise DendroConfigError("dendro:alertEmails", f"{bad[0]!r} is not an email address")
        _check_range("dendro:bufferIntervalSeconds", self.buffer_interval_seconds, 0, 900)
        _check_range("dendro:bufferSizeMiB", self.buffer_size_mib, 1, 128)
        _check_range("dendro:icebergCommitSeconds", self.iceberg_commit_seconds, 0, 900)
        _check_range("dendro:stagingExpiryDays", self.staging_expiry_days, 1, 3650)
        try:
            date.fromisoformat(self.event_earliest)
        except ValueError:
            raise DendroConfigError(
                "dendro:eventEarliest", f"{self.event_earliest!r} is not a date; use YYYY-MM-DD (2024-01-01)"
            ) from None
        _check_range("dendro:eventAheadHours", self.event_ahead_hours, 0, 8784)
        _check_range("dendro:errorsExpiryDays", self.errors_expiry_days, 1, 3650)
        _check_range("dendro:memoryRetentionHours", self.memory_retention_hours, 1, 8766)
        _check_range("dendro:magneticRetentionDays", self.magnetic_retention_days, 1, 73000)
        # Athena's smallest cutoff is 10 MB; 10 TB is far past any dashboard query.
        _check_range("dendro:athenaScanLimitGB", self.athena_scan_limit_gb, 1, 10240)
        _check_range("dendro:athenaResultsExpiryDays", self.athena_results_expiry_days, 1, 3650)
        for type_id, days in self.retention.items():
            if type_id not in SOURCES:
                raise DendroConfigError("dendro:retentionDays", f"unknown source {type_id!r}")
            _check_range("dendro:retentionDays", days, 1, 36500)
        self.alert_settings  # noqa: B018 - loads and checks dendro.toml now, naming the context key

    @property
    def retention(self) -> dict[str, int]:
        """`retention_days` as {type: days}; malformed text is a DendroConfigError naming the key."""
        found = {}
        for part in (p.strip() for p in self.retention_days.split(",") if p.strip()):
            type_id, _, days = part.partition("=")
            if not days.strip().isdigit():
                raise DendroConfigError(
                    "dendro:retentionDays", f"{part!r} is not type=days, e.g. nginx_access=30"
                )
            found[type_id.strip()] = int(days)
        return found

    @cached_property
    def alert_settings(self) -> AlertSettings:
        from dendro.alerts.rules import AlertSettings, AlertSettingsError

        if self.alerts_config is None:
            return AlertSettings()
        try:
            return AlertSettings.load(self.alerts_config)
        except AlertSettingsError as error:
            raise DendroConfigError("dendro:alertsConfig", str(error)) from None

    @property
    def enabled_sources(self) -> list[Source]:
        """Catalog entries in catalog order, whatever order the user listed them in."""
        return [s for t, s in SOURCES.items() if t in self.sources]


def _check_range(key: str, value: float, low: float, high: float) -> None:
    if not low <= value <= high:
        raise DendroConfigError(key, f"{value} is out of range; use {low} to {high}")


# Context key -> DendroProps field. Keys are camelCase like CDK's own context keys.
CONTEXT_KEYS: Mapping[str, str] = {
    "dendro:store": "store",
    "dendro:sources": "sources",
    "dendro:alertEmails": "alert_emails",
    "dendro:keepData": "keep_data",
    "dendro:adoptDatabase": "adopt_database",
    "dendro:adoptTables": "adopt_tables",
    "dendro:keptBucket": "kept_bucket",
    "dendro:retentionDays": "retention_days",
    "dendro:bufferIntervalSeconds": "buffer_interval_seconds",
    "dendro:bufferSizeMiB": "buffer_size_mib",
    "dendro:icebergCommitSeconds": "iceberg_commit_seconds",
    "dendro:stagingExpiryDays": "staging_expiry_days",
    "dendro:eventEarliest": "event_earliest",
    "dendro:eventAheadHours": "event_ahead_hours",
    "dendro:errorsExpiryDays": "errors_expiry_days",
    "dendro:memoryRetentionHours": "memory_retention_hours",
    "dendro:magneticRetentionDays": "magnetic_retention_days",
    "dendro:athenaScanLimitGB": "athena_scan_limit_gb",
    "dendro:athenaResultsExpiryDays": "athena_results_expiry_days",
    "dendro:alertsConfig": "alerts_config",
    "dendro:agentRole": "agent_role",
    "dendro:bundle": "bundle",
}
STACK_NAME_KEY = "dendro:stackName"
# The settings a redeploy must not lose (stack/redeploy.py reads them back from the stack's output).
STICKY = ("dendro:keepData", "dendro:adoptDatabase", "dendro:adoptTables", "dendro:keptBucket")


def deploy_settings(props: DendroProps) -> str:
    """`dendro:keepData=true;dendro:adoptDatabase=false;...`: the sticky settings as deployed."""
    parts = []
    for key in STICKY:
        value = getattr(props, CONTEXT_KEYS[key])
        text = (
            ",".join(value)
            if isinstance(value, tuple)
            else str(value).lower()
            if isinstance(value, bool)
            else value
        )
        parts.append(f"{key}={text}")
    return ";".join(parts)


def parse_deploy_settings(text: str) -> dict[str, str]:
    return dict(part.split("=", 1) for part in text.split(";") if "=" in part)


def _as_tuple(value: Any) -> tuple[str, ...]:
    # `-c k=a,b` arrives as the string "a,b"; cdk.json may hold a JSON list.
    items = value.split(",") if isinstance(value, str) else list(value)
    return tuple(str(i).strip() for i in items if str(i).strip())


def _as_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("true", "1", "yes"):
        return True
    if text in ("false", "0", "no", ""):
        return False
    raise ValueError(f"{value!r} is not true or false")


_CONVERT: Mapping[Any, Callable[[Any], Any]] = {
    "tuple[str, ...]": _as_tuple,
    "bool": _as_bool,
    "int": int,
    "float": float,
    "str": str,
    "str | None": str,
}


def props_from_context(get: Callable[[str], Any]) -> DendroProps:
    """Build props from CDK context; `get` is `app.node.try_get_context`. Absent keys keep defaults."""
    types = {f.name: str(f.type) for f in fields(DendroProps)}
    values: dict[str, Any] = {}
    for key, name in CONTEXT_KEYS.items():
        raw = get(key)
        if raw is None:
            continue
        try:
            values[name] = _CONVERT[types[name]](raw)
        except ValueError as exc:
            raise DendroConfigError(key, f"{raw!r}: {exc}") from None
    return DendroProps(**values)


def stack_name_from_context(get: Callable[[str], Any], default: str) -> str:
    name = str(get(STACK_NAME_KEY) or default)
    # CloudFormation stack names: a letter, then letters, digits and hyphens, at most 128.
    if not re.fullmatch(r"[A-Za-z][A-Za-z0-9-]{0,127}", name):
        raise DendroConfigError(
            STACK_NAME_KEY, f"{name!r}: use letters, digits and hyphens, starting with a letter"
        )
    return name
