"""The `[alerting]`, `[[alerts]]` and `[[notify]]` tables of dendro.toml, validated with pydantic.

    [alerting]
    interval = "30s"

    [[alerts]]
    name = "web 5xx"
    kind = "error_ratio"        # error_ratio | latency | silent_host | metric | log_rate | sql
    source = "nginx_access"
    above = 0.05
    for = "2m"

    [[notify]]
    webhook = "https://hooks.example.com/T000/B000"

Every mistake is refused at load time with the rule's name and the field (`alerts[0] (web 5xx).above:
...`), so a typo fails `dendro local up` or `dendro deploy` at once, not at 3 a.m.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Annotated, Any, Literal

import duckdb
from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    ValidationError,
    field_validator,
    model_validator,
)

from dendro.alerts.durations import format_duration, parse_duration
from dendro.catalog import SOURCES

# Sources whose rows are HTTP requests (status, request_time, service): what RED rules read.
ACCESS_SOURCES = tuple(t for t, s in SOURCES.items() if "error_rate" in s.alerts)
# Sources with a level-like column, for log_rate; the column is `level` or `severity`.
LOG_SOURCES = tuple(
    t for t, s in SOURCES.items() if "log_levels" in s.panels and (s.field("level") or s.field("severity"))
)
# Levels counted as errors, lower-cased, across the vocabularies of nginx/Apache (error, crit, alert,
# emerg), syslog (err), PostgreSQL and MySQL (ERROR, FATAL, PANIC) and MongoDB (E, F).
ERROR_LEVELS = ("error", "err", "crit", "critical", "alert", "emerg", "emergency", "fatal", "panic", "e", "f")
# Host metrics a rule may name by a short word; any other name is a raw host_metrics `metric` value.
NAMED_METRICS = {
    "cpu": "CPU busy, % of all cores",
    "memory": "memory used, % of total",
    "disk": "filesystem used, % per mount point",
    "load1": "load average over 1 minute",
    "load5": "load average over 5 minutes",
    "load15": "load average over 15 minutes",
}
_METRIC_NAME = re.compile(r"^[a-z][a-z0-9_]{0,127}$")
_RULE_NAME = re.compile(r"^[\w .:/()%<>=+-]{1,80}$")


class AlertSettingsError(ValueError):
    """The alert part of dendro.toml is not valid; `problems` holds one line per bad field."""

    def __init__(self, where: str, problems: list[str]) -> None:
        super().__init__(f"{where} is not valid:\n" + "\n".join(f"  {p}" for p in problems))
        self.problems = problems


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


Seconds = Annotated[float, Field(ge=0)]


def _seconds(value: Any) -> float:
    return parse_duration(value)


class _Rule(_Strict):
    name: str
    # How long the condition must hold, evaluation after evaluation, before the rule fires.
    for_: Seconds = Field(default=0, alias="for")
    # true: evaluated by `dendro local up` only; `dendro deploy` makes no alarm of it.
    local_only: bool = False

    @field_validator("for_", mode="before")
    @classmethod
    def _hold(cls, value: Any) -> float:
        return _seconds(value)

    @field_validator("name")
    @classmethod
    def _readable(cls, value: str) -> str:
        if not _RULE_NAME.match(value):
            raise ValueError(
                f"{value!r}: use 1-80 letters, digits, spaces and . : / ( ) % < > = + -, e.g. 'web 5xx'"
            )
        return value


def _window(value: Any) -> float:
    seconds = _seconds(value)
    if not 60 <= seconds <= 86400:
        raise ValueError(f"{format_duration(seconds)} is outside 1m .. 1d; pick a window in between")
    return seconds


def _access_source(value: str | None) -> str | None:
    if value is not None and value not in ACCESS_SOURCES:
        raise ValueError(f"{value!r} is not an access-log source; choose one of: {', '.join(ACCESS_SOURCES)}")
    return value


class _Red(_Rule):
    """Shared by the request rules: which requests, over which window, grouped how."""

    source: str | None = None
    service: str | None = None
    host: str | None = None
    window: Seconds = 300
    # Below this many requests in the window a ratio or a percentile means little.
    min_requests: int = Field(default=20, ge=1)
    by: tuple[Literal["service", "host"], ...] = ("service",)

    @field_validator("source")
    @classmethod
    def _source(cls, value: str | None) -> str | None:
        return _access_source(value)

    @field_validator("window", mode="before")
    @classmethod
    def _window(cls, value: Any) -> float:
        return _window(value)

    @property
    def sources(self) -> tuple[str, ...]:
        return (self.source,) if self.source else ACCESS_SOURCES


class ErrorRatioRule(_Red):
    """5xx responses as a share of all requests, per service: `above = 0.05` is 5 %."""

    kind: Literal["error_ratio"]
    above: float

    @field_validator("above")
    @classmethod
    def _share(cls, value: float) -> float:
        if not 0 < value < 1:
            raise ValueError(f"{value:g} is not a share; 0.05 means 5 %, give a number between 0 and 1")
        return value


class LatencyRule(_Red):
    """A percentile of request_time per service: `above = "800ms"`, `percentile = 95`."""

    kind: Literal["latency"]
    above: Seconds
    percentile: float = Field(default=95, gt=0, lt=100)

    @field_validator("above", mode="before")
    @classmethod
    def _duration(cls, value: Any) -> float:
        return _seconds(value)


class SilentHostRule(_Rule):
    """No record at all from a host for `after`. Hosts silent longer than `forget` are forgotten
    (retired servers stop firing); hosts never seen cannot be missed."""

    kind: Literal["silent_host"]
    after: Seconds = 300
    forget: Seconds = 86400
    host: str | None = None

    @field_validator("after", "forget", mode="before")
    @classmethod
    def _duration(cls, value: Any) -> float:
        return _seconds(value)

    @model_validator(mode="after")
    def _order(self) -> SilentHostRule:
        if self.after < 60:
            raise ValueError("after: a host scrapes every 15 s and batches for seconds; use 1m or more")
        if self.forget <= self.after:
            raise ValueError(f"forget: must be longer than after ({format_duration(self.after)})")
        return self


class MetricRule(_Rule):
    """A host metric above (or below) a threshold, per host: cpu, memory, disk (percent), load1/5/15,
    or any host_metrics metric name (its raw value)."""

    kind: Literal["metric"]
    metric: str
    above: float | None = None
    below: float | None = None
    window: Seconds = 300
    host: str | None = None

    @field_validator("metric")
    @classmethod
    def _metric(cls, value: str) -> str:
        if value not in NAMED_METRICS and not _METRIC_NAME.match(value):
            named = ", ".join(NAMED_METRICS)
            raise ValueError(f"{value!r}: name one of {named}, or a host_metrics metric such as load1")
        return value

    @field_validator("window", mode="before")
    @classmethod
    def _window(cls, value: Any) -> float:
        return _window(value)

    @model_validator(mode="after")
    def _one_threshold(self) -> MetricRule:
        if (self.above is None) == (self.below is None):
            raise ValueError("above: give exactly one of `above` or `below`")
        return self


class LogRateRule(_Rule):
    """More than `above` error-level lines within `window` in error and system logs, per host."""

    kind: Literal["log_rate"]
    above: int = Field(ge=0)
    source: str | None = None
    service: str | None = None
    host: str | None = None
    window: Seconds = 300
    levels: tuple[str, ...] = ERROR_LEVELS

    @field_validator("source")
    @classmethod
    def _source(cls, value: str | None) -> str | None:
        if value is not None and value not in LOG_SOURCES:
            raise ValueError(f"{value!r} has no log level; choose one of: {', '.join(LOG_SOURCES)}")
        return value

    @field_validator("window", mode="before")
    @classmethod
    def _window(cls, value: Any) -> float:
        return _window(value)

    @field_validator("levels")
    @classmethod
    def _lower(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        if not value:
            raise ValueError("name at least one level, e.g. ['error', 'crit']")
        return tuple(v.lower() for v in value)

    @property
    def sources(self) -> tuple[str, ...]:
        return (self.source,) if self.source else LOG_SOURCES


class SqlRule(_Rule):
    """A read-only query: each row it returns is a firing instance, its columns the labels (a column
    named `value` is the value). Local only: `dendro deploy` refuses it unless `local_only = true`."""

    kind: Literal["sql"]
    sql: str

    @field_validator("sql")
    @classmethod
    def _read_only(cls, value: str) -> str:
        check_select(value)
        return value


def check_select(sql: str) -> None:
    """One SELECT statement, checked by DuckDB's own parser (an in-memory database, no data)."""
    con = duckdb.connect(":memory:")
    try:
        statements = con.extract_statements(sql)
    except duckdb.Error as error:
        raise ValueError(f"does not parse: {str(error).splitlines()[0]}") from None
    finally:
        con.close()
    if len(statements) != 1:
        raise ValueError(f"give exactly one SELECT statement, not {len(statements)}")
    if statements[0].type != duckdb.StatementType.SELECT:
        raise ValueError(f"{statements[0].type.name} is refused: an alert query must be a read-only SELECT")


