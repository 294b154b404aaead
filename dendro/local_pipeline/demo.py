"""Demo traffic for `dendro local up --demo`: what three web servers would send through Vector.

Made the real way: nginx access lines as nginx writes them (combined format plus $request_time and
$upstream_response_time) and host metrics shaped as Vector's `metric_to_log` emits them, each run
through the catalog's VRL program (the same text Vector runs), then posted to the collector as
Vector's `http` sink posts: gzip NDJSON with the bearer token. So the demo exercises every step of
the local path except the agent itself.

The traffic has what a dashboard should show: a daily rhythm (quiet at 04:00, busiest at 16:00 UTC),
a burst of 5xx on one host every few minutes, latency spikes, and host metrics that follow the load.
The last hour is generated at start, so there is something to query straight away.
"""

from __future__ import annotations

import math
import random
import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from dendro.catalog import SOURCES
from dendro.local_pipeline.client import CollectorClient, ndjson
from dendro.local_pipeline.vrl import Program, compile_program, remap_all
from dendro.vector_configs.programs import parse_program


@dataclass(frozen=True)
class DemoPlan:
    hosts: tuple[str, ...] = ("web-1", "web-2", "web-3")
    peak_rps: float = 6.0  # requests per second per host at the daily peak
    burst_every: int = 300  # seconds between 5xx bursts (each on one host)
    burst_seconds: int = 45
    spike_every: int = 420  # seconds between latency spikes (all hosts: a slow upstream)
    spike_seconds: int = 30
    metrics_every: int = 15  # Vector's host_metrics scrape interval
    history: timedelta = timedelta(hours=1)


PATHS = (
    ("/", 20),
    ("/products", 12),
    ("/products/{id}", 25),
    ("/cart", 6),
    ("/api/search?q={word}", 10),
    ("/api/orders", 4),
    ("/static/app.js", 10),
    ("/static/style.css", 8),
    ("/login", 3),
    ("/healthz", 2),
)
WORDS = ("lamp", "chair", "desk", "mug", "kettle", "rug", "shelf")
AGENTS = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:127.0) Gecko/20100101 Firefox/127.0",
    "curl/8.5.0",
    "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)",
)


def daily_rate(at: datetime, peak: float) -> float:
    """Requests per second: a cosine over the day, lowest at 04:00 UTC, highest at 16:00 UTC."""
    hour = at.hour + at.minute / 60
    return peak * (0.15 + 0.85 * (0.5 - 0.5 * math.cos(2 * math.pi * (hour - 4) / 24)))


