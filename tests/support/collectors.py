"""A collector serving in this process on a free loopback port, stopped and closed on exit."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from dendro.local_pipeline.collector import Collector, CollectorConfig


@contextmanager
def running_collector(config: CollectorConfig) -> Iterator[Collector]:
    collector = Collector(config)
    thread = threading.Thread(target=collector.serve_forever, daemon=True)
    thread.start()
    try:
        yield collector
    finally:
        collector.request_stop()
        thread.join(timeout=10)
        collector.close()
