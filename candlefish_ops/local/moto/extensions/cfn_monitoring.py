"""CloudWatch alarms in CloudFormation: AWS::CloudWatch::Alarm and AWS::CloudWatch::CompositeAlarm.

The alarm is put into moto's CloudWatch backend (describe_alarms returns it) with its metric or metric-math
queries, statistic, threshold, comparison, periods, datapoints, missing-data treatment, actions and unit.
(AWS::CloudWatch::Dashboard is moto's own model.) moto starts alarms in OK and never evaluates them.
"""

from __future__ import annotations

from typing import Any

from moto.core.common_models import CloudFormationModel

from ._cfn import BackendHandle, properties_of, tag_list
from candlefish_ops.local.moto.compat import backend


def _backend(account_id: str, region_name: str) -> Any:

    return backend("cloudwatch", account_id, region_name)


def _int(value: Any) -> int | None:
    return None if value is None else int(value)


def _bool(value: Any, default: bool = True) -> bool:
    if value is None:
        return default
    return value if isinstance(value, bool) else str(value).lower() == "true"


def _metric_data_queries(metrics: list[dict[str, Any]]) -> list[Any]:
    from moto.cloudwatch.models import Dimension, Metric, MetricDataQuery, MetricStat

    queries = []
    for query in metrics:
        stat = None
        if "MetricStat" in query:
            details = query["MetricStat"]
            metric = details["Metric"]
            dimensions = [Dimension(d["Name"], d["Value"]) for d in metric.get("Dimensions", [])]
            stat = MetricStat(Metric(metric["MetricName"], metric.get("Namespace"), dimensions),
                              _int(details.get("Period")), details.get("Stat"), details.get("Unit"))
        queries.append(MetricDataQuery(query["Id"], query.get("Label"), _int(query.get("Period")),
                                       _bool(query.get("ReturnData")), query.get("Expression"), stat))
    return queries


def _alarm_arguments(name: str, props: dict[str, Any]) -> dict[str, Any]:
    threshold = props.get("Threshold")
    return {
        "name": name, "namespace": props.get("Namespace"), "metric_name": props.get("MetricName"),
        "metric_data_queries": _metric_data_queries(props.get("Metrics", [])) or None,
        "comparison_operator": props["ComparisonOperator"],
        "evaluation_periods": int(props["EvaluationPeriods"]),
        "datapoints_to_alarm": _int(props.get("DatapointsToAlarm")), "period": _int(props.get("Period")),
        "threshold": None if threshold is None else float(threshold), "statistic": props.get("Statistic"),
        "extended_statistic": props.get("ExtendedStatistic"), "description": props.get("AlarmDescription"),
        "dimensions": [{"Name": d["Name"], "Value": d["Value"]} for d in props.get("Dimensions", [])],
        "alarm_actions": list(props.get("AlarmActions", [])), "ok_actions": list(props.get("OKActions", [])),
        "insufficient_data_actions": list(props.get("InsufficientDataActions", [])), "unit": props.get("Unit"),
        "actions_enabled": _bool(props.get("ActionsEnabled")), "treat_missing_data": props.get("TreatMissingData"),
        "evaluate_low_sample_count_percentile": props.get("EvaluateLowSampleCountPercentile"),
        "threshold_metric_id": props.get("ThresholdMetricId"), "tags": tag_list(props.get("Tags")),
    }


class _AlarmHandle(BackendHandle):
    """Ref = the alarm name; GetAtt Arn. Renaming replaces, anything else updates in place (put again)."""

    ref_attribute = "name"
    attributes = {"Arn": "arn"}

    def __init__(self, name: str, arn: str) -> None:
        self.name, self.arn = name, arn

    name_type = "AlarmName"

    @classmethod
    def update_from_cloudformation_json(  # type: ignore[misc]
        cls, original_resource: Any, new_resource_name: str, cloudformation_json: dict[str, Any],
        account_id: str, region_name: str,
    ) -> Any:
        if new_resource_name != original_resource.name:
            return super().update_from_cloudformation_json(
                original_resource, new_resource_name, cloudformation_json, account_id, region_name)
        return cls.create_from_cloudformation_json(new_resource_name, cloudformation_json, account_id, region_name)

    def delete(self, account_id: str, region_name: str) -> None:
        _backend(account_id, region_name).delete_alarms([self.name])


class CfnAlarm(_AlarmHandle, CloudFormationModel):
    """AWS::CloudWatch::Alarm."""

    cfn_type = "AWS::CloudWatch::Alarm"

    @classmethod
    def create_from_cloudformation_json(  # type: ignore[misc]
        cls, resource_name: str, cloudformation_json: dict[str, Any], account_id: str, region_name: str,
        **kwargs: Any,
    ) -> CfnAlarm:
        props = properties_of(cloudformation_json)
        alarm = _backend(account_id, region_name).put_metric_alarm(**_alarm_arguments(resource_name, props))
        return cls(alarm.name, alarm.alarm_arn)


class CfnCompositeAlarm(_AlarmHandle, CloudFormationModel):
    """AWS::CloudWatch::CompositeAlarm (an alarm with an AlarmRule)."""

    cfn_type = "AWS::CloudWatch::CompositeAlarm"

    @classmethod
    def create_from_cloudformation_json(  # type: ignore[misc]
        cls, resource_name: str, cloudformation_json: dict[str, Any], account_id: str, region_name: str,
        **kwargs: Any,
    ) -> CfnCompositeAlarm:
        props = properties_of(cloudformation_json)
        arguments = _alarm_arguments(resource_name, {"ComparisonOperator": None, "EvaluationPeriods": 1, **props})
        arguments.update(comparison_operator=None, evaluation_periods=None, rule=props["AlarmRule"])
        alarm = _backend(account_id, region_name).put_metric_alarm(**arguments)
        return cls(alarm.name, alarm.alarm_arn)
