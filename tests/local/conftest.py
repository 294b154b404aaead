"""Fixtures for the local pipeline: a fresh store file, and a collector serving on a free loopback port."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from dendro.local_pipeline.collector import Collector, CollectorConfig


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "dendro.duckdb"


StartCollector = Callable[..., Collector]


@pytest.fixture
def start_collector(db: Path) -> Iterator[StartCollector]:
    """Start a collector in this process (port 0: the OS picks one); stopped and closed at teardown."""
    running: list[tuple[Collector, threading.Thread]] = []

    def start(**options: object) -> Collector:
        config = CollectorConfig(db=db, port=0, **options)  # type: ignore[arg-type]
        collector = Collector(config)
        thread = threading.Thread(target=collector.serve_forever, daemon=True)
        thread.start()
        running.append((collector, thread))
        return collector

    yield start
    for collector, thread in running:
        collector.request_stop()
        thread.join(timeout=10)
        collector.close()
