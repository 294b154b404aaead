"""The collector over real HTTP on an ephemeral loopback port: what Vector's http sink sees."""

from __future__ import annotations

import gzip
import http.client
import socket
import threading
from collections import Counter
from itertools import islice
from pathlib import Path
from typing import Any

import orjson
import pytest

from dendro.catalog import SOURCES
from dendro.ingest_lambda.validate import Invalid, normalize
from dendro.local_pipeline.client import CollectorClient, ndjson
from dendro.local_pipeline.collector import Collector, CollectorConfig, InsecureBindError, check_bind
from dendro.local_pipeline.query import QueryError, query_store
from dendro.local_pipeline.replay import read_events
from dendro.vector_configs.programs import parse_program
from tests.events import load_event
from tests.ingest_lambda.test_route import mixed_batch
from tests.local.conftest import StartCollector
from tests.support.samples import sample_files
from tests.support.vrl import compile_program, remap_all

TOKEN = "s3cret-token-0123456789"
SAMPLE_SOURCES = (
    "nginx_access",
    "nginx_error",
    "apache_access",
    "apache_error",
    "postgres",
    "mongodb",
    "syslog",
)
EVENTS_PER_FILE = 300  # enough to cover each file's variety, few enough to keep the test quick


def vector_events(type_id: str, host: str) -> list[dict[str, Any]]:
    """Sample lines of `type_id` as Vector would post them: read by the file source (multiline
    included) and run through the generated VRL program."""
    source = SOURCES[type_id]
    collector = source.default_collector
    program = compile_program(parse_program(source, collector, host=host))
    events = []
    for path in sample_files(type_id):
        read = islice(read_events(path.read_bytes(), collector.multiline), EVENTS_PER_FILE)
        events += remap_all(
            program, [{"message": event.text, "host": host, "file": str(path)} for event in read]
        )
    return events


def query(db: Path, sql: str) -> list[Any]:
    return [tuple(row) for row in query_store(db, sql).rows]


def post(
    collector: Collector, body: bytes, headers: dict[str, str] | None = None
) -> tuple[int, dict[str, Any]]:
    conn = http.client.HTTPConnection("127.0.0.1", collector.server.server_address[1], timeout=30)
    try:
        conn.request("POST", "/", body=body, headers=headers or {})
        response = conn.getresponse()
        return response.status, orjson.loads(response.read())
    finally:
        conn.close()


def test_real_sample_lines_end_to_end_with_exact_counts(db: Path, start_collector: StartCollector) -> None:
    # Given every sample folder's lines, parsed by the generated VRL as Vector would
    collector = start_collector(token=TOKEN)
    client = CollectorClient(collector.url, token=TOKEN)
    expected_rows: Counter[str] = Counter()
    expected_rejects: Counter[tuple[str, str]] = Counter()
    sent = 0
    for type_id in SAMPLE_SOURCES:
        events = vector_events(type_id, host=f"{type_id}-host")
        for event in events:
            result = normalize(orjson.loads(orjson.dumps(event)), SOURCES[type_id])
            if isinstance(result, Invalid):
                expected_rejects[(type_id, result.reason)] += 1
            else:
                expected_rows[type_id] += 1
        # When they are posted in batches, gzip NDJSON with the token
        for start in range(0, len(events), 500):
            answer = client.send(ndjson(events[start : start + 500]))
            assert answer["records"] == len(events[start : start + 500])
        sent += len(events)
    client.close()

    # Then every table holds exactly its parsed events, and every other event is a reject
    for type_id in SAMPLE_SOURCES:
        assert query(db, f"SELECT count(*), count(DISTINCT host) FROM {type_id}") == [
            (expected_rows[type_id], 1)
        ]
    rejects = Counter(
        {(t, r): n for t, r, n in query(db, "SELECT type, reason, count(*) FROM _rejects GROUP BY ALL")}
    )
    assert rejects == expected_rejects
    assert sum(expected_rows.values()) + sum(expected_rejects.values()) == sent
    assert expected_rows["nginx_access"] > 400  # the parsers really ran


def test_a_mixed_batch_over_http(db: Path, start_collector: StartCollector) -> None:
    collector = start_collector()
    body, expected = mixed_batch()

    status, answer = post(collector, gzip.compress(body), {"Content-Encoding": "gzip"})

    assert status == 200
    assert answer["tables"] == {"host_metrics": 1, "nginx_access": 7}
    assert answer["reasons"] == dict(Counter(expected.values()))
    assert query(db, "SELECT count(*) FROM nginx_access") == [(7,)]
    reasons = query(db, "SELECT reason, octet_length(raw) > 0 FROM _rejects ORDER BY reason")
    assert reasons == sorted((reason, True) for reason in expected.values())


def test_a_batch_sent_again_is_acknowledged_but_not_stored_twice(
    db: Path, start_collector: StartCollector
) -> None:
    collector = start_collector()
    body = ndjson([load_event("nginx_access_event")] * 3)  # three identical lines: three real requests

    first, second = post(collector, body), post(collector, gzip.compress(body))

    assert (first[0], first[1]["duplicate"], second[0], second[1]["duplicate"]) == (200, False, 200, True)
    assert query(db, "SELECT count(*) FROM nginx_access") == [(3,)]


