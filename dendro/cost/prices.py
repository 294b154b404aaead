"""Every AWS price `dendro cost` uses: us-east-1, on-demand, USD, no free tier. In one place so that
updating them is one edit; each says where it comes from, when it was read, and how sure it is:

- "page": read on the AWS pricing or documentation page named (a stored copy of it);
- "2nd": from a secondhand page quoting AWS (the team's sourced AWS notes tag these [2nd]);
- "unverified": AWS's long-standing list price as known when this was written, not confirmed on a
  page on that date. Confirm before relying on it.

Prices change: check https://calculator.aws before committing to a budget.
"""

from __future__ import annotations

from dataclasses import dataclass

READ_ON = "2026-11-27"
READ_AGAIN = "2026-12-02"  # the prices sourced again on this date (basis "2nd" where a page quoted them)
REGION = "us-east-1"


@dataclass(frozen=True)
class Price:
    usd: float
    unit: str
    source: str
    basis: str  # "page" | "2nd" | "unverified"
    read_on: str = READ_ON


# Amazon Data Firehose. Direct PUT bills each record rounded up to 5 KB (the agents pack events into
# large records for the timestream store); the Iceberg destination bills per GB without rounding, and
# "if data processed bytes before delivery is more than the ingested bytes due to custom Lambda
# processing, then the additional bytes are also billed" (the pricing page, quoted by the page below).
FIREHOSE_DIRECT_PUT_GB = Price(
    0.029, "GB ingested (5 KB per record minimum)", "https://aws.amazon.com/kinesis/data-firehose/pricing/",
    "unverified",
)  # fmt: skip
FIREHOSE_ICEBERG_GB = Price(
    0.075, "GB delivered to Apache Iceberg tables", "https://hashnode-hub.vercel.app/posts/67f81a7c56b81360fc715a4a",
    "2nd",
)  # fmt: skip

# AWS Lambda on arm64 (Graviton), which the ingest function uses (https://aws.amazon.com/lambda/pricing/,
# quoted: us-east-1 "ARM Pricing - First 7.5 Billion GB-seconds per month: $0.0000133334 per
# GB-second"; requests "$0.20 / 1M" for both architectures).
LAMBDA_ARM_GB_SECOND = Price(
    0.0000133334,
    "GB-second (arm64)",
    "https://cloudchipr.com/blog/aws-lambda-pricing",
    "2nd",
    read_on=READ_AGAIN,
)
LAMBDA_REQUEST = Price(
    0.20 / 1_000_000,
    "request",
    "https://git.mcrn.ar/mariano/lambda_local_runner/src/branch/main/docs/lambdas-md/lambda-13-cost.md",
    "2nd",
    read_on=READ_AGAIN,
)

# Amazon S3 Standard (https://aws.amazon.com/s3/pricing/). Quoted by a pricing generator validated end
# to end against the AWS price list: "900 GB + 4M Tier-1 + 50M Tier-2 = $60.70/mo (storage $20.70 +
# $20 + $20)", i.e. $0.023/GB-month, $0.005 per 1,000 PUT/COPY/POST/LIST, $0.0004 per 1,000 GET.
_S3_SOURCE = "https://github.com/mattrobinsonsre/terrapod/issues/951"
S3_STANDARD_GB_MONTH = Price(0.023, "GB-month (first 50 TB)", _S3_SOURCE, "2nd", read_on=READ_AGAIN)
S3_PUT = Price(0.005 / 1000, "PUT, COPY, POST or LIST request", _S3_SOURCE, "2nd", read_on=READ_AGAIN)
S3_GET = Price(0.0004 / 1000, "GET or SELECT request", _S3_SOURCE, "2nd", read_on=READ_AGAIN)

# Amazon Timestream for LiveAnalytics (closed to new accounts since 2025-06-20).
TIMESTREAM_WRITE = Price(
    0.50 / 1_000_000, "write of 1 KB", "https://aws.amazon.com/timestream/pricing/", "page"
)  # the page: "1 million writes of 1KB size $0.50" (a stored copy; US East (Ohio), as us-east-1)
TIMESTREAM_MEMORY_GB_HOUR = Price(
    0.036, "GB-hour in the memory store", "https://aws.amazon.com/timestream/pricing/", "page"
)
TIMESTREAM_MAGNETIC_GB_MONTH = Price(
    0.03, "GB-month in the magnetic store", "https://aws.amazon.com/timestream/pricing/", "page"
)
TIMESTREAM_TCU_HOUR = Price(
    0.50, "TCU-hour (4 TCU minimum, 30 s minimum)",
    "https://docs.aws.amazon.com/timestream/latest/developerguide/tcu.html", "unverified",
)  # fmt: skip

