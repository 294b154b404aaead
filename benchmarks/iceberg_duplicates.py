"""Duplicates in the append-only Iceberg tables under a simulated retry storm, before and after the
`<table>_unique` views (issue 14 item 8).

    python benchmarks/iceberg_duplicates.py [--seed N] [--lost-acks 0.05] [--commit-retries 0.02]

The real sample logs go through the real VRL programs and the real Firehose transform; what happens
between them is simulated, with the two ways AWS documents that a record can be written twice:
- the agent: Vector sends PutRecordBatch requests of 500 events; with `request_retry_partial = true`
  it resends only the entries a partial failure names (these were not written: no duplicate), but a
  request whose answer is lost after Firehose accepted it (`--lost-acks` of requests) is resent whole;
- Firehose: delivery is at-least-once; a commit it retries after a failure it could not confirm
  (`--commit-retries` of delivery batches) appends the batch again.
Rows then land as Firehose appends them. Each table's `_unique` view (its real SQL, run by DuckDB,
which speaks the same window-function SQL as Athena) is applied and the rows counted. Last line:
    events=E rows=R duplicate_rate=D% after_view=A% lost=L identical_events=I
where I counts distinct sample events byte-identical to another (same host, second and line): with
the agent's UUIDs they stay distinct; an agent configured before them sends no id, the transform then
hashes the content, and the view would keep one of those (the only cost of that fallback).
"""

from __future__ import annotations

import argparse
import base64
import os
import random
import sys
import uuid
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import duckdb
import orjson
import pyarrow as pa

os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from dendro.catalog import SOURCES  # noqa: E402
from dendro.ingest_lambda.firehose_transform import OK, transform_event  # noqa: E402
from dendro.stack.schema_evolution.ddl import unique_view, unique_view_name  # noqa: E402
from dendro.stack.stores.iceberg import table_columns  # noqa: E402
from tests.ingest_lambda.test_firehose_transform import (  # noqa: E402
    DATABASE,
    SAMPLE_SOURCES,
    firehose_event,
    runtime,
    vector_events,
)

BATCH = 500  # Vector's aws_kinesis_firehose batch.max_events
DELIVERY_BATCH = 2000  # records per simulated Firehose commit
COPIES = 8  # the samples, sent this many times from as many hosts


def agent_sends(events: list[bytes], rng: random.Random, lost_acks: float, partial: float) -> list[bytes]:
    """What reaches Firehose: every event at least once; a request whose answer was lost, twice."""
    accepted: list[bytes] = []
    for start in range(0, len(events), BATCH):
        pending = events[start : start + BATCH]
        while pending:
            if rng.random() < partial:  # a partial failure: some entries refused, resent alone
                refused = [e for e in pending if rng.random() < 0.2]
                accepted += [e for e in pending if e not in refused]
                pending = refused
                continue
            accepted += pending
            if rng.random() < lost_acks:  # written, but the agent never heard: resent whole
                accepted += pending
            pending = []
    return accepted


def firehose_delivers(rows: list[dict[str, Any]], rng: random.Random, commit_retries: float) -> list[dict]:
    written: list[dict[str, Any]] = []
    for start in range(0, len(rows), DELIVERY_BATCH):
        batch = rows[start : start + DELIVERY_BATCH]
        written += batch
        if rng.random() < commit_retries:
            written += batch
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seed", type=int, default=14)
    parser.add_argument("--rounds", type=int, default=10, help="storms simulated; the rates are over all")
    parser.add_argument("--lost-acks", type=float, default=0.05)
    parser.add_argument("--partial-failures", type=float, default=0.30)
    parser.add_argument("--commit-retries", type=float, default=0.02)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    rt = runtime()
    totals = Counter[str]()
    for _ in range(args.rounds):
        events = []
        for copy in range(COPIES):
            for type_id in SAMPLE_SOURCES:
                for raw in vector_events(type_id):
                    event = orjson.loads(raw)
                    event["host"] = f"{event['host']}-{copy}"
                    # What the agent's `event_id` remap (vector_configs/sinks.py) adds before its buffer.
                    event["event_id"] = str(uuid.UUID(int=rng.getrandbits(128), version=4))
                    events.append(orjson.dumps(event))
        for key, value in storm(events, rt, rng, args).items():
            totals[key] += value
    print(f"{args.rounds} storms: agent requests resent whole {args.lost_acks:.0%}, partial failures "
          f"{args.partial_failures:.0%}, Firehose commits retried {args.commit_retries:.0%}")  # fmt: skip
    accepted = totals["accepted"]
    print(
        f"events={accepted} rows={totals['rows']} "
        f"duplicate_rate={100 * (totals['rows'] - accepted) / accepted:.2f}% "
        f"after_view={100 * (totals['after'] - totals['distinct']) / accepted:.3f}% "
        f"lost={totals['distinct'] - totals['after']} identical_events={totals['identical']}"
    )


def storm(events: list[bytes], rt: Any, rng: random.Random, args: argparse.Namespace) -> dict[str, int]:
    sent = agent_sends(events, rng, args.lost_acks, args.partial_failures)
    rows: list[dict[str, Any]] = []
    for start in range(0, len(sent), BATCH):
        result = transform_event(firehose_event(sent[start : start + BATCH]), rt)
        for record in result["records"]:
            if record["result"] == OK:
                table = record["metadata"]["otfMetadata"]["destinationTableName"]
                rows.append({"_table": table, **orjson.loads(base64.b64decode(record["data"]))})
    written = firehose_delivers(rows, rng, args.commit_retries)

    # The events that should be there: each distinct event the transform accepts, once.
    expected: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for start in range(0, len(events), BATCH):
        for record in transform_event(firehose_event(events[start : start + BATCH]), rt)["records"]:
            if record["result"] == OK:
                row = orjson.loads(base64.b64decode(record["data"]))
                expected[record["metadata"]["otfMetadata"]["destinationTableName"]].append(row)
    # Without the agent's ids the transform hashes the content: these distinct events would share one.
    identical = sum(
        n - 1
        for rs in expected.values()
        for n in Counter(orjson.dumps({k: v for k, v in r.items() if k != "event_id"}) for r in rs).values()
    )

    db = duckdb.connect()
    db.execute(f'CREATE SCHEMA "{DATABASE}"')
    by_table: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in written:
        by_table[row["_table"]].append(row)
    after = 0
    for table, table_rows in by_table.items():
        columns = table_columns(SOURCES[table])
        body = ", ".join(f'"{name}" {kind}' for name, kind in columns)
        db.execute(f'CREATE TABLE "{DATABASE}"."{table}" ({body})')
        # The columns the view partitions by, as the table stores them; the others stay null here.
        arrow = pa.table(
            {
                "event_id": pa.array([r["event_id"] for r in table_rows], pa.string()),
                "timestamp": pa.array([r["timestamp"] for r in table_rows], pa.timestamp("us")),
            }
        )
        db.register("arrived", arrow)
        db.execute(f'INSERT INTO "{DATABASE}"."{table}" (event_id, "timestamp") SELECT * FROM arrived')
        db.unregister("arrived")
        db.execute(unique_view(DATABASE, table, columns))
        after += db.execute(f'SELECT count(*) FROM "{DATABASE}"."{unique_view_name(table)}"').fetchone()[0]
    return {
        "accepted": sum(len(rs) for rs in expected.values()),
        "distinct": sum(len({r["event_id"] for r in rs}) for rs in expected.values()),
        "rows": len(written),
        "after": after,
        "identical": identical,
    }


if __name__ == "__main__":
    main()
