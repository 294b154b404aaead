"""Glue's managed maintenance of the Iceberg tables (`AWS::Glue::TableOptimizer`; aws-notes §3, the
Glue guide "Optimizing Iceberg tables"): Firehose commits a small file per table per buffer interval,
so without it query time and S3 requests grow month after month.

Per table, three optimizers, one role (Glue's "Table optimization prerequisites"):
- compaction: rewrites the small files into large ones;
- snapshot retention: expires snapshots older than SNAPSHOT_RETENTION_DAYS and deletes the files only
  they referenced (including rows deleted by the retention job, iceberg_retention.py);
- orphan file deletion: removes files no snapshot references (a failed commit's leftovers) after
  ORPHAN_RETENTION_DAYS.
"""

from __future__ import annotations

from collections.abc import Mapping

from aws_cdk import ArnFormat, Stack
from aws_cdk import aws_glue as glue
from aws_cdk import aws_iam as iam
from constructs import Construct, IDependable

# Time travel a day back is enough for a monitoring store; every snapshot kept is metadata read by
# each query planning. One snapshot at least is always kept.
SNAPSHOT_RETENTION_DAYS = 1
SNAPSHOTS_TO_RETAIN = 1
# Glue's default: files younger than this are never orphans (a commit may still be writing them).
ORPHAN_RETENTION_DAYS = 3
# Glue compacts a table (or a day partition) once it holds this many small files: about a day of
# commits at the stream's 5-minute pace, so each day is rewritten about once (Glue's default, 100,
# would start three runs a day per table, each billed). Queries of the current day read its small
# files until then: at most 288 per table, fine for the last-hours windows dashboards ask for.
COMPACTION_MIN_INPUT_FILES = 250
OPTIMIZER_TYPES = ("compaction", "retention", "orphan_file_deletion")
LOG_GROUPS = ("iceberg-compaction", "iceberg-retention", "iceberg-orphan-file-deletion")


def optimizer_construct_id(table: str, kind: str) -> str:
    return "".join(p.capitalize() for p in f"{table}_{kind}".split("_")) + "Optimizer"


class IcebergMaintenance(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        database: str,
        tables: Mapping[str, IDependable],
        location: str,
        data_arns: list[str],
        bucket_arns: list[str],
        glue_arns: list[str],
    ) -> None:
        super().__init__(scope, construct_id)
        stack = Stack.of(self)
        self.role = iam.Role(
            self,
            "Role",
            assumed_by=iam.ServicePrincipal(
                "glue.amazonaws.com", conditions={"StringEquals": {"aws:SourceAccount": stack.account}}
            ),
            description="Lets Glue compact the Dendro Iceberg tables and expire their snapshots and orphans.",
        )
        self.role.add_to_policy(
            iam.PolicyStatement(
                actions=["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
                resources=data_arns,
            )
        )
        self.role.add_to_policy(iam.PolicyStatement(actions=["s3:ListBucket"], resources=bucket_arns))
        self.role.add_to_policy(
            iam.PolicyStatement(actions=["glue:GetTable", "glue:UpdateTable"], resources=glue_arns)
        )
        self.role.add_to_policy(
            iam.PolicyStatement(
                actions=["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"],
                resources=[
                    stack.format_arn(
                        service="logs",
                        resource="log-group",
                        resource_name=f"/aws-glue/{name}/logs:*",
                        arn_format=ArnFormat.COLON_RESOURCE_NAME,
                    )
                    for name in LOG_GROUPS
                ],
            )
        )
        self.optimizers: dict[tuple[str, str], glue.CfnTableOptimizer] = {}
        for table, resource in tables.items():
            for kind in OPTIMIZER_TYPES:
                optimizer = glue.CfnTableOptimizer(
                    self,
                    optimizer_construct_id(table, kind),
                    catalog_id=stack.account,
                    database_name=database,
                    table_name=table,
                    type=kind,
                    table_optimizer_configuration=self._configuration(kind, f"{location}{table}/"),
                )
                # The table must exist, and the role's policy must be in place when Glue checks it.
                optimizer.node.add_dependency(resource, self.role)
                self.optimizers[(table, kind)] = optimizer

    def _configuration(
        self, kind: str, table_location: str
    ) -> glue.CfnTableOptimizer.TableOptimizerConfigurationProperty:
        config = glue.CfnTableOptimizer
        extra: dict[str, object] = {}
        if kind == "compaction":
            extra["compaction_configuration"] = config.CompactionConfigurationProperty(
                iceberg_configuration=config.IcebergCompactionConfigurationProperty(
                    strategy="binpack", min_input_files=COMPACTION_MIN_INPUT_FILES
                )
            )
        elif kind == "retention":
            extra["retention_configuration"] = config.RetentionConfigurationProperty(
                iceberg_configuration=config.IcebergRetentionConfigurationProperty(
                    snapshot_retention_period_in_days=SNAPSHOT_RETENTION_DAYS,
                    number_of_snapshots_to_retain=SNAPSHOTS_TO_RETAIN,
                    clean_expired_files=True,
                )
            )
        elif kind == "orphan_file_deletion":
            extra["orphan_file_deletion_configuration"] = config.OrphanFileDeletionConfigurationProperty(
                iceberg_configuration=config.IcebergConfigurationProperty(
                    orphan_file_retention_period_in_days=ORPHAN_RETENTION_DAYS, location=table_location
                )
            )
        return config.TableOptimizerConfigurationProperty(enabled=True, role_arn=self.role.role_arn, **extra)
