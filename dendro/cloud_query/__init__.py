"""Querying the AWS stores from outside the pipeline: `dendro query`, the dashboard and the iceberg
tables' custom resource. boto3 clients are passed in, so callers choose credentials and tests stub them."""