def in_burst(second: int, plan: DemoPlan) -> str | None:
    """The host serving 5xx at this epoch second, if any."""
    if second % plan.burst_every >= plan.burst_seconds:
        return None
    return plan.hosts[(second // plan.burst_every) % len(plan.hosts)]


def in_spike(second: int, plan: DemoPlan) -> bool:
    return second % plan.spike_every < plan.spike_seconds


def host_share(host: str, plan: DemoPlan) -> float:
    """How much of the peak rate a host serves: the first host most, so the hosts are told apart."""
    return 1.0 - 0.2 * plan.hosts.index(host) / max(1, len(plan.hosts) - 1)


def access_lines(host: str, at: datetime, plan: DemoPlan, rng: random.Random) -> list[str]:
    """One second of one host's nginx access log."""
    second = int(at.timestamp())
    rate = daily_rate(at, plan.peak_rps) * host_share(host, plan)
    count = int(rate) + (1 if rng.random() < rate - int(rate) else 0)
    failing = in_burst(second, plan) == host
    slow = in_spike(second, plan)
    stamp = at.strftime("%d/%b/%Y:%H:%M:%S +0000")
    paths = [p for p, _ in PATHS]
    weights = [w for _, w in PATHS]
    lines = []
    for _ in range(count):
        path = rng.choices(paths, weights)[0].format(id=rng.randint(1, 400), word=rng.choice(WORDS))
        method = "POST" if path in ("/cart", "/api/orders", "/login") and rng.random() < 0.5 else "GET"
        status = _status(path, failing, rng)
        upstream = rng.lognormvariate(math.log(0.035), 0.6) * (12 if slow else 1)
        if status >= 500:
            upstream = rng.uniform(0.5, 3.0) if status == 504 else upstream
        request_time = upstream + rng.uniform(0.0005, 0.004)
        size = 0 if status in (204, 304) else int(rng.lognormvariate(math.log(6000), 1.0))
        client = (
            f"{rng.choice((10, 172, 192))}.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}"
        )
        referer = rng.choice(("-", "https://shop.example.com/", "https://www.google.com/"))
        lines.append(
            f'{client} - - [{stamp}] "{method} {path} HTTP/1.1" {status} {size} "{referer}" '
            f'"{rng.choice(AGENTS)}" {request_time:.3f} {upstream:.3f}'
        )
    return lines


_UPSTREAM_ERRORS = {
    "502": "connect() failed (111: Connection refused) while connecting to upstream",
    "504": "upstream timed out (110: Connection timed out) while reading response header from upstream",
}


def error_lines(at: datetime, access: list[str], rng: random.Random) -> list[str]:
    """nginx's error-log lines for the access lines it answered 502 or 504: what an operator reads
    next to the 5xx burst (the Logs page shows both sources in one view)."""
    lines = []
    for line in access:
        client, rest = line.split(" ", 1)
        request = rest.split('"', 2)[1]
        status = rest.split('" ', 1)[1][:3]
        if status not in _UPSTREAM_ERRORS:
            continue
        path = request.split(" ")[1]
        lines.append(
            f"{at.strftime('%Y/%m/%d %H:%M:%S')} [error] {rng.randint(20, 40)}#{rng.randint(20, 40)}: "
            f"*{rng.randint(1000, 99999)} {_UPSTREAM_ERRORS[status]}, client: {client}, "
            f'server: shop.example.com, request: "{request}", upstream: "http://127.0.0.1:8080{path}", '
            'host: "shop.example.com"'
        )
    return lines


def _status(path: str, failing: bool, rng: random.Random) -> int:
    if failing and rng.random() < 0.35:
        return rng.choice((500, 502, 503, 504))
    roll = rng.random()
    if path.startswith("/static") and roll < 0.3:
        return 304
    if roll < 0.03:
        return 404
    if roll < 0.035:
        return 500
    return 201 if path == "/api/orders" else 200


def host_metrics(host: str, at: datetime, load: float, rng: random.Random) -> list[dict[str, Any]]:
    """One scrape of Vector's host_metrics, after `metric_to_log`. `load` is 0..1 of the daily peak."""
    stamp = at.isoformat().replace("+00:00", "Z")
    seconds = at.timestamp()

    def metric(name: str, kind: str, value: float, **tags: str) -> dict[str, Any]:
        return {
            "name": name,
            "namespace": "host",
            "tags": tags,
            "timestamp": stamp,
            "kind": "absolute",
            kind: {"value": value},
            "host": host,
        }

    busy = min(0.95, 0.05 + 0.6 * load + rng.uniform(0, 0.05))
    events = [
        metric("load1", "gauge", round(4 * busy + rng.uniform(0, 0.3), 2), collector="load"),
        metric(
            "memory_used_bytes",
            "gauge",
            float(int((1.6 + load + rng.uniform(0, 0.1)) * 2**30)),
            collector="memory",
        ),
        metric("memory_total_bytes", "gauge", float(8 * 2**30), collector="memory"),
        metric(
            "filesystem_used_bytes",
            "gauge",
            float(int(41e9 + seconds % 86400 * 2e4)),
            collector="filesystem",
            device="/dev/nvme0n1p1",
            filesystem="ext4",
            mountpoint="/",
        ),
        metric(
            "network_receive_bytes_total",
            "counter",
            float(int(seconds * 9e4 * (0.3 + load))),
            collector="network",
            device="ens5",
        ),
    ]
    for cpu in ("0", "1"):
        for mode, share in (("user", busy * 0.8), ("system", busy * 0.2), ("idle", 1 - busy)):
            events.append(
                metric(
                    "cpu_seconds_total",
                    "counter",
                    round(seconds % 10**7 * share, 2),
                    collector="cpu",
                    cpu=cpu,
                    mode=mode,
                )
            )
    return events


class DemoTraffic:
    """Generates the plan's traffic and posts it to the collector at `url`, in a thread of its own."""

    def __init__(
        self, url: str, token: str | None = None, plan: DemoPlan = DemoPlan(), seed: int = 7
    ) -> None:
        self.plan = plan
        self.client = CollectorClient(url, token)
        self.rng = random.Random(seed)
        self.error_rng = random.Random(seed + 1)  # its own, so the access traffic stays as it was
        self.access: dict[str, Program] = {}
        self.errors: dict[str, Program] = {}
        self.metrics: dict[str, Program] = {}
        for host in plan.hosts:  # compiled up front: a missing VRL runtime fails `up --demo` at once
            self.access[host] = compile_program(parse_program(SOURCES["nginx_access"], host=host))
            self.errors[host] = compile_program(parse_program(SOURCES["nginx_error"], host=host))
            self.metrics[host] = compile_program(parse_program(SOURCES["host_metrics"], host=host))
        self.sent = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="dendro-demo", daemon=True)

    def start(self) -> DemoTraffic:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=10)
        self.client.close()

    def events(self, start: datetime, seconds: int) -> list[dict[str, Any]]:
        """Every event of `seconds` seconds from `start`, as the collector receives them."""
        plan = self.plan
        raw: list[tuple[Program, dict[str, Any]]] = []
        for offset in range(seconds):
            at = start + timedelta(seconds=offset)
            for host in plan.hosts:
                access = access_lines(host, at, plan, self.rng)
                for line in access:
                    raw.append((self.access[host], {"message": line, "host": host, "source_type": "file"}))
                for line in error_lines(at, access, self.error_rng):
                    raw.append((self.errors[host], {"message": line, "host": host, "source_type": "file"}))
                if int(at.timestamp()) % plan.metrics_every == 0:
                    load = daily_rate(at, 1.0) * host_share(host, plan)
                    raw.extend((self.metrics[host], m) for m in host_metrics(host, at, load, self.rng))
        return _remap_in_order(raw)

    def _run(self) -> None:
        now = datetime.now(UTC).replace(microsecond=0)
        start = now - self.plan.history
        # The history first, a minute per batch, then live traffic one second at a time.
        while start < now and not self._stop.is_set():
            self._post(self.events(start, 60))
            start += timedelta(seconds=60)
        while not self._stop.wait(max(0.0, (start - datetime.now(UTC)).total_seconds() + 1)):
            self._post(self.events(start, 1))
            start += timedelta(seconds=1)

    def _post(self, events: list[dict[str, Any]]) -> None:
        body = ndjson(events)
        while not self._stop.is_set():
            try:
                status, _ = self.client.post(body)
            except OSError:
                status = 0
            if status == 200:
                self.sent += len(events)
                return
            self._stop.wait(1.0)  # 429/503 or no answer: back off and retry, as Vector does


def _remap_in_order(raw: list[tuple[Program, dict[str, Any]]]) -> list[dict[str, Any]]:
    """Each event through its program, one batch per program (a runtime may compile once per call),
    the results in the order of `raw`."""
    batches: dict[int, list[int]] = {}
    for index, (program, _) in enumerate(raw):
        batches.setdefault(id(program), []).append(index)
    results: list[dict[str, Any]] = [{}] * len(raw)
    for indexes in batches.values():
        remapped = remap_all(raw[indexes[0]][0], [raw[i][1] for i in indexes])
        for index, result in zip(indexes, remapped, strict=True):
            results[index] = result
    return results
