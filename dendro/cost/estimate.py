"""The monthly estimate, line by line: pure arithmetic over `prices` and the `Usage` assumptions.

Volume is what the agents send: GB (10^9 bytes) of JSON events per day. Everything else is derived
from it and from `Usage`, whose defaults say what they assume and why; change one to see its weight.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from dendro.cost import prices as p

DAYS_PER_MONTH = 730 / 24  # AWS bills a month as 730 hours
GB = 1e9
MB = 1e6
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
    transform_batch_mb: float = 0.5  # the stream's Lambda processor buffer (IcebergDeliveryStream)
    staged_object_mb: float = 1.0  # the timestream stream's S3 buffer (DeliveryStream), compressed
    buffer_seconds: int = 60  # both streams flush at least once a minute
    memory_retention_hours: int = 24  # the timestream store's memory store (DendroProps)
    staging_days: int = 7  # staged objects expire after a week (DendroProps.staging_expiry_days)
    tables_with_data: int = 5  # sources actually sending (web server access + error, syslog, ...)
    hosts: int = 10
    services: int = 2  # services with RED metrics (nginx, apache)
    alarms: int = 8  # what either store's stack declares with two RED services
    # The dashboard: open a working day, refreshed every minute, 8 chart queries a refresh over the
    # default 1-hour window.
    dashboard_hours_per_day: float = 8.0
    refreshes_per_hour: int = 60
    queries_per_refresh: int = 8
    # Athena reads a chart's few columns (~1/4 of the bytes) of about the last hour: the day partition,
    # pruned further by Iceberg's per-file time statistics (Firehose writes a file a minute).
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
        lines.append(
            Line(
                "Firehose", "delivery to Iceberg", _qty(month_gb, "GB"), month_gb * p.FIREHOSE_ICEBERG_GB.usd
            )
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
    flushes = 86400 / u.buffer_seconds * DAYS_PER_MONTH
    refreshes = u.dashboard_hours_per_day * u.refreshes_per_hour * DAYS_PER_MONTH
    queries = refreshes * u.queries_per_refresh
    if store == "iceberg":
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
        gets = queries * (u.athena_hours_scanned * 3600 / u.buffer_seconds + 5)
        lines.append(Line("S3", "requests (writes, Athena reads)", _millions(puts + gets, "requests"),
                          puts * p.S3_PUT.usd + gets * p.S3_GET.usd))  # fmt: skip
        per_query_mb = max(
            10.0, compressed_gb_per_day / 24 * u.athena_hours_scanned * u.athena_column_share * GB / MB
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
    metrics = 3 * u.tables_with_data + 2 * u.services * (1 + u.hosts) + u.hosts
    lines.append(
        Line("CloudWatch", "EMF metrics", _qty(metrics, "metrics"), metrics * p.CLOUDWATCH_METRIC_MONTH.usd)
    )
    lines.append(
        Line("CloudWatch", "alarms, alert key", f"{u.alarms} alarms, 1 key",
             u.alarms * p.CLOUDWATCH_ALARM_MONTH.usd + p.KMS_KEY_MONTH.usd)
    )  # fmt: skip
    return Estimate(store, gb_per_day, days_retained, tuple(lines))


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
    "minute, {hosts} hosts and {tables_with_data} sources sending; every price and assumption is in "
    "cost/prices.py and cost/estimate.py (Usage). Prices marked unverified there were not confirmed on "
    "the AWS pricing pages on the date read: check https://calculator.aws before budgeting."
)
