"""A distribution's monitoring subscription (additional metrics), from a stack and through the API."""

from __future__ import annotations

import copy

import pytest
from botocore.exceptions import ClientError

from tests.functional.emulator.test_cloudfront import TEMPLATE


def with_subscription(status: str = "Enabled") -> dict:
    template = copy.deepcopy(TEMPLATE)
    template["Resources"]["Metrics"] = {
        "Type": "AWS::CloudFront::MonitoringSubscription",
        "Properties": {"DistributionId": {"Ref": "Cdn"}, "MonitoringSubscription": {
            "RealtimeMetricsSubscriptionConfig": {"RealtimeMetricsSubscriptionStatus": status}}}}
    template.setdefault("Outputs", {})["MetricsRef"] = {"Value": {"Ref": "Metrics"}}
    return template


def status_of(cloudfront, distribution_id: str) -> str:
    answer = cloudfront.get_monitoring_subscription(DistributionId=distribution_id)["MonitoringSubscription"]
    return answer["RealtimeMetricsSubscriptionConfig"]["RealtimeMetricsSubscriptionStatus"]


@pytest.fixture
def cloudfront(client):
    return client("cloudfront")


def test_the_stack_subscribes_the_distribution_to_additional_metrics(stack, cloudfront):
    stack.create(with_subscription())
    distribution_id = stack.physical_id("Cdn")
    assert stack.outputs()["MetricsRef"] == distribution_id
    assert status_of(cloudfront, distribution_id) == "Enabled"

    stack.update(with_subscription("Disabled"))
    assert stack.physical_id("Cdn") == distribution_id
    assert status_of(cloudfront, distribution_id) == "Disabled"

    stack.update(TEMPLATE)  # the resource removed from the template: the subscription goes with it
    with pytest.raises(ClientError) as missing:
        cloudfront.get_monitoring_subscription(DistributionId=distribution_id)
    assert missing.value.response["Error"]["Code"] == "NoSuchMonitoringSubscription"


def test_the_api_behaves_as_aws_documents_it(stack, cloudfront):
    stack.create(TEMPLATE)
    distribution_id = stack.physical_id("Cdn")
    enabled = {"RealtimeMetricsSubscriptionConfig": {"RealtimeMetricsSubscriptionStatus": "Enabled"}}
    with pytest.raises(ClientError) as missing:
        cloudfront.get_monitoring_subscription(DistributionId=distribution_id)
    assert missing.value.response["Error"]["Code"] == "NoSuchMonitoringSubscription"
    created = cloudfront.create_monitoring_subscription(DistributionId=distribution_id, MonitoringSubscription=enabled)
    assert created["MonitoringSubscription"] == enabled
    with pytest.raises(ClientError) as again:
        cloudfront.create_monitoring_subscription(DistributionId=distribution_id, MonitoringSubscription=enabled)
    assert again.value.response["Error"]["Code"] == "MonitoringSubscriptionAlreadyExists"
    with pytest.raises(ClientError) as unknown:
        cloudfront.create_monitoring_subscription(DistributionId="E000000000000", MonitoringSubscription=enabled)
    assert unknown.value.response["Error"]["Code"] == "NoSuchDistribution"
    cloudfront.delete_monitoring_subscription(DistributionId=distribution_id)
    with pytest.raises(ClientError) as deleted:
        cloudfront.delete_monitoring_subscription(DistributionId=distribution_id)
    assert deleted.value.response["Error"]["Code"] == "NoSuchMonitoringSubscription"