Rule = Annotated[
    ErrorRatioRule | LatencyRule | SilentHostRule | MetricRule | LogRateRule | SqlRule,
    Field(discriminator="kind"),
]
KINDS = ("error_ratio", "latency", "silent_host", "metric", "log_rate", "sql")


class WebhookChannel(_Strict):
    """A Slack-compatible webhook ({"text": ...} plus structured fields); any JSON receiver works."""

    webhook: str
    # Optional extra headers, e.g. an Authorization for a generic receiver. Values may be `env:NAME`.
    headers: dict[str, str] = Field(default_factory=dict)

    @field_validator("webhook")
    @classmethod
    def _url(cls, value: str) -> str:
        if not re.match(r"^https?://[^\s/]+", value):
            raise ValueError(f"{value!r} is not an http(s) URL; give the webhook's full URL")
        return value

    @property
    def label(self) -> str:
        # The path of a Slack webhook is its secret: name the channel by host only.
        return "webhook " + re.sub(r"^(https?://[^/]+).*$", r"\1", self.webhook)


class EmailChannel(_Strict):
    email: str

    @field_validator("email")
    @classmethod
    def _address(cls, value: str) -> str:
        if not re.match(r"^[^@\s,]+@[^@\s,]+\.[^@\s,]+$", value):
            raise ValueError(f"{value!r} is not an email address")
        return value

    @property
    def label(self) -> str:
        return f"email {self.email}"


