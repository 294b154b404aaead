"""Fixtures for the local pipeline: a fresh store file, and a collector serving on a free loopback port."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest

from dendro.local_pipeline.collector import Collector, CollectorConfig
from tests.support.collectors import running_collector


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "dendro.duckdb"


StartCollector = Callable[..., Collector]


@pytest.fixture
def start_collector(db: Path) -> Iterator[StartCollector]:
    """Start a collector in this process (port 0: the OS picks one); stopped and closed at teardown."""
    with ExitStack() as running:

        def start(**options: object) -> Collector:
            config = CollectorConfig(db=db, port=0, **options)  # type: ignore[arg-type]
            return running.enter_context(running_collector(config))

        yield start
