"""Find the services a server runs, so `dendro-node init` can propose the right sources.

Reads the filesystem only (log files at the usual paths, /proc/net/tcp for listening ports): no
network probe, so it is safe to run anywhere and testable against a fake root directory.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from dendro.catalog import SOURCES
from dendro.catalog.model import Source

_LISTEN = "0A"  # TCP state code for LISTEN in /proc/net/tcp
_WEB_PORTS = {80, 443}


@dataclass(frozen=True)
class Detected:
    type: str
    reason: str
    files: tuple[str, ...] = ()
    # The catalog's path patterns that matched here: the wizard's proposal for the source's `include`.
    patterns: tuple[str, ...] = ()


def listening_ports(root: Path = Path("/")) -> set[int]:
    ports: set[int] = set()
    for table in ("proc/net/tcp", "proc/net/tcp6"):
        try:
            lines = (root / table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            parts = line.split()
            if len(parts) > 3 and parts[3] == _LISTEN:
                ports.add(int(parts[1].rsplit(":", 1)[1], 16))
    return ports


def _existing(root: Path, patterns: Iterable[str]) -> tuple[str, ...]:
    found: list[str] = []
    for pattern in patterns:
        for match in sorted(root.glob(pattern.lstrip("/"))):
            if match.is_file():
                found.append("/" + str(match.relative_to(root)))
    return tuple(dict.fromkeys(found))


def _detect_one(source: Source, root: Path, ports: set[int], services_with_logs: set[str]) -> Detected | None:
    if source.type == "host_metrics":
        return Detected(source.type, "always available")
    if source.detection.paths:
        files = _existing(root, source.detection.paths)
        patterns = tuple(p for p in source.detection.paths if _existing(root, [p]))
        return Detected(source.type, f"found {', '.join(files)}", files, patterns) if files else None
    open_ports = sorted(ports & set(source.detection.ports))
    if not open_ports:
        return None
    # Port 80 alone cannot tell nginx from Apache: a web metrics source also needs its server's logs.
    if set(source.detection.ports) & _WEB_PORTS and source.service not in services_with_logs:
        return None
    return Detected(source.type, f"port {', '.join(map(str, open_ports))} listening")


def detect_sources(root: Path = Path("/")) -> list[Detected]:
    ports = listening_ports(root)
    log_hits = [
        d
        for s in SOURCES.values()
        if s.detection.paths and (d := _detect_one(s, root, ports, set())) is not None
    ]
    services_with_logs = {SOURCES[d.type].service for d in log_hits}
    metric_hits = [
        d
        for s in SOURCES.values()
        if not s.detection.paths and (d := _detect_one(s, root, ports, services_with_logs)) is not None
    ]
    order = list(SOURCES)
    return sorted(log_hits + metric_hits, key=lambda d: order.index(d.type))
