"""Dendro on one machine: the same ingest core as the AWS Lambda, in front of a DuckDB store.

collector.py  the HTTP endpoint for Vector's http sink (`dendro local up`)
writer.py     the threads that commit what the collector accepts
store.py      the DuckDB file: the only writer; exactly-once bookkeeping
schema.py     tables and columns from the catalog (the FieldType -> DuckDB type map)
importer.py   `dendro local import`: log files through the real VRL into the store
replay.py     reading files as Vector's file source does (lines, multiline, offsets)
vrl.py        the VRL runtime seam (vector-vrl or pyvrl), loaded on demand
demo.py       demo traffic for `dendro local up --demo`
client.py     a Vector-like sender (demo, benchmarks)
query.py      read-only SQL (`dendro query`, the collector's /query)
"""