def test_token(start_collector: StartCollector) -> None:
    collector = start_collector(token=TOKEN)
    body = ndjson([load_event("nginx_access_event")])

    assert post(collector, body)[0] == 401
    assert post(collector, body, {"Authorization": "Bearer wrong"})[0] == 401
    assert post(collector, body, {"Authorization": f"Bearer {TOKEN}"})[0] == 200
    conn = http.client.HTTPConnection("127.0.0.1", collector.server.server_address[1], timeout=10)
    conn.request("GET", "/healthz")
    assert conn.getresponse().status == 200  # health checks need no token


def test_a_token_is_required_off_loopback(db: Path) -> None:
    check_bind("127.0.0.1", None)
    check_bind("::1", None)
    check_bind("0.0.0.0", TOKEN)
    with pytest.raises(InsecureBindError, match="--token-file"):
        Collector(CollectorConfig(db=db, host="0.0.0.0", port=0))
    assert not db.exists()  # refused before opening anything


def test_size_limits(start_collector: StartCollector) -> None:
    collector = start_collector(max_body_bytes=10_000)
    client = CollectorClient(collector.url)

    too_big, _ = client.post(b"x" * 20_000, compress=False)
    bomb, answer = client.post(b"0" * 50_000, compress=True)  # small on the wire, too big inflated
    fine, _ = client.post(ndjson([load_event("nginx_access_event")]), compress=False)  # same connection

    assert (too_big, bomb, fine) == (413, 413, 200)
    assert "batch.max_bytes" in answer["error"]


@pytest.mark.parametrize(
    ("body", "headers", "message"),
    [
        (b"hello\nworld\n", {}, "no record in the body is JSON"),
        (b"\x1f\x8b broken", {"Content-Encoding": "gzip"}, "not valid gzip"),
        (b"{}", {"Content-Encoding": "zstd"}, "'zstd' is not supported"),
    ],
)
def test_undecodable_bodies_are_400_with_counts(
    start_collector: StartCollector, body: bytes, headers: dict[str, str], message: str
) -> None:
    collector = start_collector()

    status, answer = post(collector, body, headers)

    assert status == 400 and message in answer["error"]
    if body.startswith(b"hello"):
        assert (answer["records"], answer["rejected"]) == (2, 2)


def test_a_full_queue_answers_429(start_collector: StartCollector, monkeypatch: pytest.MonkeyPatch) -> None:
    collector = start_collector(max_pending_bytes=1)
    release = threading.Event()
    write = collector.store.write
    monkeypatch.setattr(collector.store, "write", lambda *a: release.wait(10) and write(*a))
    event = load_event("nginx_access_event")
    first: list[int] = []
    blocked = threading.Thread(target=lambda: first.append(post(collector, ndjson([event]))[0]))
    blocked.start()
    while not collector.writer.pending_bytes:
        release.wait(0.01)

    status, answer = post(collector, ndjson([{**event, "path": "/other"}]))
    release.set()
    blocked.join()

    assert (status, first) == (429, [200])
    assert "retry" in answer["error"]


def test_a_json_array_body_is_accepted(start_collector: StartCollector) -> None:
    collector = start_collector()
    body = orjson.dumps([load_event("nginx_access_event"), load_event("host_metrics_event")])

    status, answer = post(collector, body, {"Content-Type": "application/json"})

    assert (status, answer["stored"]) == (200, 2)


def test_queries_go_through_the_collector_that_holds_the_store(
    db: Path, start_collector: StartCollector
) -> None:
    collector = start_collector(token=TOKEN)
    post(collector, ndjson([load_event("nginx_access_event")]), {"Authorization": f"Bearer {TOKEN}"})

    # DuckDB allows one writing process: this query cannot open the file, so it asks the collector.
    assert query(db, "SELECT host, status FROM nginx_access") == [("web-1", 200)]
    with pytest.raises(QueryError, match="INSERT statements are refused"):
        query_store(db, "INSERT INTO nginx_access (host) VALUES ('x')")
    with pytest.raises(QueryError, match="Permission Error"):
        query_store(db, "SELECT * FROM read_csv('/etc/passwd')")


def test_every_connection_sends_its_reply_without_waiting_for_an_ack(start_collector: StartCollector) -> None:
    """TCP_NODELAY on the collector's side of each connection: without it, the reply's body (a second
    send after the headers) waited ~40 ms for the sender's delayed ACK on every batch."""
    collector = start_collector()
    conn = http.client.HTTPConnection("127.0.0.1", collector.server.server_address[1], timeout=30)
    try:
        conn.request("GET", "/healthz")
        assert conn.getresponse().read() == b'{"status":"ok"}'
        connections = list(collector.server.server_state.connections)
        sockets = [c.transport.get_extra_info("socket") for c in connections]  # type: ignore[attr-defined]
        assert len(sockets) == 1
        assert sockets[0].getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) != 0
    finally:
        conn.close()
