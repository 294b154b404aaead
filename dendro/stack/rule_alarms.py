"""The alarms of the user's rules, rendered from the plan (dendro.alerts.aws_plan) as L1 alarms: one
form covers all three shapes (metric math over named metrics, a Metrics Insights SELECT, one metric)."""

from __future__ import annotations

from collections.abc import Callable

from aws_cdk import aws_cloudwatch as cloudwatch
from constructs import Construct

from dendro.alerts.aws_plan import PlannedAlarm

Q = cloudwatch.CfnAlarm.MetricDataQueryProperty


def _queries(planned: PlannedAlarm, namespace: str) -> list[Q]:
    stats = [
        Q(
            id=m.id,
            metric_stat=cloudwatch.CfnAlarm.MetricStatProperty(
                metric=cloudwatch.CfnAlarm.MetricProperty(
                    namespace=namespace,
                    metric_name=m.name,
                    dimensions=[
                        cloudwatch.CfnAlarm.DimensionProperty(name=k, value=v) for k, v in m.dimensions
                    ],
                ),
                period=planned.period,
                stat=m.statistic,
            ),
            # Alone, the metric is what the alarm watches; with an expression, the expression is.
            return_data=planned.expression is None,
        )
        for m in planned.metrics
    ]
    if planned.expression is None:
        return stats
    expression = Q(id="e", expression=planned.expression, label=planned.rule, return_data=True,
                   period=planned.period if not planned.metrics else None)  # fmt: skip
    return [expression, *stats]


def rule_alarm(
    scope: Construct, planned: PlannedAlarm, *, namespace: str, name: str, actions: list[str]
) -> cloudwatch.CfnAlarm:
    return cloudwatch.CfnAlarm(
        scope,
        planned.construct_id,
        alarm_name=name,
        alarm_description=planned.description,
        comparison_operator=planned.comparison,
        threshold=planned.threshold,
        evaluation_periods=planned.evaluation_periods,
        treat_missing_data=planned.treat_missing,
        metrics=_queries(planned, namespace),
        alarm_actions=actions,
        ok_actions=actions,
    )


NameFor = Callable[[str], str]