def _channel_kind(value: Any) -> str | None:
    keys = value if isinstance(value, dict) else vars(value)
    return next((k for k in ("webhook", "email") if k in keys), None)


Channel = Annotated[
    Annotated[WebhookChannel, Tag("webhook")] | Annotated[EmailChannel, Tag("email")],
    Discriminator(
        _channel_kind,
        custom_error_type="channel",
        custom_error_message="give `webhook = URL` or `email = ADDRESS`",
    ),
]


class SmtpSettings(_Strict):
    """How local alerts send email: an SMTP relay with STARTTLS; the password comes from an
    environment variable, never from the file."""

    host: str
    port: int = Field(default=587, ge=1, le=65535)
    sender: str = Field(alias="from")
    username: str | None = None
    password_env: str | None = None
    starttls: bool = True
    timeout: Seconds = 10

    @field_validator("timeout", mode="before")
    @classmethod
    def _duration(cls, value: Any) -> float:
        return _seconds(value)


class AlertingSettings(_Strict):
    interval: Seconds = 30
    # The built-in rules (5xx ratio, silent host, disk > 90 %) apply unless this is false; a rule of
    # yours with the same name replaces the built-in one.
    defaults: bool = True
    # Where notifications link to; default: the dashboard `dendro local up` serves.
    dashboard_url: str | None = None
    # Each rule's query is stopped after this long: an evaluation never hangs the loop.
    query_timeout: Seconds = 10
    smtp: SmtpSettings | None = None

    @field_validator("interval", "query_timeout", mode="before")
    @classmethod
    def _duration(cls, value: Any) -> float:
        return _seconds(value)

    @field_validator("interval")
    @classmethod
    def _interval(cls, value: float) -> float:
        if not 1 <= value <= 3600:
            raise ValueError(f"{format_duration(value)} is outside 1s .. 1h")
        return value


def _replaces(mine: Rule, default: Rule) -> bool:
    if mine.name == default.name:
        return True
    if isinstance(mine, MetricRule) and isinstance(default, MetricRule):
        return mine.metric == default.metric
    return mine.kind == default.kind and not isinstance(mine, MetricRule)


def default_rules() -> tuple[Rule, ...]:
    return (
        ErrorRatioRule(name="5xx ratio", kind="error_ratio", above=0.05, for_=120),
        SilentHostRule(name="silent host", kind="silent_host", after=600),
        MetricRule(name="disk above 90%", kind="metric", metric="disk", above=90, for_=300),
    )


