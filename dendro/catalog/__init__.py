"""The source catalog: every monitored source type, declared once.

The Vector config generator, the ingest core, the CDK stack, the local store and the dashboard all
read `SOURCES`; nothing else restates a field list.
"""

from __future__ import annotations

from dendro.catalog.databases import MONGODB, MYSQL, POSTGRES
from dendro.catalog.metrics import (
    APACHE_METRICS,
    HOST_METRICS,
    MONGODB_METRICS,
    NGINX_METRICS,
    POSTGRES_METRICS,
)
from dendro.catalog.model import ENVELOPE, Collector, Detection, Field, FieldType, Multiline, Role, Source
from dendro.catalog.system import SYSLOG
from dendro.catalog.web import APACHE_ACCESS, APACHE_ERROR, NGINX_ACCESS, NGINX_ERROR

SOURCES: dict[str, Source] = {
    s.type: s
    for s in (
        NGINX_ACCESS,
        NGINX_ERROR,
        APACHE_ACCESS,
        APACHE_ERROR,
        POSTGRES,
        MONGODB,
        MYSQL,
        SYSLOG,
        HOST_METRICS,
        POSTGRES_METRICS,
        MONGODB_METRICS,
        NGINX_METRICS,
        APACHE_METRICS,
    )
}


class UnknownSourceError(KeyError):
    def __str__(self) -> str:
        return str(self.args[0])


def get_source(type_id: str) -> Source:
    try:
        return SOURCES[type_id]
    except KeyError:
        known = ", ".join(SOURCES)
        raise UnknownSourceError(
            f"unknown source {type_id!r}; choose one of: {known}, or declare a custom source"
        ) from None


__all__ = [
    "ENVELOPE",
    "SOURCES",
    "Collector",
    "Detection",
    "Field",
    "FieldType",
    "Multiline",
    "Role",
    "Source",
    "UnknownSourceError",
    "get_source",
]
