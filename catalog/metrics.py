"""Metric sources. Vector's metric events become log events (`metric_to_log`) so that they travel and
are stored like log lines: one row per sample, its tags as dimensions."""

from __future__ import annotations

from catalog.model import Collector, Detection, Field, Source
from catalog.model import FieldType as T
from catalog.model import Role as R

METRIC_FIELDS: tuple[Field, ...] = (
    Field("metric", T.STRING, R.DIMENSION, True, "metric name, e.g. memory_used_bytes"),
    Field("kind", T.STRING, R.DIMENSION, True, "gauge or counter (absolute or incremental)"),
    Field("value", T.FLOAT, R.MEASURE, True),
    Field("tags", T.STRING, R.MEASURE, description="tags without a column of their own, as JSON text"),
)
SCRAPE_INTERVAL_SECS = 15


def _metrics(kind: str, options: dict[str, object]) -> Collector:
    return Collector(
        name=kind,
        kind=kind,
        options={"scrape_interval_secs": SCRAPE_INTERVAL_SECS, **options},
        vrl="metrics",
        metrics=True,
    )


HOST_METRICS = Source(
    type="host_metrics",
    title="host metrics (cpu, memory, load, filesystem, disk, network)",
    collectors=(
        _metrics("host_metrics", {"collectors": ["cpu", "memory", "load", "filesystem", "disk", "network"]}),
    ),
    fields=(
        *METRIC_FIELDS,
        Field("collector", T.STRING, R.DIMENSION),
        Field("cpu", T.STRING, R.DIMENSION),
        Field("mode", T.STRING, R.DIMENSION),
        Field("device", T.STRING, R.DIMENSION),
        Field("filesystem", T.STRING, R.DIMENSION),
        Field("mountpoint", T.STRING, R.DIMENSION),
    ),
    panels=("host",),
    alerts=("heartbeat",),
)

POSTGRES_METRICS = Source(
    type="postgres_metrics",
    title="PostgreSQL metrics (postgresql_metrics)",
    collectors=(
        _metrics("postgresql_metrics", {"endpoints": ["postgresql://postgres@localhost:5432/postgres"]}),
    ),
    fields=(*METRIC_FIELDS, Field("endpoint", T.STRING, R.DIMENSION), Field("db", T.STRING, R.DIMENSION)),
    detection=Detection(ports=(5432,)),
    service="postgres",
    panels=("metrics",),
)

MONGODB_METRICS = Source(
    type="mongodb_metrics",
    title="MongoDB metrics (serverStatus)",
    collectors=(_metrics("mongodb_metrics", {"endpoints": ["mongodb://localhost:27017"]}),),
    fields=(*METRIC_FIELDS, Field("endpoint", T.STRING, R.DIMENSION)),
    detection=Detection(ports=(27017,)),
    service="mongodb",
    panels=("metrics",),
)

NGINX_METRICS = Source(
    type="nginx_metrics",
    title="nginx metrics (stub_status)",
    collectors=(_metrics("nginx_metrics", {"endpoints": ["http://localhost/nginx_status"]}),),
    fields=(*METRIC_FIELDS, Field("endpoint", T.STRING, R.DIMENSION)),
    detection=Detection(ports=(80,)),
    service="nginx",
    panels=("metrics",),
)

APACHE_METRICS = Source(
    type="apache_metrics",
    title="Apache metrics (mod_status)",
    collectors=(_metrics("apache_metrics", {"endpoints": ["http://localhost/server-status?auto"]}),),
    fields=(*METRIC_FIELDS, Field("endpoint", T.STRING, R.DIMENSION)),
    detection=Detection(ports=(80,)),
    service="apache",
    panels=("metrics",),
)
