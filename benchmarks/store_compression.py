"""How compactly the local store keeps a high-cardinality access log, against the raw log.

    python benchmarks/store_compression.py [--records 300000] [--no-chdb]

The set: nginx access lines in the combined format, made from the repository's samples (their user
agents, referers, methods and paths) but with what makes real logs hard to compress: a query id in
every path (`?id=` 16 hex digits), client addresses drawn from a million, byte counts and statuses that
vary, one line every few milliseconds. Each line goes through the catalog's VRL program, as Vector
would post it. Then, on the same events:

- the collector: `dendro local up` as a subprocess with a fresh store, 2 senders posting 1,000-event
  gzip batches over HTTP, stopped cleanly (SIGTERM) before the file is measured;
- DuckDB's own bulk load: `read_json` of the NDJSON `INSERT`ed into the same table in a fresh file;
- chDB (embedded ClickHouse, optional: `pip install -e .[bench]`), its defaults: a MergeTree table
  `ORDER BY tuple()` with the default codec (LZ4), columns typed as the catalog says (optional fields
  Nullable), loaded with `INSERT ... SELECT FROM file(..., JSONEachRow)` and merged into one part
  (`OPTIMIZE TABLE ... FINAL`); the figure is its active parts' bytes on disk.

Each line: MB, MB per million events, and the compression ratio (raw log bytes / stored bytes).
Last line: collector_ratio=C duckdb_bulk_ratio=D chdb_ratio=H (H is "none" when chDB is not installed)
"""

from __future__ import annotations

import argparse
import gzip
import os
import random
import re
import signal
import sys
import tempfile
import time
from pathlib import Path

import orjson

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from collector import SAMPLES, post_all, start_collector  # noqa: E402
from collector_vs_engine import TYPE, run_duckdb  # noqa: E402

from dendro.catalog import SOURCES  # noqa: E402
from dendro.catalog.model import FieldType  # noqa: E402
from dendro.local_pipeline.query import query_store  # noqa: E402
from dendro.local_pipeline.vrl import compile_program, remap_all  # noqa: E402
from dendro.vector_configs.programs import parse_program  # noqa: E402

# A combined-format line of the samples: client, user, time, request, status, bytes, referer, agent.
COMBINED = re.compile(rb'^\S+ \S+ (\S+) \[[^]]+\] "(\S+) (\S+) (\S+)" (\d{3}) \S+ "([^"]*)" "([^"]*)"')
CLICKHOUSE_TYPES = {
    FieldType.STRING: "String",
    FieldType.INT: "Int64",
    FieldType.FLOAT: "Float64",
    FieldType.BOOL: "Bool",
    FieldType.TIMESTAMP: "DateTime64(6, 'UTC')",
}


def raw_log(records: int, seed: int = 15) -> list[bytes]:
    """`records` combined-format lines (newline included) with high-cardinality paths and clients."""
    samples = [
        m.groups()
        for path in sorted(SAMPLES.glob("*.log"))
        for line in path.read_bytes().splitlines()
        if (m := COMBINED.match(line))
    ]
    rng = random.Random(seed)
    start = time.time() - 2 * 86_400  # inside the store's time window
    lines = []
    for number in range(records):
        user, method, path, protocol, status, referer, agent = rng.choice(samples)
        client = f"{rng.randrange(1, 224)}.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(1, 255)}"
        path = path.split(b"?")[0] + f"?id={rng.getrandbits(64):016x}".encode()
        when = time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(start + number * 0.005))
        size = rng.randrange(200, 90_000) if status.startswith(b"2") else rng.randrange(150, 600)
        lines.append(
            f"{client} - {user.decode()} [{when}] "
            f'"{method.decode()} {path.decode()} {protocol.decode()}" {status.decode()} {size} '
            f'"{referer.decode()}" "{agent.decode()}"\n'.encode()
        )
    return lines


