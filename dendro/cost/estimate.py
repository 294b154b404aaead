"""The monthly estimate, line by line: pure arithmetic over `prices` and the `Usage` assumptions.

Volume is what the agents send: GB (10^9 bytes) of JSON events per day. Everything else is derived
from it and from `Usage`, whose defaults say what they assume and why; change one to see its weight.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

from dendro.catalog import SOURCES
from dendro.cost import prices as p
from dendro.ingest_lambda.emf import metric_count

DAYS_PER_MONTH = 730 / 24  # AWS bills a month as 730 hours
GB = 1e9
MB = 1e6
ATHENA_MIN_MB = 10  # Athena bills a query 10 MB at least (prices.ATHENA_TB_SCANNED)
STORES = ("iceberg", "timestream")


@dataclass(frozen=True)
class Usage:
    """What the estimate assumes beyond the daily volume."""

    event_bytes: int = 400  # average JSON event: an nginx access line ~450 B, a syslog line ~250 B
    # Firehose's 5 KB rounding on the timestream store's packed records (tests/vector_configs/
    # test_packing.py holds the packing to at most 1.2x).
    packed_billing_ratio: float = 1.2
    compression: float = 8.0  # log JSON -> gzip (staging) or Parquet+zstd (Iceberg), typical for logs
    lambda_memory_gb: float = 1.0  # IngestFunction's 1024 MB
    # Lambda throughput in MB of JSON per second: the transform measured ~7 MB/s on a developer
    # machine (tests/ingest_lambda/test_firehose_transform.py's large batch); the staged path also
    # waits on WriteRecords, hence lower. Both are rough: Graviton and x86 differ.
    transform_mb_per_s: float = 7.0
    staged_mb_per_s: float = 4.0
    # Firehose bills the bytes the transform adds (prices.FIREHOSE_ICEBERG_GB): its output for the
    # samples is 2.4 % larger than its input (the event_id it adds when the agent sent none; measured
    # on ~2,000 sample records by tests/ingest_lambda/test_firehose_transform.py, which checks this).
    transform_growth: float = 1.024
    transform_batch_mb: float = 0.5  # the stream's Lambda processor buffer (IcebergDeliveryStream)
    staged_object_mb: float = 1.0  # the timestream stream's S3 buffer (DeliveryStream), compressed
    buffer_seconds: int = 60  # the Lambda runs at least once a minute (staging flush, processor buffer)
    # The iceberg stream commits a file per table at most this often (IcebergDeliveryStream).
    commit_seconds: int = 300
    memory_retention_hours: int = 24  # the timestream store's memory store (DendroProps)
    staging_days: int = 7  # staged objects expire after a week (DendroProps.staging_expiry_days)
    tables_with_data: int = 5  # sources actually sending (web server access + error, syslog, ...)
    # Tables the stack declares: one per catalog source (`dendro deploy` without --source). Scheduled
    # maintenance runs on each, data or not.
    tables: int = len(SOURCES)
    hosts: int = 10
    services: int = 2  # services with RED metrics (nginx, apache)
    alarms: int = 8  # what either store's stack declares with two RED services
    rules: int = 1  # alert rules counted by the Lambda (the default disk rule): two metrics each
    # Few, wide EMF metrics (emf.metric_count); False: one per type, per service and host, per host.
    wide_metrics: bool = True
    # The daily maintenance of every iceberg table with Athena (schema_evolution/handler.maintain).
    maintenance: bool = True
    # True: Glue's table optimizers instead (the design before; what `dendro cost` compares with).
    glue_optimizers: bool = False
    compaction_min_files: int = 250  # Glue compacted a table at this many small files
    compaction_gb_per_dpu_hour: float = 10.0  # compressed GB a Glue DPU rewrites in an hour (assumed)
    # The dashboard: open a working day, refreshed every minute, 8 chart queries a refresh over the
    # default 1-hour window.
    dashboard_hours_per_day: float = 8.0
    refreshes_per_hour: int = 60
    queries_per_refresh: int = 8
    # Over Athena the pages refresh no faster than a commit (dashboard/routes.min_refresh).
    athena_refresh_seconds: int = 300
    # Athena reads a chart's few columns (~1/4 of the bytes) of about the last hour: the day partition,
    # pruned further by Iceberg's per-file time statistics (Firehose writes a file per commit).
    athena_column_share: float = 0.25
    athena_hours_scanned: float = 1.0
    # Timestream: a refresh's queries run together on the 4-TCU minimum, billed 30 s at least.
    tcu_per_refresh: int = 4
    tcu_seconds_per_refresh: int = 30
    log_bytes_per_invocation: int = 6000  # START/END/REPORT, the summary line and ~20 EMF lines


@dataclass(frozen=True)
class Line:
    service: str
    item: str
    usage: str  # the monthly quantity, for a human
    usd: float


@dataclass(frozen=True)
class Estimate:
    store: str
    gb_per_day: float
    days_retained: int
    lines: tuple[Line, ...]

    @property
    def total(self) -> float:
        return sum(line.usd for line in self.lines)


def _qty(value: float, unit: str) -> str:
    if value >= 100:
        return f"{value:,.0f} {unit}"
    return f"{value:,.2f} {unit}".replace(".00 ", " ")


def _millions(value: float, unit: str) -> str:
    return f"{value / 1e6:,.2f} M {unit}" if value >= 1e5 else _qty(value, unit)


def estimate(
    gb_per_day: float, store: str = "iceberg", days_retained: int = 30, usage: Usage = Usage()
) -> Estimate:
    if store not in STORES:
        raise ValueError(f"store {store!r} is not one of {', '.join(STORES)}")
    if gb_per_day <= 0 or days_retained < 1:
        raise ValueError("gb_per_day must be positive and days_retained at least 1")
    u = usage
    month_gb = gb_per_day * DAYS_PER_MONTH
    events = gb_per_day * GB / u.event_bytes * DAYS_PER_MONTH
    compressed_gb_per_day = gb_per_day / u.compression
    lines: list[Line] = []

    # Firehose and the Lambda that sits behind it.
    if store == "iceberg":
        billed = month_gb * max(1.0, u.transform_growth)
        lines.append(
            Line("Firehose", "delivery to Iceberg", _qty(billed, "GB"), billed * p.FIREHOSE_ICEBERG_GB.usd)
        )
        invocations = max(
            month_gb * GB / (u.transform_batch_mb * MB), 86400 / u.buffer_seconds * DAYS_PER_MONTH
        )
        seconds = month_gb * GB / MB / u.transform_mb_per_s
    else:
        billed = month_gb * u.packed_billing_ratio
        lines.append(
            Line(
                "Firehose",
                "Direct PUT (packed records)",
                _qty(billed, "GB billed"),
                billed * p.FIREHOSE_DIRECT_PUT_GB.usd,
            )
        )
        invocations = max(
            month_gb / u.compression * GB / (u.staged_object_mb * MB),
            86400 / u.buffer_seconds * DAYS_PER_MONTH,
        )
        seconds = month_gb * GB / MB / u.staged_mb_per_s
    gb_seconds = seconds * u.lambda_memory_gb
    lines.append(
        Line(
            "Lambda",
            "ingest duration (arm64)",
            _qty(gb_seconds, "GB-s"),
            gb_seconds * p.LAMBDA_ARM_GB_SECOND.usd,
        )
    )
    lines.append(
        Line(
            "Lambda",
            "ingest requests",
            _millions(invocations, "invocations"),
            invocations * p.LAMBDA_REQUEST.usd,
        )
    )

    # S3 and the store itself.
    refreshes = u.dashboard_hours_per_day * u.refreshes_per_hour * DAYS_PER_MONTH
    queries = refreshes * u.queries_per_refresh
    if store == "iceberg":
        flushes = 86400 / u.commit_seconds * DAYS_PER_MONTH
        refreshes = u.dashboard_hours_per_day * 3600 / max(u.athena_refresh_seconds, 1) * DAYS_PER_MONTH
        queries = refreshes * u.queries_per_refresh
        stored = compressed_gb_per_day * days_retained
        lines.append(
            Line(
                "S3",
                f"Iceberg data ({days_retained} days)",
                _qty(stored, "GB-month"),
                stored * p.S3_STANDARD_GB_MONTH.usd,
            )
        )
        # Each flush writes a data file per table with data, then commits: manifest, manifest list,
        # metadata file. Athena writes a result file per query.
        puts = flushes * u.tables_with_data * 4 + queries * 2
        # A query reads the hour's files of each table it names, plus the table's metadata.
        gets = queries * (u.athena_hours_scanned * 3600 / u.commit_seconds + 5)
        lines.append(Line("S3", "requests (writes, Athena reads)", _millions(puts + gets, "requests"),
                          puts * p.S3_PUT.usd + gets * p.S3_GET.usd))  # fmt: skip
        per_query_mb = max(
            ATHENA_MIN_MB,
            compressed_gb_per_day / 24 * u.athena_hours_scanned * u.athena_column_share * GB / MB,
        )
        scanned_tb = queries * math.ceil(per_query_mb) * MB / 1e12
        lines.append(
            Line(
                "Athena",
                "dashboard queries scanned",
                _qty(scanned_tb * 1000, "GB"),
                scanned_tb * p.ATHENA_TB_SCANNED.usd,
            )
        )
        if u.maintenance:
            lines.extend(_maintenance(u, flushes, compressed_gb_per_day))
    else:
        staged = compressed_gb_per_day * u.staging_days
        lines.append(
            Line(
                "S3",
                f"staged objects ({u.staging_days} days)",
                _qty(staged, "GB-month"),
                staged * p.S3_STANDARD_GB_MONTH.usd,
            )
        )
        requests = invocations * 2  # Firehose's PUT and the Lambda's GET of each staged object
        lines.append(Line("S3", "requests (stage, read)", _millions(requests, "requests"),
                          invocations * (p.S3_PUT.usd + p.S3_GET.usd)))  # fmt: skip
        writes = events * math.ceil(u.event_bytes / 1024)
        lines.append(
            Line(
                "Timestream",
                "writes (1 KB units)",
                _millions(writes, "writes"),
                writes * p.TIMESTREAM_WRITE.usd,
            )
        )
        memory_gb_hours = gb_per_day * u.memory_retention_hours / 24 * 730
        lines.append(
            Line("Timestream", f"memory store ({u.memory_retention_hours} h)",
                 _qty(memory_gb_hours, "GB-hours"), memory_gb_hours * p.TIMESTREAM_MEMORY_GB_HOUR.usd)
        )  # fmt: skip
        magnetic = gb_per_day * days_retained
        lines.append(
            Line("Timestream", f"magnetic store ({days_retained} days)", _qty(magnetic, "GB-month"),
                 magnetic * p.TIMESTREAM_MAGNETIC_GB_MONTH.usd)
        )  # fmt: skip
        tcu_hours = refreshes * u.tcu_per_refresh * u.tcu_seconds_per_refresh / 3600
        lines.append(
            Line(
                "Timestream",
                "dashboard queries (TCU)",
                _qty(tcu_hours, "TCU-hours"),
                tcu_hours * p.TIMESTREAM_TCU_HOUR.usd,
            )
        )

    # CloudWatch: the Lambda's logs (its EMF metrics are log lines), the metrics, the alarms.
    logs_gb = invocations * u.log_bytes_per_invocation / GB
    lines.append(
        Line("CloudWatch", "logs (ingest, 1 month kept)", _qty(logs_gb, "GB"),
             logs_gb * (p.CLOUDWATCH_LOGS_INGEST_GB.usd + p.CLOUDWATCH_LOGS_STORAGE_GB_MONTH.usd))
    )  # fmt: skip
    if u.wide_metrics:
        metrics = metric_count(services=u.services, hosts=u.hosts, rules=u.rules)
    else:  # before issue 14: per type (3), per service and per service x host (2 each), per host
        metrics = 3 * u.tables_with_data + 2 * u.services * (1 + u.hosts) + u.hosts
    lines.append(
        Line("CloudWatch", "EMF metrics", _qty(metrics, "metrics"), metrics * p.CLOUDWATCH_METRIC_MONTH.usd)
    )
    if u.wide_metrics:
        # Billed per metric an alarm reads: the built-in alarms read 13 metrics on either store (the
        # iceberg store's table-maintenance alarm in place of timestream's dead-letter queue), and the
        # silent-host Metrics Insights alarm one per host.
        alarm_metrics = 13 + u.hosts
        usage_text = f"{alarm_metrics} alarm metrics, 1 key"
    else:  # before issue 14: one metric per alarm
        alarm_metrics = u.alarms
        usage_text = f"{u.alarms} alarms, 1 key"
    lines.append(
        Line("CloudWatch", "alarms, alert key", usage_text,
             alarm_metrics * p.CLOUDWATCH_ALARM_MONTH.usd + p.KMS_KEY_MONTH.usd)
    )  # fmt: skip
    return Estimate(store, gb_per_day, days_retained, tuple(lines))


def _maintenance(u: Usage, commits_per_month: float, compressed_gb_per_day: float) -> list[Line]:
    """The daily maintenance run (schema_evolution/handler.maintain): per declared table an Athena
    OPTIMIZE of yesterday's files and a VACUUM, per source with retention_days a DELETE; Athena bills
    each by the bytes it scans, ATHENA_MIN_MB at least. With `glue_optimizers`, what Glue's table
    optimizers would cost instead (`_glue_optimizers`)."""
    athena_mb = ATHENA_MIN_MB * MB / 1e12 * p.ATHENA_TB_SCANNED.usd  # one minimum-billed query
    # The retention DELETE of whole past days (metadata only): the minimum each.
    deletes = u.tables_with_data * DAYS_PER_MONTH
    lines = [Line("Athena", "retention deletes (daily)", f"{deletes:,.0f} queries", deletes * athena_mb)]
    if u.glue_optimizers:
        return lines + _glue_optimizers(u, commits_per_month, compressed_gb_per_day)
    # OPTIMIZE reads the day's files of each table with data once; an empty table costs the minimum.
    table_day_mb = compressed_gb_per_day * GB / MB / max(u.tables_with_data, 1)
    empty = max(u.tables - u.tables_with_data, 0)
    optimize_mb = DAYS_PER_MONTH * (
        u.tables_with_data * max(ATHENA_MIN_MB, math.ceil(table_day_mb)) + empty * ATHENA_MIN_MB
    )
    runs = u.tables * DAYS_PER_MONTH  # OPTIMIZE and VACUUM each; the ALTER TABLE before VACUUM is free DDL
    lines.append(Line("Athena", "compaction (OPTIMIZE, daily)",
                      f"{runs:,.0f} queries, {optimize_mb / 1000:,.1f} GB",
                      optimize_mb * MB / 1e12 * p.ATHENA_TB_SCANNED.usd))  # fmt: skip
    # VACUUM reads metadata (manifests) only: assumed within the minimum.
    lines.append(Line("Athena", "snapshot expiry, orphan files (VACUUM)", f"{runs:,.0f} queries",
                      runs * athena_mb))  # fmt: skip
    # S3: OPTIMIZE GETs each of the day's small files and PUTs a file and a commit (3 metadata files);
    # VACUUM LISTs the table's folder (under 1,000 keys once compacted: one LIST) and GETs ~10
    # metadata files; each query's result file is a PUT. Deletes are free.
    gets = DAYS_PER_MONTH * (u.tables_with_data * 86400 / u.commit_seconds + u.tables * 10)
    puts = DAYS_PER_MONTH * (u.tables_with_data * 4 + u.tables * 3)
    lines.append(Line("S3", "requests (maintenance)", _millions(gets + puts, "requests"),
                      gets * p.S3_GET.usd + puts * p.S3_PUT.usd))  # fmt: skip
    return lines


def _glue_optimizers(u: Usage, commits_per_month: float, compressed_gb_per_day: float) -> list[Line]:
    """Glue's optimizers: compaction when a table holds `compaction_min_files` small files (so only
    tables with data), plus the rewrite itself; snapshot retention and orphan-file deletion once a
    day on every declared table (their only cadence in CloudFormation, prices.py). Each run is billed
    a minute at least, whether or not it finds work (assumed: no AWS account checked an empty run)."""
    minute = 1 / 60
    compactions = commits_per_month * u.tables_with_data / u.compaction_min_files
    compaction_dpu = (
        compactions * minute + compressed_gb_per_day * DAYS_PER_MONTH / u.compaction_gb_per_dpu_hour
    )
    cleanups = 2 * u.tables * DAYS_PER_MONTH
    cleanup_dpu = cleanups * minute
    price = p.GLUE_OPTIMIZER_DPU_HOUR.usd
    return [
        Line("Glue", "compaction", f"{compactions:,.0f} runs, {compaction_dpu:,.1f} DPU-h",
             compaction_dpu * price),
        Line("Glue", "snapshot expiry, orphan files", f"{cleanups:,.0f} runs, {cleanup_dpu:,.1f} DPU-h",
             cleanup_dpu * price),
    ]  # fmt: skip


# What the estimate assumed before issue 14: a metric per type, per service x host and per host, a
# commit a minute, a dashboard refreshing Athena every minute, no table maintenance, and no event_id
# added by the transform (item 8 of the issue).
BEFORE = Usage(
    commit_seconds=60,
    wide_metrics=False,
    maintenance=False,
    athena_refresh_seconds=60,
    rules=0,
    transform_growth=1.0,
)


def compare(store: str = "iceberg", volumes: tuple[float, ...] = (1, 10, 100), days_retained: int = 30,
            usage: Usage = Usage()) -> str:  # fmt: skip
    """Before and after issue 14's cost work, at a few daily volumes, maintenance included."""
    rows = [f"{store} store, {days_retained} days retained: USD/month before -> now", ""]
    rows.append(f"{'GB/day':>8}  {'before':>10}  {'now':>10}  {'change':>8}")
    for gb in volumes:
        before = estimate(gb, store, days_retained, replace(BEFORE, **_shared(usage))).total
        now = estimate(gb, store, days_retained, usage).total
        rows.append(f"{gb:>8g}  {before:>10,.2f}  {now:>10,.2f}  {100 * (now - before) / before:>+7.0f}%")
    return "\n".join(rows)


