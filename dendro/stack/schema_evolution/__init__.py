"""The iceberg store's tables, owned by a custom resource so that stack updates never break them.

CloudFormation's own `AWS::Glue::Table` loses an Iceberg table's parameters on any update (aws-notes
§3: `HIVE_UNSUPPORTED_FORMAT` afterwards), and its newer `IcebergTableInput` shape is unproven. Here
each table is a `Custom::IcebergTable` whose properties are its catalog columns; its handler creates
the table with Athena DDL (partitioned by day of event time) and, when the columns change, only adds
the missing ones (`ALTER TABLE ADD COLUMNS`). docs/architecture.md says why in full.

`ddl.py` and `handler.py` are the Lambda's code (standard library and boto3 only); `tables.py` is the
CDK construct that declares it.
"""