class AlertSettings(_Strict):
    alerting: AlertingSettings = Field(default_factory=AlertingSettings)
    alerts: tuple[Rule, ...] = ()
    notify: tuple[Channel, ...] = ()

    @model_validator(mode="after")
    def _distinct_names(self) -> AlertSettings:
        seen: set[str] = set()
        for rule in self.alerts:
            if rule.name in seen:
                raise ValueError(f"alerts: two rules are named {rule.name!r}; give each its own name")
            seen.add(rule.name)
        return self

    @property
    def rules(self) -> tuple[Rule, ...]:
        """The rules in force: yours, plus the built-in ones you did not replace or turn off. A rule of
        yours replaces the built-in one of the same name or of the same kind (for `metric`, the same
        metric): declaring your own 5xx rule does not leave a second one firing beside it."""
        if not self.alerting.defaults:
            return self.alerts
        return self.alerts + tuple(
            d for d in default_rules() if not any(_replaces(r, d) for r in self.alerts)
        )

    @property
    def webhooks(self) -> tuple[WebhookChannel, ...]:
        return tuple(c for c in self.notify if isinstance(c, WebhookChannel))

    @property
    def emails(self) -> tuple[EmailChannel, ...]:
        return tuple(c for c in self.notify if isinstance(c, EmailChannel))

    @classmethod
    def load(cls, path: str | Path) -> AlertSettings:
        """The alert tables of a dendro.toml; its other tables (sources, sink) are not read here."""
        path = Path(path)
        try:
            data = tomllib.loads(path.read_text())
        except tomllib.TOMLDecodeError as exc:
            raise AlertSettingsError(str(path), [f"not valid TOML: {exc}"]) from None
        except OSError as exc:
            raise AlertSettingsError(str(path), [f"cannot be read: {exc.strerror or exc}"]) from None
        return cls.parse(data, where=str(path))

    @classmethod
    def parse(cls, data: dict[str, Any], where: str = "dendro.toml") -> AlertSettings:
        mine = {k: data[k] for k in ("alerting", "alerts", "notify") if k in data}
        try:
            return cls.model_validate(mine)
        except ValidationError as exc:
            raise AlertSettingsError(where, describe(exc, mine)) from None


def describe(exc: ValidationError, data: dict[str, Any]) -> list[str]:
    """One line per error, located like `alerts[1] (web 5xx).above` so the rule is named."""
    lines = []
    for error in exc.errors():
        loc = ""
        parts = list(error["loc"])
        for i, part in enumerate(parts):
            if isinstance(part, int):
                loc += f"[{part}]"
                if i > 0 and parts[i - 1] == "alerts":
                    name = _rule_name(data, part)
                    if name:
                        loc += f" ({name})"
            elif part in KINDS and i > 0 and isinstance(parts[i - 1], int):
                continue  # the discriminator's branch: the user wrote `kind`, not this
            elif part in ("webhook", "email") and i > 0 and isinstance(parts[i - 1], int):
                continue
            else:
                loc += f".{part}" if loc else str(part)
        message = error["msg"].removeprefix("Value error, ")
        named = re.match(r"^([a-z_]+): (.*)$", message, re.DOTALL)
        if named is not None and error["type"] == "value_error" and not loc.endswith(named.group(1)):
            loc, message = f"{loc}.{named.group(1)}" if loc else named.group(1), named.group(2)
        if error["type"] == "union_tag_invalid":
            message = f"unknown kind {error['input'].get('kind')!r}; choose one of: {', '.join(KINDS)}"
            loc += ".kind"
        elif error["type"] == "union_tag_not_found":
            message = f"no kind given; add kind = one of: {', '.join(KINDS)}"
            loc += ".kind"
        elif error["type"] == "extra_forbidden":
            message = "unknown field; check its spelling against the rule's kind in the README"
        lines.append(f"{loc}: {message}" if loc else message)
    return lines


def _rule_name(data: dict[str, Any], index: int) -> str | None:
    rules = data.get("alerts")
    if isinstance(rules, list) and index < len(rules) and isinstance(rules[index], dict):
        name = rules[index].get("name")
        return str(name) if name else None
    return None


DEFAULT_CONFIG = Path("dendro.toml")


def load_alert_settings(config: Path | None) -> tuple[AlertSettings, Path | None]:
    """The alert settings of `config`, or of ./dendro.toml when it exists, or the built-in defaults
    (no channel); with the file they came from."""
    if config is None and DEFAULT_CONFIG.is_file():
        config = DEFAULT_CONFIG
    if config is None:
        return AlertSettings(), None
    return AlertSettings.load(config), config
