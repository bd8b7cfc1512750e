"""CloudWatch alarms and dashboards of a stack are materialised in the emulator's CloudWatch service."""

from __future__ import annotations

import copy
import json

import pytest

TEMPLATE = {
    "Parameters": {"Threshold": {"Type": "Number", "Default": "5"}},
    "Resources": {
        "Alerts": {"Type": "AWS::SNS::Topic", "Properties": {"TopicName": "alerts"}},
        "Errors5xx": {"Type": "AWS::CloudWatch::Alarm", "Properties": {
            "AlarmName": "edge-5xx-rate", "AlarmDescription": "5xx above threshold",
            "Namespace": "AWS/CloudFront", "MetricName": "5xxErrorRate", "Statistic": "Average",
            "Dimensions": [{"Name": "DistributionId", "Value": "E123"}, {"Name": "Region", "Value": "Global"}],
            "Period": 300, "EvaluationPeriods": 3, "DatapointsToAlarm": 2, "Threshold": {"Ref": "Threshold"},
            "ComparisonOperator": "GreaterThanThreshold", "TreatMissingData": "notBreaching",
            "AlarmActions": [{"Ref": "Alerts"}], "OKActions": [{"Ref": "Alerts"}]}},
        "ErrorRatio": {"Type": "AWS::CloudWatch::Alarm", "Properties": {
            "ComparisonOperator": "GreaterThanOrEqualToThreshold", "EvaluationPeriods": 1, "Threshold": 0.01,
            "Metrics": [
                {"Id": "errors", "ReturnData": False, "MetricStat": {"Period": 60, "Stat": "Sum", "Metric": {
                    "Namespace": "AWS/Lambda", "MetricName": "Errors",
                    "Dimensions": [{"Name": "FunctionName", "Value": "image-resize"}]}}},
                {"Id": "invocations", "ReturnData": False, "MetricStat": {"Period": 60, "Stat": "Sum", "Metric": {
                    "Namespace": "AWS/Lambda", "MetricName": "Invocations"}}},
                {"Id": "ratio", "Expression": "errors / invocations", "Label": "error ratio", "ReturnData": True},
            ]}},
        "Anything": {"Type": "AWS::CloudWatch::CompositeAlarm", "Properties": {
            "AlarmName": "edge-any", "AlarmRule": "ALARM(edge-5xx-rate)", "AlarmActions": [{"Ref": "Alerts"}]}},
        "Board": {"Type": "AWS::CloudWatch::Dashboard", "Properties": {
            "DashboardName": "edge", "DashboardBody": json.dumps({"widgets": []})}},
    },
    "Outputs": {"AlarmArn": {"Value": {"Fn::GetAtt": ["Errors5xx", "Arn"]}},
                "RatioAlarm": {"Value": {"Ref": "ErrorRatio"}}},
}


@pytest.fixture
def cloudwatch(client):
    return client("cloudwatch")


def test_metric_alarm_is_readable_through_cloudwatch(stack, cloudwatch):
    stack.create(TEMPLATE, {"Threshold": "7.5"})

    [alarm] = cloudwatch.describe_alarms(AlarmNames=["edge-5xx-rate"])["MetricAlarms"]
    assert alarm["AlarmArn"] == stack.outputs()["AlarmArn"]
    assert (alarm["Threshold"], alarm["ComparisonOperator"]) == (7.5, "GreaterThanThreshold")
    assert (alarm["Period"], alarm["EvaluationPeriods"], alarm["DatapointsToAlarm"]) == (300, 3, 2)
    assert alarm["MetricName"] == "5xxErrorRate" and alarm["Statistic"] == "Average"
    assert {d["Name"]: d["Value"] for d in alarm["Dimensions"]} == {"DistributionId": "E123", "Region": "Global"}
    assert alarm["TreatMissingData"] == "notBreaching"
    assert alarm["AlarmActions"] == [stack.physical_id("Alerts")] == alarm["OKActions"]


def test_metric_math_and_composite_alarms(stack, cloudwatch):
    stack.create(TEMPLATE)

    [ratio] = cloudwatch.describe_alarms(AlarmNames=[stack.outputs()["RatioAlarm"]])["MetricAlarms"]
    queries = {q["Id"]: q for q in ratio["Metrics"]}
    assert queries["ratio"]["Expression"] == "errors / invocations"
    assert queries["errors"]["MetricStat"]["Metric"]["Dimensions"] == [{"Name": "FunctionName", "Value": "image-resize"}]
    [composite] = cloudwatch.describe_alarms(AlarmNames=["edge-any"], AlarmTypes=["CompositeAlarm"])["CompositeAlarms"]
    assert composite["AlarmRule"] == "ALARM(edge-5xx-rate)"
    assert cloudwatch.list_dashboards()["DashboardEntries"][0]["DashboardName"] == "edge"


def test_update_changes_threshold_and_delete_removes_alarms(stack, cloudwatch):
    stack.create(TEMPLATE)
    changed = copy.deepcopy(TEMPLATE)
    changed["Resources"]["Errors5xx"]["Properties"]["EvaluationPeriods"] = 5

    stack.update(changed, {"Threshold": "2"})
    [alarm] = cloudwatch.describe_alarms(AlarmNames=["edge-5xx-rate"])["MetricAlarms"]
    assert (alarm["Threshold"], alarm["EvaluationPeriods"]) == (2.0, 5)

    stack.delete()
    assert cloudwatch.describe_alarms()["MetricAlarms"] == []
    assert cloudwatch.describe_alarms(AlarmTypes=["CompositeAlarm"])["CompositeAlarms"] == []
