"""Web servers: nginx and Apache access and error logs."""

from __future__ import annotations

from dendro.catalog import local_time
from dendro.catalog.model import Collector, Detection, Field, Multiline, Source
from dendro.catalog.model import FieldType as T
from dendro.catalog.model import Role as R

# nginx and Apache share the combined grammar, so both access tables have the same columns.
ACCESS_FIELDS: tuple[Field, ...] = (
    Field("service", T.STRING, R.DIMENSION, True, "service name for RED charts (default: nginx/apache)"),
    Field("vhost", T.STRING, R.DIMENSION, description="virtual host prefix ($host or %v), when logged"),
    Field("method", T.STRING, R.DIMENSION, description="HTTP method; absent for an empty request"),
    Field("protocol", T.STRING, R.DIMENSION),
    Field("status_class", T.STRING, R.DIMENSION, True, "1xx..5xx"),
    Field("status", T.INT, R.MEASURE, True),
    Field("client", T.STRING, R.MEASURE, True, "remote address (first of an X-Forwarded-For list)"),
    Field("forwarded_for", T.STRING, R.MEASURE, description="full client list when more than one"),
    Field("remote_user", T.STRING, R.MEASURE),
    Field("request", T.STRING, R.MEASURE, True, "the raw request line"),
    Field("path", T.STRING, R.MEASURE),
    Field("bytes", T.INT, R.MEASURE, description="response body bytes; absent when logged as '-'"),
    Field("referer", T.STRING, R.MEASURE),
    Field("user_agent", T.STRING, R.MEASURE),
    Field("request_time", T.FLOAT, R.MEASURE, description="seconds ($request_time or %D)"),
    Field("upstream_response_time", T.FLOAT, R.MEASURE, description="seconds ($upstream_response_time)"),
)

RED_PANELS = ("red", "latency")
RED_ALERTS = ("error_rate", "heartbeat")


def _file(name: str, paths: tuple[str, ...], vrl: str, multiline: Multiline | None = None) -> Collector:
    return Collector(
        name=name,
        kind="file",
        options={"include": list(paths)},
        vrl=vrl,
        multiline=multiline,
        settings=(local_time.SETTING,),
    )


NGINX_ACCESS_PATHS = ("/var/log/nginx/access.log", "/var/log/nginx/*access*.log")
NGINX_ACCESS = Source(
    type="nginx_access",
    title="nginx access log",
    collectors=(_file("file", NGINX_ACCESS_PATHS, "nginx_access"),),
    fields=ACCESS_FIELDS,
    detection=Detection(paths=NGINX_ACCESS_PATHS, ports=(80, 443)),
    service="nginx",
    panels=RED_PANELS,
    alerts=RED_ALERTS,
)

NGINX_ERROR_PATHS = ("/var/log/nginx/error.log", "/var/log/nginx/*error*.log")
NGINX_ERROR = Source(
    type="nginx_error",
    title="nginx error log",
    collectors=(
        _file(
            "file",
            NGINX_ERROR_PATHS,
            "nginx_error",
            # FastCGI "PHP message" continuation lines carry no timestamp of their own.
            Multiline(
                start_pattern=r"^\d{4}/\d{2}/\d{2} ",
                condition_pattern=r"^\d{4}/\d{2}/\d{2} ",
                mode="halt_before",
            ),
        ),
    ),
    fields=(
        Field("service", T.STRING, R.DIMENSION, True),
        Field("level", T.STRING, R.DIMENSION, True, "debug, info, notice, warn, error, crit, alert, emerg"),
        Field("pid", T.INT, R.MEASURE),
        Field("tid", T.INT, R.MEASURE),
        Field("connection", T.INT, R.MEASURE, description="connection serial number (*N)"),
        Field("message", T.STRING, R.MEASURE, True, "as logged, with the request context nginx appends"),
        Field("client", T.STRING, R.MEASURE),
        Field("server", T.STRING, R.MEASURE),
        Field("request", T.STRING, R.MEASURE),
        Field("upstream", T.STRING, R.MEASURE),
    ),
    detection=Detection(paths=NGINX_ERROR_PATHS, ports=(80, 443)),
    service="nginx",
    panels=("log_levels",),
    alerts=("heartbeat",),
)

APACHE_ACCESS_PATHS = (
    "/var/log/apache2/access.log",  # Debian/Ubuntu
    "/var/log/apache2/*access*.log",
    "/var/log/httpd/access_log",  # RHEL
    "/var/log/apache2/access_log",  # Alpine
)
APACHE_ACCESS = Source(
    type="apache_access",
    title="Apache access log",
    collectors=(_file("file", APACHE_ACCESS_PATHS, "apache_access"),),
    fields=ACCESS_FIELDS,
    detection=Detection(paths=APACHE_ACCESS_PATHS, ports=(80, 443)),
    service="apache",
    panels=RED_PANELS,
    alerts=RED_ALERTS,
)

APACHE_ERROR_PATHS = ("/var/log/apache2/error.log", "/var/log/httpd/error_log", "/var/log/apache2/error_log")
APACHE_ERROR = Source(
    type="apache_error",
    title="Apache error log",
    collectors=(
        _file(
            "file",
            APACHE_ERROR_PATHS,
            "apache_error",
            # Lines without the "[Day Mon DD" prefix continue the entry above: PHP stack traces
            # ("Stack trace:", "#0 ...") and blank lines, which alone would be dead-lettered as noise.
            Multiline(
                start_pattern=r"^\[(?:[A-Z][a-z]{2} [A-Z][a-z]{2} [ \d]\d |\d{4}-\d{2}-\d{2} \d{2}:)",
                condition_pattern=r"^\[(?:[A-Z][a-z]{2} [A-Z][a-z]{2} [ \d]\d |\d{4}-\d{2}-\d{2} \d{2}:)",
                mode="halt_before",
            ),
        ),
    ),
    fields=(
        Field("service", T.STRING, R.DIMENSION, True),
        Field("level", T.STRING, R.DIMENSION, True, "emerg..debug, trace1..trace8"),
        Field("module", T.STRING, R.DIMENSION, description="2.4 only: core, ssl, rewrite, ..."),
        Field("pid", T.INT, R.MEASURE),
        Field("tid", T.INT, R.MEASURE),
        Field("client", T.STRING, R.MEASURE, description="address as logged: 2.4 appends the port"),
        Field("error_code", T.STRING, R.DIMENSION, description="AHnnnnn code, when present"),
        Field("message", T.STRING, R.MEASURE, True),
        Field("referer", T.STRING, R.MEASURE),
    ),
    detection=Detection(paths=APACHE_ERROR_PATHS, ports=(80, 443)),
    service="apache",
    panels=("log_levels",),
    alerts=("heartbeat",),
)
