"""Metric sources. Vector's metric events become log events (`metric_to_log`) so that they travel and
are stored like log lines: one row per sample, its tags as dimensions."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from typing import Any

from dendro.catalog.model import Collector, Detection, Field, Source
from dendro.catalog.model import FieldType as T
from dendro.catalog.model import Role as R

METRIC_FIELDS: tuple[Field, ...] = (
    Field("metric", T.STRING, R.DIMENSION, True, "metric name without namespace, e.g. memory_used_bytes"),
    Field("kind", T.STRING, R.DIMENSION, True, "gauge or counter; incremental_counter for a delta"),
    Field("value", T.FLOAT, R.MEASURE, True),
    Field("tags", T.STRING, R.MEASURE, description="tags without a column of their own, as JSON text"),
)
SCRAPE_INTERVAL_SECS = 15

# Filesystems with no space worth watching; on a snap-heavy Ubuntu host, squashfs images and overlay
# mounts alone would add dozens of rows per scrape.
PSEUDO_FILESYSTEMS = (
    "autofs", "binfmt_misc", "bpf", "cgroup", "cgroup2", "configfs", "debugfs", "devpts", "devtmpfs",
    "efivarfs", "fusectl", "hugetlbfs", "mqueue", "nsfs", "overlay", "proc", "pstore", "rpc_pipefs",
    "securityfs", "squashfs", "sysfs", "tracefs",
)  # fmt: skip


@dataclass(frozen=True)
class _MetricsProgram:
    """catalog/vrl/metrics.vrl, told which tags have a column of their own in this source's table."""

    dimensions: tuple[str, ...]

    def __call__(self, settings: Mapping[str, str]) -> str:
        text = resources.files("dendro.catalog").joinpath("vrl", "metrics.vrl").read_text()
        # A JSON array of strings is also a VRL array literal.
        return f"dendro_dimensions = {json.dumps(list(self.dimensions))}\n{text}"


def _metrics(kind: str, options: dict[str, Any], dimensions: tuple[str, ...]) -> Collector:
    return Collector(
        name=kind,
        kind=kind,
        options={"scrape_interval_secs": SCRAPE_INTERVAL_SECS, **options},
        vrl="metrics",
        metrics=True,
        render=_MetricsProgram(dimensions),
    )


def _dimensions(names: tuple[str, ...]) -> tuple[Field, ...]:
    return tuple(Field(name, T.STRING, R.DIMENSION) for name in names)


HOST_DIMENSIONS = ("collector", "cpu", "mode", "device", "filesystem", "mountpoint")
HOST_METRICS = Source(
    type="host_metrics",
    title="host metrics (cpu, memory, load, filesystem, disk, network)",
    collectors=(
        _metrics(
            "host_metrics",
            {
                # Vector's default is every collector, process, tcp and cgroups included: many rows for
                # little a small team reads. "host" adds uptime and boot time, two rows.
                "collectors": ["cpu", "memory", "load", "host", "filesystem", "disk", "network"],
                "filesystem": {"filesystems": {"excludes": list(PSEUDO_FILESYSTEMS)}},
                # Loop devices back snaps and images; veth pairs come and go with every container.
                "disk": {"devices": {"excludes": ["loop*", "ram*"]}},
                "network": {"devices": {"excludes": ["lo", "veth*"]}},
            },
            HOST_DIMENSIONS,
        ),
    ),
    fields=(*METRIC_FIELDS, *_dimensions(HOST_DIMENSIONS)),
    panels=("host",),
    alerts=("heartbeat",),
)

POSTGRES_DIMENSIONS = ("endpoint", "db")
POSTGRES_METRICS = Source(
    type="postgres_metrics",
    title="PostgreSQL metrics (postgresql_metrics)",
    collectors=(
        _metrics(
            "postgresql_metrics",
            # The local socket with peer authentication: Vector runs as the `vector` system user, so a
            # `vector` role (CREATE ROLE vector LOGIN; GRANT pg_monitor TO vector) needs no password in
            # the config. TCP to localhost would need one under the default pg_hba.conf.
            {"endpoints": ["postgresql:///postgres?host=/var/run/postgresql&user=vector"]},
            POSTGRES_DIMENSIONS,
        ),
    ),
    fields=(*METRIC_FIELDS, *_dimensions(POSTGRES_DIMENSIONS)),
    detection=Detection(ports=(5432,)),
    service="postgres",
    panels=("metrics",),
)

ENDPOINT_DIMENSIONS = ("endpoint",)
MONGODB_METRICS = Source(
    type="mongodb_metrics",
    title="MongoDB metrics (serverStatus)",
    collectors=(
        _metrics("mongodb_metrics", {"endpoints": ["mongodb://localhost:27017"]}, ENDPOINT_DIMENSIONS),
    ),
    fields=(*METRIC_FIELDS, *_dimensions(ENDPOINT_DIMENSIONS)),
    detection=Detection(ports=(27017,)),
    service="mongodb",
    panels=("metrics",),
)

NGINX_METRICS = Source(
    type="nginx_metrics",
    title="nginx metrics (stub_status)",
    # stub_status is off until a location enables it (`location = /nginx_status { stub_status; }`).
    collectors=(
        _metrics("nginx_metrics", {"endpoints": ["http://localhost/nginx_status"]}, ENDPOINT_DIMENSIONS),
    ),
    fields=(*METRIC_FIELDS, *_dimensions(ENDPOINT_DIMENSIONS)),
    detection=Detection(ports=(80,)),
    service="nginx",
    panels=("metrics",),
)

APACHE_METRICS = Source(
    type="apache_metrics",
    title="Apache metrics (mod_status)",
    # Debian's stock status.conf serves /server-status to local clients; elsewhere a
    # `<Location "/server-status"> SetHandler server-status` block turns it on. `?auto` is the
    # machine-readable form the source reads.
    collectors=(
        _metrics(
            "apache_metrics", {"endpoints": ["http://localhost/server-status?auto"]}, ENDPOINT_DIMENSIONS
        ),
    ),
    fields=(*METRIC_FIELDS, *_dimensions(ENDPOINT_DIMENSIONS)),
    detection=Detection(ports=(80,)),
    service="apache",
    panels=("metrics",),
)
