"""System logs: syslog files (RFC 3164 and RFC 5424) or the systemd journal."""

from __future__ import annotations

from dendro.catalog import local_time
from dendro.catalog.model import Collector, Detection, Field, Multiline, Source
from dendro.catalog.model import FieldType as T
from dendro.catalog.model import Role as R

SYSLOG_PATHS = ("/var/log/syslog", "/var/log/auth.log", "/var/log/messages", "/var/log/secure")
SYSLOG = Source(
    type="syslog",
    title="syslog (RFC 3164 / RFC 5424 files, or journald)",
    collectors=(
        Collector(
            name="file",
            kind="file",
            options={"include": list(SYSLOG_PATHS)},
            vrl="syslog",
            settings=(local_time.SETTING,),
            # macOS/BSD syslogd and some daemons continue a message on lines that start with a tab.
            multiline=Multiline(start_pattern=r"^[^\t]", condition_pattern=r"^\t", mode="continue_through"),
        ),
        Collector(name="journald", kind="journald", options={}, vrl="journald"),
    ),
    fields=(
        Field("appname", T.STRING, R.DIMENSION, description="program name (tag), e.g. sshd"),
        Field("facility", T.STRING, R.DIMENSION),
        Field("severity", T.STRING, R.DIMENSION),
        Field("hostname", T.STRING, R.DIMENSION, description="host named in the line"),
        # Text, not a number: RFC 5424 allows any printable PROCID, and senders use names there too.
        Field("procid", T.STRING, R.MEASURE, description="process id as written, e.g. 1291"),
        Field("msgid", T.STRING, R.MEASURE),
        Field("structured_data", T.STRING, R.MEASURE, description="RFC 5424 SD as JSON text"),
        Field("message", T.STRING, R.MEASURE, True),
    ),
    detection=Detection(paths=SYSLOG_PATHS),
    panels=("log_levels",),
    alerts=("heartbeat",),
)