def _shared(usage: Usage) -> dict[str, object]:
    """The assumptions about the team (not the layout) carry over into BEFORE."""
    layout = {
        "commit_seconds",
        "wide_metrics",
        "maintenance",
        "athena_refresh_seconds",
        "rules",
        "transform_growth",
    }
    return {k: getattr(usage, k) for k in usage.__dataclass_fields__ if k not in layout}


def render(result: Estimate) -> str:
    """The estimate as a plain-text table, one line per item, then the total."""
    header = (
        f"Dendro monthly estimate: {result.store} store, {result.gb_per_day:g} GB/day, "
        f"{result.days_retained} days retained ({p.REGION}, prices read {p.READ_ON})"
    )
    width = max(len(f"{line.service.ljust(10)} {line.item}") for line in result.lines)
    rows = [header, ""]
    rows.append(f"{'service    item'.ljust(width)}  {'usage per month':>22}  {'USD/month':>10}")
    for line in result.lines:
        label = f"{line.service.ljust(10)} {line.item}"
        rows.append(f"{label.ljust(width)}  {line.usage:>22}  {line.usd:>10,.2f}")
    rows.append(f"{'Total'.ljust(width)}  {'':>22}  {result.total:>10,.2f}")
    return "\n".join(rows)


def render_markdown(result: Estimate) -> str:
    """The same lines as a Markdown table (for a README or an issue)."""
    rows = [
        f"{result.store} store, {result.gb_per_day:g} GB/day, {result.days_retained} days retained "
        f"({p.REGION}, prices read {p.READ_ON})",
        "",
        "| service | item | usage per month | USD/month |",
        "| --- | --- | ---: | ---: |",
    ]
    rows += [f"| {line.service} | {line.item} | {line.usage} | {line.usd:,.2f} |" for line in result.lines]
    rows.append(f"| **Total** | | | **{result.total:,.2f}** |")
    return "\n".join(rows)


ASSUMPTIONS = (
    "Assumes {event_bytes} B events, a dashboard open {dashboard_hours_per_day:g} h a day refreshing every "
    "minute (every {athena_refresh_seconds} s on the iceberg store), {hosts} hosts and "
    "{tables_with_data} sources sending; every price and assumption is in "
    "cost/prices.py and cost/estimate.py (Usage). Prices marked unverified there were not confirmed on "
    "the AWS pricing pages on the date read: check https://calculator.aws before budgeting."
)
