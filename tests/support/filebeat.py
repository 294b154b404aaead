"""Agreement with a peer: Dendro's rows against the documents Filebeat produces for the same lines.

Elastic ships, beside each Filebeat module test log, the documents Filebeat makes of it
(`*.log-expected.json` in elastic/beats). tests/samples/filebeat_expected/ holds, for some sample
files, the fields of those documents that Dendro has a column for (copied, with their commit). Each
document is matched to the Dendro event that starts at its `log.offset` (or by order, for expected
files written for a slightly different version of the log), and each field is compared after the
normalisations listed in NORMALISED; DELIBERATE lists where Dendro differs on purpose, and why.

    python -m tests.support.filebeat      # prints every disagreement and the agreement figure
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from dendro.catalog import SOURCES
from dendro.local_pipeline.replay import read_events
from dendro.local_pipeline.vrl import compile_program
from dendro.vector_configs.programs import parse_program
from tests.support.parse_rates import remap_all
from tests.support.samples import SAMPLES, read_at, records_of

EXPECTED = SAMPLES / "filebeat_expected"

# Filebeat field -> Dendro column, per source type ("*": any type).
FIELDS: dict[str, dict[str, str]] = {
    "*": {
        "@timestamp": "timestamp",
        "log.level": "level",
        "message": "message",
        "process.pid": "pid",
        "process.thread.id": "tid",
        "source.address": "client",
        "user.name": "user",
    },
    "nginx_access": {
        "user.name": "remote_user",
        "http.request.method": "method",
        "http.response.body.bytes": "bytes",
        "http.response.status_code": "status",
        "http.version": "protocol",
        "url.original": "path",
        "user_agent.original": "user_agent",
        "http.request.referrer": "referer",
        "nginx.ingress_controller.http.request.time": "request_time",
        "nginx.ingress_controller.upstream.response.time": "upstream_response_time",
    },
    "nginx_error": {"nginx.error.connection_id": "connection"},
    "mongodb": {
        "log.level": "severity",
        "mongodb.log.component": "component",
        "mongodb.log.context": "context",
        "mongodb.log.id": "log_id",
    },
    "postgres": {
        "postgresql.log.database": "database",
        "postgresql.log.session_line_number": "session_line",
        "postgresql.log.core_id": "session_line",
        "postgresql.log.error_code": "sqlstate",
    },
    "apache_error": {"apache.error.module": "module"},
    "mysql": {
        "process.thread.id": "thread_id",
        "source.domain": "client",
        "source.ip": "client",
        "event.duration": "query_time",
        "mysql.slowlog.lock_time.sec": "lock_time",
        "mysql.slowlog.rows_sent": "rows_sent",
        "mysql.slowlog.rows_examined": "rows_examined",
        "mysql.slowlog.query": "statement",
        "mysql.thread_id": "thread_id",
        "event.code": "error_code",
        "event.provider": "subsystem",
    },
    "syslog": {
        "host.hostname": "hostname",
        "process.name": "appname",
        "process.pid": "procid",
        "system.syslog.hostname": "hostname",
        "system.syslog.message": "message",
        "system.syslog.pid": "procid",
        "system.syslog.program": "appname",
    },
}
NORMALISED = {
    "@timestamp": "compared as instants at millisecond precision (Filebeat keeps milliseconds); "
    "RFC 3164 stamps have no year, so only month, day and time are compared",
    "http.request.method": "compared case-insensitively (some Filebeat versions lower-case it)",
    "http.version": 'Filebeat "1.1" is Dendro "HTTP/1.1"',
    "source.address": "Apache 2.4 appends the client port, which Dendro keeps and Filebeat splits off",
    "event.duration": "Filebeat's nanoseconds against Dendro's query_time in seconds",
    "message": "MySQL 8.0: Filebeat keeps '[MY-nnnnnn] [Subsystem] ' in front of the text; compared without "
    "them (they are compared as event.code and event.provider)",
    "postgresql.log.core_id": "older Filebeat versions name the N of [pid-N] (%l, the session line) core_id",
    "source.domain": "Dendro's MySQL client is the IP address when the entry names one, else the host "
    "name: source.domain is compared only where Filebeat has no source.ip",
    "mysql.thread_id": 'Filebeat 8.0.15 lists a log_slow_extra entry\'s thread id twice (16 and "16"): '
    "compared with the first",
    "*": 'a "-" (what older Filebeat versions keep for an empty field) means absent: not compared',
}
_SLOW_TIME = (
    "from MySQL 5.7 on, '# Time:' is an ISO 8601 instant to the microsecond (when the statement ended): "
    "Dendro stores it; Filebeat stores the whole second of 'SET timestamp=' (when it started)"
)
# (sample, Filebeat field) -> why Dendro differs on purpose
DELIBERATE: dict[tuple[str, str], str] = {
    ("nginx_access/beats_nginx_ingress_controller.log", "http.request.method"): (
        'a garbled method ("PATCHp", "geti") is not stored as a method: the column is a low-cardinality '
        "dimension; the raw request keeps it"
    ),
    ("mysql/beats_mysql_error.log", "message"): (
        "an untimestamped line (\"Version: '5.7.10' ...\") belongs to the entry above it: Dendro's "
        "multiline rule joins it there, where this Filebeat version made it an event of its own"
    ),
    ("mysql/beats_mysql_error.log", "*"): "(the same joined line: no Dendro event starts there)",
    ("apache_error/beats_apache_error_sublevel.log", "message"): (
        "the [client ADDR:PORT] part is stored in `client` and left out of the message, also where a "
        "module writes it after its own prefix (mod_rewrite.c(470): [client ...]); Filebeat's pattern "
        "reads it only right after [pid]"
    ),
    ("apache_error/beats_apache_error_ubuntu-2.2.22.log", "message"): (
        'the ", referer: URL" suffix is stored in `referer` and left out of the message; this '
        "Filebeat version keeps it in the message"
    ),
    ("mysql/beats_mariadb_error-10.4.8.log", "message"): (
        "the file ends with a blank line, which the multiline rule joins to the last entry: Dendro's "
        "message is stripped of the trailing newline, Filebeat's keeps it"
    ),
    ("mysql/beats_mysql_slow-debian-5.7.17.log", "@timestamp"): _SLOW_TIME,
    ("mysql/beats_mysql_slow-ubuntu-8.0.15.log", "@timestamp"): _SLOW_TIME,
    ("postgres/beats_postgresql-9.6-new-timestamp.log", "@timestamp"): (
        "EST is UTC-5 (PostgreSQL writes the zone's abbreviation; EST has no daylight saving), so "
        "13:36:43 EST is 18:36:43 UTC; this Filebeat version reads it as UTC-4"
    ),
    ("postgres/beats_postgresql-11.4.log", "message"): (
        'with log_error_verbosity=verbose ("LOG:  00000: text") this Filebeat version keeps the ": " '
        "after the SQLSTATE in front of the text; Dendro's message is the text"
    ),
}
_YEARLESS = re.compile(r"^(?:<\d{1,3}>)?[A-Z][a-z]{2} +\d{1,2} \d")


@dataclass
class Comparison:
    sample: str
    compared: int = 0
    agreed: int = 0
    deliberate: int = 0
    skipped: list[str] = field(default_factory=list)
    differences: list[str] = field(default_factory=list)


def _instant(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)


def _same(name: str, expected: Any, got: Any, line: str) -> bool:
    if got is None:
        return False
    if name == "@timestamp":
        want, have = _instant(expected), _instant(got)
        if _YEARLESS.match(line):
            want, have = want.replace(year=2000), have.replace(year=2000)
        return abs((want - have).total_seconds()) < 0.001
    if name == "http.request.method":
        return str(expected).upper() == str(got).upper()
    if name == "event.duration":
        return abs(float(expected) / 1e9 - float(got)) < 1e-9
    if name == "http.version":
        return f"HTTP/{expected}" == got
    if name == "source.address":
        return got == expected or re.sub(r":\d+$", "", str(got)) == expected
    if isinstance(expected, float) or isinstance(got, float):
        return abs(float(expected) - float(got)) < 1e-9
    return str(expected) == str(got)


def compare(
    path: Path, run: Callable[[str, bytes, dict[str, str]], dict[int, tuple[str, dict]]]
) -> Comparison:
    meta = json.loads(path.read_text())
    sample = meta["sample"]
    type_id = sample.split("/")[0]
    settings = {"timezone": meta["timezone"]} if "timezone" in meta else {}
    data = (SAMPLES / sample).read_bytes()
    events = run(type_id, data, settings)
    mapping = {**FIELDS["*"], **FIELDS.get(type_id.replace("apache_access", "nginx_access"), {})}
    result = Comparison(sample)
    ordered = list(events.values())
    for index, doc in enumerate(meta["documents"]):
        offset = doc["log.offset"]
        found = (
            ordered[index] if meta.get("align") == "order" and index < len(ordered) else events.get(offset)
        )
        if found is None and offset >= len(data):
            result.skipped.append(f"@{offset}: the expected file is for a longer version of this log")
            continue
        if found is None:
            names = [n for n in doc if n in mapping]
            if (sample, "*") in DELIBERATE:
                result.deliberate += len(names)
            else:
                result.compared += len(names)
                result.differences.append(f"@{offset}: no Dendro event starts there ({', '.join(names)})")
            continue
        line, event = found
        if "event.original" in doc and doc["event.original"] != line:
            result.skipped.append(f"@{offset}: the expected file is for another version of this line")
            continue
        if "_parse_error" in event:
            names = [n for n in doc if n in mapping]
            result.compared += len(names)
            result.differences.append(f"@{offset}: rejected ({event['_parse_error']}): {', '.join(names)}")
            continue
        for name, expected in doc.items():
            column = mapping.get(name)
            if column is None or expected == "-" or (name == "source.domain" and "source.ip" in doc):
                continue
            if name == "mysql.thread_id" and isinstance(expected, list):
                expected = expected[0]
            if name == "message" and type_id == "mysql" and "event.code" in doc:
                expected = re.sub(r"^\[MY-\d+\] \[[^\]]+\] ", "", str(expected))
            if name == "source.address" and str(expected) not in line:
                result.skipped.append(f"@{offset}: {name} {expected!r} is not in this version of the line")
                continue
            got = event.get(column)
            if _same(name, expected, got, line):
                result.compared += 1
                result.agreed += 1
            elif (sample, name) in DELIBERATE:
                result.deliberate += 1
            else:
                result.compared += 1
                result.differences.append(f"@{offset}: {name} Filebeat {expected!r}, Dendro {column}={got!r}")
    return result


def run_dendro(type_id: str, data: bytes, settings: dict[str, str]) -> dict[int, tuple[str, dict]]:
    """Dendro's events of a file, by the byte offset each starts at, with their first line."""
    source = SOURCES[type_id]
    collector = source.default_collector
    program = compile_program(parse_program(source, collector, host="sample-host", settings=settings))
    events = list(read_events(data, collector.multiline))
    stamp = read_at()
    rows = remap_all(
        program, [{"message": e.text, "host": "sample-host", "timestamp": stamp} for e in events]
    )
    found: dict[int, tuple[str, dict]] = {}
    for event, output in zip(events, rows, strict=True):
        for at, part, row in records_of(event.text, output):
            start = event.start + len(event.text[:at].encode())
            found[start] = (part.split("\n", 1)[0], row)
            # Filebeat's slowlog drops '# Time:' lines, so its documents start at '# User@Host:'.
            user = part.find("\n# User@Host: ") if part.startswith("# Time: ") else -1
            if user >= 0:
                found.setdefault(start + len(part[: user + 1].encode()), (part.split("\n", 1)[0], row))
    return found


def compare_all() -> Iterator[Comparison]:
    for path in sorted(EXPECTED.glob("*.json")):
        yield compare(path, run_dendro)


def report(results: list[Comparison]) -> tuple[int, int]:
    compared = sum(r.compared for r in results)
    agreed = sum(r.agreed for r in results)
    for r in results:
        rate = r.agreed / r.compared if r.compared else 1.0
        print(
            f"{r.sample}: {r.agreed}/{r.compared} agree ({rate:.1%}), {r.deliberate} deliberate differences"
        )
        for line in r.differences:
            print(f"    differs {line}")
        for line in r.skipped:
            print(f"    skipped {line}")
    deliberate = sum(r.deliberate for r in results)
    print(f"agreement={agreed}/{compared} ({agreed / compared:.1%}) deliberate_differences={deliberate}")
    for (sample, name), why in DELIBERATE.items():
        print(f"    deliberate: {sample} {name}: {why}")
    return agreed, compared


if __name__ == "__main__":
    report(list(compare_all()))