def events(lines: list[bytes]) -> list[bytes]:
    """The lines as Vector would post them: NDJSON after the catalog's VRL program."""
    program = compile_program(parse_program(SOURCES[TYPE], host="web-1"))
    remapped = remap_all(program, [{"message": line.rstrip(b"\n").decode()} for line in lines])
    out = [orjson.dumps(e, option=orjson.OPT_APPEND_NEWLINE) for e in remapped]
    parsed = sum(1 for e in remapped if "status" in e)
    if parsed != len(lines):
        raise SystemExit(f"the VRL program parsed {parsed} of {len(lines)} generated lines")
    return out


def run_collector(ndjson: list[bytes], folder: Path) -> int:
    db = folder / "collector.duckdb"
    bodies = [gzip.compress(b"".join(ndjson[k : k + 1_000])) for k in range(0, len(ndjson), 1_000)]
    process, url = start_collector(db)
    try:
        post_all(url, bodies, 2)
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=120)
    stored = query_store(db, f"SELECT count(*) FROM {TYPE}").rows[0][0]
    if stored != len(ndjson):
        raise SystemExit(f"sent {len(ndjson)} records, the collector's store holds {stored}")
    return db.stat().st_size


def run_chdb(ndjson_file: Path, records: int, folder: Path) -> int | None:
    try:
        from chdb import session
    except ImportError:
        return None
    columns = ", ".join(
        f"`{f.name}` " + (CLICKHOUSE_TYPES[f.type] if f.required else f"Nullable({CLICKHOUSE_TYPES[f.type]})")
        for f in SOURCES[TYPE].columns
    )
    chdb = session.Session(str(folder / "chdb"))
    try:
        chdb.query(f"CREATE TABLE {TYPE} ({columns}) ENGINE = MergeTree ORDER BY tuple()")
        chdb.query(
            f"INSERT INTO {TYPE} SELECT * FROM file('{ndjson_file}', JSONEachRow) "
            "SETTINGS input_format_skip_unknown_fields = 1"
        )
        chdb.query(f"OPTIMIZE TABLE {TYPE} FINAL")
        stored = int(str(chdb.query(f"SELECT count() FROM {TYPE}", "CSV")).strip())
        size = int(
            str(
                chdb.query(
                    f"SELECT sum(bytes_on_disk) FROM system.parts WHERE table = '{TYPE}' AND active", "CSV"
                )
            ).strip()
        )
    finally:
        chdb.close()
    if stored != records:
        raise SystemExit(f"chDB loaded {stored} of {records} records")
    return size


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--records", type=int, default=300_000)
    parser.add_argument("--no-chdb", action="store_true", help="skip chDB even when it is installed")
    args = parser.parse_args()

    lines = raw_log(args.records)
    raw = sum(map(len, lines))
    ndjson = events(lines)
    paths = len({e.split(b'"path":"', 1)[1].split(b'"', 1)[0] for e in ndjson})
    clients = len({e.split(b'"client":"', 1)[1].split(b'"', 1)[0] for e in ndjson})
    print(
        f"{args.records:,} events: raw log {raw / 1e6:.1f} MB, {paths:,} distinct paths, "
        f"{clients:,} distinct clients"
    )
    sizes: dict[str, int | None] = {}
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        ndjson_file = folder / "events.ndjson"
        ndjson_file.write_bytes(b"".join(ndjson))
        sizes["collector"] = run_collector(ndjson, folder)
        sizes["duckdb_bulk"] = int(run_duckdb(ndjson_file, args.records, folder)["mb"] * 1e6)
        sizes["chdb"] = None if args.no_chdb else run_chdb(ndjson_file, args.records, folder)
    for label, size in sizes.items():
        if size is None:
            print(f"  {label:12} not measured (chDB is not installed: pip install -e .[bench])")
            continue
        print(
            f"  {label:12} {size / 1e6:6.1f} MB  {size / 1e6 * 1e6 / args.records:5.1f} MB per million  "
            f"ratio {raw / size:4.2f}"
        )
    load = os.getloadavg()
    print(f"load average {load[0]:.1f} on {os.cpu_count()} CPUs")
    print(" ".join(f"{k}_ratio={'none' if v is None else f'{raw / v:.2f}'}" for k, v in sizes.items()))


if __name__ == "__main__":
    main()
