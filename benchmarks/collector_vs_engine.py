"""The local collector against DuckDB's own JSON reader, side by side on the same events.

    python benchmarks/collector_vs_engine.py [--records 1200000] [--rounds 3] [--clients 2] [--batch 1000]

The default is long enough for the collector's store to checkpoint about a dozen times (every
~85,000 events at 64 MB of WAL): a run of 300,000 ended before the checkpoints that once doubled the
peak memory, so it showed a peak the collector does not keep.

The events are nginx_access events made the real way (the sample access logs run through the
catalog's VRL program, as Vector would post them). Each round runs, one after the other:

- the collector: `dendro local up` as a subprocess with a fresh store, `--clients` senders each posting
  gzip NDJSON batches of `--batch` events (Vector's http sink: one request in flight per sender, the
  next only after the 200, which the collector sends once the commit holding the rows is done);
- the engine: DuckDB's `read_json` of the same NDJSON (one uncompressed file, in the page cache)
  `INSERT`ed into the same table in a fresh store file, through the same DuckDB version.

Both end with a check that the table holds every record. Rounds are interleaved so that other load on a
shared machine falls on both alike; the figures are medians over rounds, with the range. CPU time per
record (all threads of the collector process; all threads of this process for DuckDB) is printed too:
on a busy machine it moves much less than the rates do.

Last line: collector_fraction_of_duckdb=F collector_rps=R peak_rss_mb=M store_mb_per_million=S
  F  collector records/s divided by DuckDB's in the same round (median over rounds);
  R  collector records/s (median);
  M  the collector process's peak resident memory (largest over rounds);
  S  the collector's store file, MB per million events, after a clean stop (median).
"""

from __future__ import annotations

import argparse
import gzip
import os
import signal
import statistics
import sys
import tempfile
import time
from pathlib import Path

import duckdb

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from collector import make_lines, post_all, start_collector  # noqa: E402

from dendro.catalog import SOURCES  # noqa: E402
from dendro.local_pipeline.query import query_store  # noqa: E402
from dendro.local_pipeline.schema import DUCKDB_TYPES, columns_sql, quote  # noqa: E402

TYPE = "nginx_access"


def rss_mb(pid: int, field: str) -> float:
    """VmRSS (now) or VmHWM (peak) of a process, in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no {field} for process {pid}")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (all its threads)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def run_collector(bodies: list[bytes], records: int, clients: int, folder: Path) -> dict[str, float]:
    db = folder / "collector.duckdb"
    process, url = start_collector(db)
    time.sleep(1.0)  # let start-up allocations settle before reading the idle figure
    idle = rss_mb(process.pid, "VmRSS")
    try:
        cpu = cpu_seconds(process.pid)
        elapsed = post_all(url, bodies, clients)
        cpu = cpu_seconds(process.pid) - cpu
        peak = rss_mb(process.pid, "VmHWM")
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=120)
    stored = query_store(db, f"SELECT count(*) FROM {TYPE}").rows[0][0]
    if stored != records:
        raise SystemExit(f"sent {records} records, the collector's store holds {stored}")
    size = db.stat().st_size
    db.unlink()
    return {"rps": records / elapsed, "peak": peak, "idle": idle, "mb": size / 1e6, "us": cpu / records * 1e6}


def run_duckdb(ndjson: Path, records: int, folder: Path) -> dict[str, float]:
    db = folder / "engine.duckdb"
    source = SOURCES[TYPE]
    columns = "{" + ", ".join(f"{f.name!r}: '{DUCKDB_TYPES[f.type]}'" for f in source.columns) + "}"
    con = duckdb.connect(str(db))
    con.execute("SET TimeZone = 'UTC'")
    con.execute(f"CREATE TABLE {quote(TYPE)} ({columns_sql(source)})")
    cpu = time.process_time()
    start = time.perf_counter()
    con.execute(
        f"INSERT INTO {quote(TYPE)} SELECT * FROM read_json($1, format = 'newline_delimited', "
        f"columns = {columns})",
        [str(ndjson)],
    )
    elapsed = time.perf_counter() - start
    cpu = time.process_time() - cpu
    stored = con.execute(f"SELECT count(*) FROM {quote(TYPE)}").fetchone()[0]  # type: ignore[index]
    con.close()
    if stored != records:
        raise SystemExit(f"DuckDB loaded {stored} of {records} records")
    size = db.stat().st_size
    db.unlink()
    return {"rps": records / elapsed, "mb": size / 1e6, "us": cpu / records * 1e6}


def spread(values: list[float], digits: int = 0) -> str:
    return f"{statistics.median(values):.{digits}f} ({min(values):.{digits}f}-{max(values):.{digits}f})"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--records", type=int, default=1_200_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--clients", type=int, default=2)
    parser.add_argument("--batch", type=int, default=1_000)
    args = parser.parse_args()

    batches = make_lines(args.records, args.batch)
    records = len(batches) * args.batch
    bodies = [gzip.compress(b"".join(lines)) for lines in batches]  # level 6: Vector's default
    collector_runs: list[dict[str, float]] = []
    engine_runs: list[dict[str, float]] = []
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        ndjson = folder / "events.ndjson"
        with ndjson.open("wb") as out:
            for lines in batches:
                out.writelines(lines)
        for number in range(args.rounds):
            collector_runs.append(run_collector(bodies, records, args.clients, folder))
            engine_runs.append(run_duckdb(ndjson, records, folder))
            c, e = collector_runs[-1], engine_runs[-1]
            print(
                f"round {number + 1}: collector {c['rps']:,.0f} rec/s (peak {c['peak']:.0f} MB, idle "
                f"{c['idle']:.0f} MB, store {c['mb']:.1f} MB, CPU {c['us']:.1f} us/rec); DuckDB read_json "
                f"{e['rps']:,.0f} rec/s (store {e['mb']:.1f} MB, CPU {e['us']:.1f} us/rec); "
                f"fraction {c['rps'] / e['rps']:.3f}",
                flush=True,
            )
    fractions = [c["rps"] / e["rps"] for c, e in zip(collector_runs, engine_runs, strict=True)]
    per_million = [c["mb"] * 1e6 / records for c in collector_runs]
    size_ratio = [c["mb"] / e["mb"] for c, e in zip(collector_runs, engine_runs, strict=True)]
    load = os.getloadavg()
    print(
        f"{records:,} events in {len(bodies)} batches of {args.batch} from {args.clients} clients, "
        f"{args.rounds} rounds; load average {load[0]:.1f} on {os.cpu_count()} CPUs"
    )
    print(f"  collector records/s  {spread([c['rps'] for c in collector_runs])}")
    print(f"  DuckDB records/s     {spread([e['rps'] for e in engine_runs])}")
    print(f"  fraction             {spread(fractions, 3)}")
    print(f"  collector CPU us/rec {spread([c['us'] for c in collector_runs], 1)}")
    print(f"  DuckDB CPU us/rec    {spread([e['us'] for e in engine_runs], 1)}")
    print(f"  collector idle MB    {spread([c['idle'] for c in collector_runs])}")
    print(f"  collector peak MB    {spread([c['peak'] for c in collector_runs])}")
    print(f"  store / bulk load    {spread(size_ratio, 2)}")
    print(
        f"collector_fraction_of_duckdb={statistics.median(fractions):.3f} "
        f"collector_rps={statistics.median(c['rps'] for c in collector_runs):.0f} "
        f"peak_rss_mb={max(c['peak'] for c in collector_runs):.0f} "
        f"store_mb_per_million={statistics.median(per_million):.1f}"
    )


if __name__ == "__main__":
    main()
