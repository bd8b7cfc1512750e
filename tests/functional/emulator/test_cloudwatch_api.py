"""DescribeAlarms in the emulator combines its filters (moto alone uses only the first)."""


def test_state_and_name_prefix_filters_combine(aws):
    cloudwatch = aws.client("cloudwatch")
    for name in ("prod-api-p99", "prod-api-p50", "staging-api-p99"):
        cloudwatch.put_metric_alarm(AlarmName=name, MetricName="Latency", Namespace="AWS/ApiGateway",
                                    Statistic="Average", Period=60, EvaluationPeriods=1, Threshold=1,
                                    ComparisonOperator="GreaterThanThreshold")
    cloudwatch.set_alarm_state(AlarmName="prod-api-p99", StateValue="ALARM", StateReason="test")
    cloudwatch.set_alarm_state(AlarmName="staging-api-p99", StateValue="ALARM", StateReason="test")
    answer = cloudwatch.describe_alarms(AlarmNamePrefix="prod-", StateValue="ALARM")
    assert [a["AlarmName"] for a in answer["MetricAlarms"]] == ["prod-api-p99"]
    assert len(cloudwatch.describe_alarms(AlarmNamePrefix="prod-")["MetricAlarms"]) == 2
    assert len(cloudwatch.describe_alarms()["MetricAlarms"]) == 3
