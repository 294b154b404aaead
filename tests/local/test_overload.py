"""The collector under overload, over real HTTP on 127.0.0.1: it refuses work before reading it, keeps
its thread count whatever the senders do, commits concurrent batches together while each sender
still waits for its own commit, and stops promptly on SIGTERM even with senders that never finish."""

from __future__ import annotations

import gzip
import http.client
import signal
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import orjson
import pytest

from dendro.local_pipeline.client import CollectorClient, ndjson
from dendro.local_pipeline.collector import Collector
from dendro.local_pipeline.query import query_store
from tests.events import load_event
from tests.local.conftest import StartCollector
from tests.local.test_crash import start


def rows(db: Path, sql: str) -> list[tuple[object, ...]]:
    return [tuple(row) for row in query_store(db, sql).rows]


def head_only(port: int, length: int, body: bytes = b"") -> socket.socket:
    """A POST whose headers announce `length` bytes of body, of which only `body` is sent."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=10)
    head = f"POST / HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Length: {length}\r\n\r\n"
    sock.sendall(head.encode() + body)
    return sock


def read_answer(sock: socket.socket) -> tuple[int, bytes]:
    """The status and raw bytes of the answer on `sock` (headers and whatever of the body came)."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            break
        data += chunk
    return int(data.split(b" ", 2)[1]), data


@contextmanager
def writer_blocked(collector: Collector, monkeypatch: pytest.MonkeyPatch) -> Iterator[threading.Event]:
    """Hold every commit until the event is set (set on exit in any case)."""
    release = threading.Event()
    write = collector.store.write
    monkeypatch.setattr(collector.store, "write", lambda *a: release.wait(20) and write(*a))
    try:
        yield release
    finally:
        release.set()


def test_a_full_budget_answers_429_before_the_body_is_sent(
    start_collector: StartCollector, monkeypatch: pytest.MonkeyPatch
) -> None:
    collector = start_collector(max_pending_bytes=100_000)
    port = collector.server.server_address[1]
    body = ndjson([load_event("nginx_access_event")] * 50)
    with writer_blocked(collector, monkeypatch) as release:
        # Given a batch admitted and waiting for its commit
        first: list[int] = []
        waiting = threading.Thread(target=lambda: first.append(CollectorClient(collector.url).post(body)[0]))
        waiting.start()
        while not collector.writer.pending_bytes:
            time.sleep(0.01)
        # When a sender announces 10 MB more and sends none of it
        sock = head_only(port, 10_000_000)
        status, answer = read_answer(sock)
        sock.close()
        release.set()
        waiting.join()

    # Then it is refused at once, from its headers alone, and the first batch still commits
    assert status == 429 and b"retry-after: 1" in answer.lower()
    assert first == [200]
    assert rows(collector.config.db, "SELECT count(*) FROM nginx_access") == [(50,)]


def test_a_gzip_body_sent_without_its_content_encoding_is_weighed_as_gzip(
    start_collector: StartCollector, monkeypatch: pytest.MonkeyPatch
) -> None:
    event = load_event("nginx_access_event")
    waiting_body = ndjson([event] * 50)
    undeclared = gzip.compress(ndjson([{**event, "path": f"/p/{n}"} for n in range(3_000)]))
    # Room for the waiting batch and the undeclared body at its length on the wire, not at its
    # decompressed weight (GZIP_RATIO_GUESS times that length, until the collector has learnt better).
    collector = start_collector(max_pending_bytes=len(waiting_body) + 2 * len(undeclared))
    port = collector.server.server_address[1]
    decoded: list[int] = []  # the length of every body the collector decompressed and decoded
    prepare = collector.prepare
    monkeypatch.setattr(collector, "prepare", lambda body: decoded.append(len(body)) or prepare(body))
    with writer_blocked(collector, monkeypatch) as release:
        first: list[int] = []
        waiting = threading.Thread(
            target=lambda: first.append(CollectorClient(collector.url).post(waiting_body)[0])
        )
        waiting.start()
        while not collector.writer.pending_bytes:
            time.sleep(0.01)
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        conn.request("POST", "/", body=undeclared)  # gzip, but no Content-Encoding header
        response = conn.getresponse()
        status, answer = response.status, orjson.loads(response.read())
        conn.close()
        held = collector.admitted_bytes
        release.set()
        waiting.join()

    # Then it is refused before it is decompressed or decoded, and its reservation is given back
    assert status == 429 and "waiting to be committed" in answer["error"]
    assert len(undeclared) not in decoded
    assert held == len(waiting_body)
    assert first == [200]
    assert rows(collector.config.db, "SELECT count(*) FROM nginx_access") == [(50,)]
    # And once the queue is empty, the same body is stored whole
    assert CollectorClient(collector.url).send(undeclared, compress=False)["stored"] == 3_000


