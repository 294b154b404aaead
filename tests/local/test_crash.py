"""The collector as a real process: kill -9 in the middle of a load, SIGTERM with batches in flight.
Every batch that was acknowledged must be in the store exactly once."""

from __future__ import annotations

import http.client
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from dendro.local_pipeline.client import CollectorClient, ndjson
from dendro.local_pipeline.query import query_store
from dendro.local_pipeline.store import Store
from tests.events import load_event

REPO = Path(__file__).resolve().parents[2]
BATCHES, RECORDS = 50, 200


def start(db: Path) -> tuple[subprocess.Popen[str], str]:
    """`dendro local up` in a process of its own; returns it and the URL it printed."""
    command = [
        sys.executable,
        "-m",
        "dendro.cli.local",
        "up",
        "--port",
        "0",
        "--dashboard-port",
        "-1",
        "--db",
        str(db),
    ]
    process = subprocess.Popen(command, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert process.stdout is not None
    for line in process.stdout:
        if line.startswith("Dendro collector listening on "):
            threading.Thread(target=process.stdout.read, daemon=True).start()
            return process, line.split()[-1]
    pytest.fail(f"collector did not start: {process.communicate()[1]}")


def batches() -> list[bytes]:
    event = load_event("nginx_access_event")
    return [ndjson({**event, "path": f"/batch/{b}/{r}"} for r in range(RECORDS)) for b in range(BATCHES)]


def load(url: str, bodies: dict[int, bytes], acknowledged: set[int]) -> None:
    """Two senders, one attempt per batch (a crash fails the rest): note what was acknowledged."""
    todo = list(bodies)
    lock = threading.Lock()

    def sender() -> None:
        client = CollectorClient(url)
        while True:
            with lock:
                if not todo:
                    return
                number = todo.pop(0)
            try:
                status, _ = client.post(bodies[number])
            except (OSError, http.client.HTTPException):
                continue
            if status == 200:
                with lock:
                    acknowledged.add(number)

    threads = [threading.Thread(target=sender) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)


def stored_batches(db: Path) -> dict[int, int]:
    sql = "SELECT split_part(path, '/', 3)::INT, count(*), count(DISTINCT path) FROM nginx_access GROUP BY 1"
    rows = query_store(db, sql).rows
    assert all(count == distinct for _, count, distinct in rows), "a record is stored twice"
    return {batch: count for batch, count, _ in rows}


def test_kill_9_mid_load_then_restart_keeps_every_acknowledged_record_exactly_once(tmp_path: Path) -> None:
    db = tmp_path / "dendro.duckdb"
    bodies = dict(enumerate(batches()))
    # Given a collector taking a load from two senders
    process, url = start(db)
    acknowledged: set[int] = set()
    killer = threading.Thread(target=load, args=(url, bodies, acknowledged))
    killer.start()
    # When it is killed -9 once 15 batches are acknowledged, with others in flight
    while len(acknowledged) < 15 and killer.is_alive():
        killer.join(0.01)
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    killer.join()
    assert 15 <= len(acknowledged) < BATCHES, "the kill must land in the middle of the load"
    before = set(acknowledged)

    # Then after a restart, every acknowledged batch is there, whole and once
    process, url = start(db)
    try:
        assert set(stored_batches(db)) >= before
        assert all(count == RECORDS for count in stored_batches(db).values())
        # And when the senders retry everything (Vector retries what was not acknowledged; the
        # acknowledged ones are sent too, as if their 200 had been lost), nothing is doubled
        client = CollectorClient(url)
        duplicates = sum(client.send(body)["duplicate"] for body in bodies.values())
        client.close()
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(30) == 0
    assert stored_batches(db) == dict.fromkeys(range(BATCHES), RECORDS)
    assert duplicates >= len(before)


def test_sigterm_finishes_the_batches_in_flight(tmp_path: Path) -> None:
    db = tmp_path / "dendro.duckdb"
    bodies = dict(enumerate(batches()))
    process, url = start(db)
    acknowledged: set[int] = set()
    sender = threading.Thread(target=load, args=(url, bodies, acknowledged))
    sender.start()
    while len(acknowledged) < 10 and sender.is_alive():
        sender.join(0.01)

    process.send_signal(signal.SIGTERM)
    code = process.wait(30)
    sender.join()

    assert code == 0
    stored = stored_batches(db)
    assert acknowledged <= set(stored)  # answered 200 means committed
    assert set(stored) <= set(bodies)
    with Store.open(db) as store:  # and the process released the store cleanly
        assert store.count("nginx_access") == RECORDS * len(stored)
