"""The home page's data: what is being monitored, whether it is still arriving, how each service is
doing right now, and the pipeline's health. Plain functions over a Backend; the route renders them."""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field
from typing import Any

from dendro.catalog import SOURCES
from dendro.dashboard import panels, queries
from dendro.dashboard.backends import Backend, Health, QueryError

RECENT_SECONDS = 300  # "records per minute" and the service summary cover the last 5 minutes
# Timestream bills by bytes scanned: the home page looks one day back there. The local store is
# cheap to scan whole, so a host that went quiet a week ago still shows, with its last record time.
TIMESTREAM_LOOKBACK = 86400
STALE_SECONDS = 300  # a source/host silent this long is flagged


@dataclass(frozen=True)
class Activity:
    source: str
    title: str
    host: str
    last_ms: int | None
    per_minute: float
    stale: bool


@dataclass(frozen=True)
class ServiceNow:
    service: str
    per_minute: float
    errors: int
    error_pct: float
    p95_ms: float | None


@dataclass(frozen=True)
class HostNow:
    """One host over the last few minutes: its traffic (when it serves access logs) and whether it
    still sends anything at all."""

    host: str
    per_minute: float
    errors: int
    error_pct: float
    p95_ms: float | None
    last_ms: int | None
    silent: bool


@dataclass
class Overview:
    label: str
    store: str
    activity: list[Activity] = field(default_factory=list)
    services: list[ServiceNow] = field(default_factory=list)
    hosts_now: list[HostNow] = field(default_factory=list)
    health: Health = field(default_factory=Health)
    problems: list[str] = field(default_factory=list)
    generated_ms: int = 0

    @property
    def empty(self) -> bool:
        return not self.activity

    @property
    def hosts(self) -> list[str]:
        return sorted({a.host for a in self.activity})

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["hosts"] = self.hosts
        data["empty"] = self.empty
        return data


def catalog_tables(backend: Backend) -> list[str]:
    present = set(backend.tables())
    return [t for t in SOURCES if t in present]


def build_overview(backend: Backend, now: float | None = None) -> Overview:
    now_ms = int((now if now is not None else time.time()) * 1000)
    overview = Overview(label=backend.label, store=backend.store, generated_ms=now_ms)
    tables = catalog_tables(backend)
    if tables:
        overview.activity = _activity(backend, tables, now_ms, overview.problems)
    red = panels.red_tables(tables)
    if red and overview.activity:
        overview.services = _services(backend, red, overview.problems)
    if overview.activity:
        traffic = _services(backend, red, overview.problems, by="host") if red else []
        overview.hosts_now = _hosts(overview.activity, traffic)
    overview.health = backend.health()
    return overview


def _activity(backend: Backend, tables: list[str], now_ms: int, problems: list[str]) -> list[Activity]:
    # Cloud stores bill per query (TCU or bytes scanned): bound how far back activity looks.
    lookback = TIMESTREAM_LOOKBACK if backend.store in ("timestream", "iceberg") else None
    sql = queries.activity(backend.dialect, tables, RECENT_SECONDS, lookback)
    try:
        result = backend.query(sql)
    except QueryError as error:
        problems.append(f"sources unavailable: {error}")
        return []
    found = []
    for source, host, last_ms, recent in result.rows:
        last = int(last_ms) if last_ms is not None else None
        found.append(
            Activity(
                source=str(source),
                title=SOURCES[str(source)].title,
                host=str(host),
                last_ms=last,
                per_minute=round(int(recent or 0) * 60 / RECENT_SECONDS, 1),
                stale=last is None or now_ms - last > STALE_SECONDS * 1000,
            )
        )
    return found


def _hosts(activity: list[Activity], traffic: list[ServiceNow]) -> list[HostNow]:
    """Every host seen, worst first: silent hosts, then by 5xx share, then by p95."""
    by_host = {t.service: t for t in traffic}
    hosts = []
    for host in sorted({a.host for a in activity}):
        mine = [a for a in activity if a.host == host]
        last = max((a.last_ms for a in mine if a.last_ms is not None), default=None)
        now = by_host.get(host)
        hosts.append(
            HostNow(
                host=host,
                per_minute=now.per_minute if now else 0.0,
                errors=now.errors if now else 0,
                error_pct=now.error_pct if now else 0.0,
                p95_ms=now.p95_ms if now else None,
                last_ms=last,
                silent=all(a.stale for a in mine),
            )
        )
    return sorted(hosts, key=lambda h: (not h.silent, -h.error_pct, -(h.p95_ms or 0), h.host))


def _services(backend: Backend, red: list[str], problems: list[str], by: str = "service") -> list[ServiceNow]:
    """Per service (or, by="host", per host: the `service` attribute then holds the host)."""
    try:
        result = backend.query(queries.services_now(backend.dialect, red, RECENT_SECONDS, by))
    except QueryError as error:
        problems.append(f"service summary unavailable: {error}")
        return []
    services = []
    for service, requests, errors, p95 in result.rows:
        requests, errors = int(requests or 0), int(errors or 0)
        services.append(
            ServiceNow(
                service=str(service),
                per_minute=round(requests * 60 / RECENT_SECONDS, 1),
                errors=errors,
                error_pct=round(100 * errors / requests, 2) if requests else 0.0,
                p95_ms=round(float(p95), 1) if p95 is not None else None,
            )
        )
    return services