def test_an_early_answer_keeps_the_connection_usable(start_collector: StartCollector) -> None:
    collector = start_collector(max_body_bytes=10_000)
    conn = http.client.HTTPConnection("127.0.0.1", collector.server.server_address[1], timeout=10)
    event = ndjson([load_event("nginx_access_event")])

    conn.request("POST", "/", body=b"x" * 20_000)  # answered 413 from its length, drained unread
    too_big = conn.getresponse()
    too_big.read()
    conn.request("POST", "/", body=event)
    fine = conn.getresponse()

    assert (too_big.status, fine.status, orjson.loads(fine.read())["stored"]) == (413, 200, 1)
    conn.close()


def test_many_slow_senders_cost_no_threads_and_do_not_block_others(start_collector: StartCollector) -> None:
    collector = start_collector(body_timeout=20)
    port = collector.server.server_address[1]
    before = threading.active_count()
    # Given 300 senders that announced a body and send it very slowly
    slow = [head_only(port, 1_000, b"{") for _ in range(300)]
    time.sleep(0.5)

    # Then the collector runs no more threads than before (a thread per connection would add 300)
    assert threading.active_count() <= before + 3  # the decode pool starts its threads on first use
    # And a sender with a whole batch is served meanwhile
    answer = CollectorClient(collector.url).send(ndjson([load_event("nginx_access_event")]))
    assert answer["stored"] == 1
    for sock in slow:
        sock.close()


def test_a_body_that_stops_arriving_is_dropped_with_408(start_collector: StartCollector) -> None:
    collector = start_collector(body_timeout=0.5)
    sock = head_only(collector.server.server_address[1], 1_000, b'{"type":')

    status, _ = read_answer(sock)

    assert status == 408
    deadline = time.monotonic() + 5
    while collector.admitted_bytes and time.monotonic() < deadline:  # released just after the answer
        time.sleep(0.01)
    assert collector.admitted_bytes == 0  # its reservation was given back
    sock.close()


def test_concurrent_batches_share_a_commit_and_each_is_answered_after_it(
    start_collector: StartCollector, monkeypatch: pytest.MonkeyPatch
) -> None:
    collector = start_collector()
    event = load_event("nginx_access_event")
    answered: list[tuple[float, int]] = []

    def send(number: int) -> None:
        status, _ = CollectorClient(collector.url).post(ndjson([{**event, "path": f"/{number}"}] * 10))
        answered.append((time.monotonic(), status))

    with writer_blocked(collector, monkeypatch) as release:
        # Given eight senders whose batches arrive while a commit is held up
        senders = [threading.Thread(target=send, args=(n,)) for n in range(8)]
        for sender in senders:
            sender.start()
        while collector.writer.pending_bytes < 8 * 1000:  # all eight queued (each ~2 KB)
            time.sleep(0.01)
        time.sleep(0.2)
        released = time.monotonic()
        release.set()
        for sender in senders:
            sender.join()

    # Then none was answered before the commit, all were stored, in fewer transactions than batches
    assert sorted(status for _, status in answered) == [200] * 8
    assert min(at for at, _ in answered) >= released
    assert query_store(
        collector.config.db, "SELECT count(DISTINCT path), count(*) FROM nginx_access"
    ).rows == [[8, 80]]
    assert collector.writer.totals.commits <= 3


def test_sigterm_stops_promptly_with_slow_senders_and_keeps_what_it_acknowledged(tmp_path: Path) -> None:
    db = tmp_path / "dendro.duckdb"
    process, url = start(db)
    port = int(url.rsplit(":", 1)[1])
    try:
        client = CollectorClient(url)
        acknowledged = client.send(ndjson([load_event("nginx_access_event")] * 5))
        client.close()
        # Given twenty senders stuck in the middle of their bodies
        slow = [head_only(port, 100_000, b'{"type": "nginx_access"') for _ in range(20)]
        time.sleep(0.3)
        # When the collector is asked to stop
        began = time.monotonic()
        process.send_signal(signal.SIGTERM)
        code = process.wait(30)
        took = time.monotonic() - began
    finally:
        if process.poll() is None:
            process.kill()
    # Then it exits cleanly within seconds (not after the senders' timeouts), the slow ones refused
    assert code == 0 and took < 5
    refused = [read_answer(sock)[0] for sock in slow]
    assert set(refused) == {503}
    assert acknowledged["stored"] == 5
    assert rows(db, "SELECT count(*) FROM nginx_access") == [(5,)]