# Amazon Athena: bytes scanned, rounded up to the MB, 10 MB minimum per query; DDL is free. The
# maintenance statements (DELETE, OPTIMIZE, VACUUM) are queries too; "because the VACUUM statement
# makes API calls to Amazon S3, charges apply for the associated requests to Amazon S3" (Athena's
# VACUUM page, https://docs.aws.amazon.com/athena/latest/ug/vacuum-statement.html).
ATHENA_TB_SCANNED = Price(
    5.00, "TB scanned (10 MB minimum per query)", "https://rcpedia.stanford.edu/services/athena.html", "2nd"
)

# Amazon CloudWatch (https://aws.amazon.com/cloudwatch/pricing/). Custom metrics: "first 10,000 $0.30"
# per metric-month (the page's table, quoted in the issue below). Alarms are billed per metric they
# read ($0.10 a standard-resolution alarm metric), logs $0.50 per GB ingested and $0.03 per GB-month
# archived (an infracost estimate's output, below). The page's free tier counts "10 Alarm metrics (only
# applicable to Standard resolution alarms that list metrics directly and don't use a Metrics
# Insights query)": a Metrics Insights alarm (the silent-host one) is billed per metric it analyses.
_CLOUDWATCH_QUOTED = "https://github.com/vreutova/infracost-idem-support/pull/2"
CLOUDWATCH_LOGS_INGEST_GB = Price(0.50, "GB of logs ingested", _CLOUDWATCH_QUOTED, "2nd", read_on=READ_AGAIN)
CLOUDWATCH_LOGS_STORAGE_GB_MONTH = Price(
    0.03, "GB-month of logs stored", _CLOUDWATCH_QUOTED, "2nd", read_on=READ_AGAIN
)
CLOUDWATCH_METRIC_MONTH = Price(
    0.30,
    "custom metric-month (EMF)",
    "https://github.com/nishinoshake/aws-rough/issues/37",
    "2nd",
    read_on=READ_AGAIN,
)
CLOUDWATCH_ALARM_MONTH = Price(
    0.10, "standard-resolution alarm metric-month", _CLOUDWATCH_QUOTED, "2nd", read_on=READ_AGAIN
)
KMS_KEY_MONTH = Price(
    1.00, "customer-managed key-month (alert topic)", "https://aws.amazon.com/kms/pricing/", "unverified"
)

# AWS Glue Data Catalog table optimizers (compaction, snapshot retention, orphan-file deletion) bill
# the DPU-hours their runs use (each run reports DpuHours: Glue API IcebergCompactionMetrics). The
# Glue pricing page: "$0.44 per DPU-hour for optimizing Apache Iceberg tables, billed per second with
# a 1-minute minimum" (as transcribed from https://aws.amazon.com/glue/pricing/ on 2026-10-07 by
# api-evangelist/amazon-glue-databrew, plans/...-pricing.yml; the page's own tables did not render).
# How often they run (Glue guide "Optimizing Iceberg tables" and API reference):
# - compaction: whenever a table or partition holds more than minInputFiles small files (< 75 % of
#   write.target-file-size-bytes), so only tables that receive data ("Compaction optimization");
# - retention and orphan-file deletion: every runRateInHours, default 24, 3 to 168
#   (IcebergRetentionConfiguration, IcebergOrphanFileDeletionConfiguration), on every table that has
#   the optimizer. CloudFormation's AWS::Glue::TableOptimizer has no RunRateInHours (cfn-lint 1.58.0's
#   schema, aws-cdk-lib 2.275.0), so a stack's optimizers run daily.
# The stack no longer declares them (a daily Athena OPTIMIZE and VACUUM cost far less); `dendro cost`
# prices them for the comparison only (estimate.Usage.glue_optimizers).
GLUE_OPTIMIZER_DPU_HOUR = Price(
    0.44, "DPU-hour of a table optimizer run (per second, 1 minute minimum)", "https://aws.amazon.com/glue/pricing/",
    "2nd", read_on=READ_AGAIN,
)  # fmt: skip

ALL: dict[str, Price] = {name: value for name, value in globals().items() if isinstance(value, Price)}
