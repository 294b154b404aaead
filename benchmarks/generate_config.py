"""Time to generate and validate a Vector config with every catalog source (issue 2's figure).

Prints, as its last line: `cold_ms=C warm_ms=W components=N` — cold is the first run in this process
(schema load, VRL compilation), warm the median of the next runs.
"""

from __future__ import annotations

import statistics
import time

from dendro.catalog import SOURCES
from dendro.vector_configs.generate import build_config
from dendro.vector_configs.render import to_toml
from dendro.vector_configs.settings import DendroSettings
from dendro.vector_configs.validate import check_generated

SETTINGS = DendroSettings.parse(
    {
        "sources": [{"type": t} for t in SOURCES],
        "sink": {"kind": "firehose", "stream": "dendro", "region": "eu-west-1", "store": "timestream"},
    }
)


def generate_and_validate() -> int:
    config = build_config(SETTINGS)
    to_toml(config)
    report = check_generated(config)
    assert report.ok, report.problems
    return len(config.sources) + len(config.transforms) + len(config.sinks)


def main() -> None:
    start = time.perf_counter()
    components = generate_and_validate()
    cold = (time.perf_counter() - start) * 1000
    warm = []
    for _ in range(20):
        start = time.perf_counter()
        generate_and_validate()
        warm.append((time.perf_counter() - start) * 1000)
    print(f"cold_ms={cold:.0f} warm_ms={statistics.median(warm):.0f} components={components}")


if __name__ == "__main__":
    main()
