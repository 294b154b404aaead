"""Names of the environment variables the stack sets on the ingest Lambda and the Lambda reads.

One module for both sides (as in Powertools' `shared/constants.py`), so a rename cannot leave the stack
setting a variable the Lambda no longer reads.
"""

from __future__ import annotations

STORE = "DENDRO_STORE"  # "timestream" or "iceberg"
DATABASE = "DENDRO_DATABASE"  # Timestream database, or the Glue database of the Iceberg tables
SOURCES = "DENDRO_SOURCES"  # comma-separated catalog types that have a table; others are rejected
ERRORS_BUCKET = "DENDRO_ERRORS_BUCKET"
ERRORS_PREFIX = "DENDRO_ERRORS_PREFIX"
METRICS_NAMESPACE = "DENDRO_METRICS_NAMESPACE"
WRITE_CONCURRENCY = "DENDRO_WRITE_CONCURRENCY"  # WriteRecords calls in flight per invocation
WRITE_MAX_ATTEMPTS = "DENDRO_WRITE_MAX_ATTEMPTS"  # per batch, on throttling and 5xx
# The event times accepted (validate.TimeWindow); others are bad_timestamp rejects. Optional.
EVENT_EARLIEST = "DENDRO_EVENT_EARLIEST"  # a UTC date, YYYY-MM-DD
EVENT_AHEAD_SECONDS = "DENDRO_EVENT_AHEAD_SECONDS"  # how far past the moment of ingest

ALL = (STORE, DATABASE, SOURCES, ERRORS_BUCKET, ERRORS_PREFIX, METRICS_NAMESPACE)
