"""The Lambda's configuration, parsed once at cold start into one frozen object."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from dendro.ingest_lambda import constants as names
from dendro.ingest_lambda.emf import RULES_ENV, MetricRule, parse_rules
from dendro.ingest_lambda.validate import DEFAULT_WINDOW, TimeWindow


class EnvError(RuntimeError):
    """A variable the stack should have set is missing or malformed: a deployment bug, not bad data."""


@dataclass(frozen=True, kw_only=True)
class IngestEnv:
    store: str
    database: str
    sources: frozenset[str]
    errors_bucket: str
    errors_prefix: str
    metrics_namespace: str
    # Many WriteRecords calls in flight hide Timestream's per-call latency (~20-50 ms): with 32, the
    # writes of a staged object take about as long as mapping its rows (benchmarks/lambda_handler.py).
    write_concurrency: int = 32
    write_max_attempts: int = 6
    # Alert rules counted per row into two metrics each (emf.py; set by the stack, optional).
    metric_rules: tuple[MetricRule, ...] = ()
    # The event times accepted (the stack's event_earliest / event_ahead_hours; optional).
    window: TimeWindow = DEFAULT_WINDOW


def load_env(environ: Mapping[str, str]) -> IngestEnv:
    missing = [name for name in names.ALL if not environ.get(name)]
    if missing:
        raise EnvError(f"ingest Lambda is missing {', '.join(missing)}; redeploy the stack (dendro deploy)")
    try:
        concurrency = int(environ.get(names.WRITE_CONCURRENCY, str(IngestEnv.write_concurrency)))
        attempts = int(environ.get(names.WRITE_MAX_ATTEMPTS, str(IngestEnv.write_max_attempts)))
    except ValueError as exc:
        raise EnvError(f"ingest Lambda setting is not a number: {exc}") from None
    try:
        rules = parse_rules(environ.get(RULES_ENV))
    except ValueError as exc:
        raise EnvError(f"ingest Lambda setting {RULES_ENV} is malformed: {exc}; redeploy the stack") from None
    return IngestEnv(
        store=environ[names.STORE],
        database=environ[names.DATABASE],
        sources=frozenset(s for s in environ[names.SOURCES].split(",") if s),
        errors_bucket=environ[names.ERRORS_BUCKET],
        errors_prefix=environ[names.ERRORS_PREFIX],
        metrics_namespace=environ[names.METRICS_NAMESPACE],
        write_concurrency=max(1, concurrency),
        write_max_attempts=max(1, attempts),
        metric_rules=rules,
        window=_window(environ),
    )


def _window(environ: Mapping[str, str]) -> TimeWindow:
    earliest, ahead = environ.get(names.EVENT_EARLIEST), environ.get(names.EVENT_AHEAD_SECONDS)
    window = DEFAULT_WINDOW
    try:
        if earliest:
            start = datetime.combine(date.fromisoformat(earliest), datetime.min.time(), tzinfo=UTC)
            window = TimeWindow(earliest=start, ahead=window.ahead)
    except ValueError:
        raise EnvError(
            f"ingest Lambda setting {names.EVENT_EARLIEST}={earliest!r} is not a date (YYYY-MM-DD); "
            "redeploy the stack"
        ) from None
    if ahead:
        if not ahead.isdigit():
            raise EnvError(
                f"ingest Lambda setting {names.EVENT_AHEAD_SECONDS}={ahead!r} is not a number of seconds; "
                "redeploy the stack"
            )
        window = TimeWindow(earliest=window.earliest, ahead=timedelta(seconds=int(ahead)))
    return window
