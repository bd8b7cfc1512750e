"""SNS subscriptions of a stack are materialised in the emulator's SNS service."""

from __future__ import annotations

import copy
import json

TEMPLATE = {
    "Resources": {
        "Alarms": {"Type": "AWS::SNS::Topic", "Properties": {"TopicName": "alarms"}},
        "Email": {"Type": "AWS::SNS::Subscription", "Properties": {
            "TopicArn": {"Ref": "Alarms"}, "Protocol": "email", "Endpoint": "oncall@candlefish.ai",
            "FilterPolicy": {"severity": ["critical"]}}},
    },
    "Outputs": {"Subscription": {"Value": {"Ref": "Email"}}, "Topic": {"Value": {"Ref": "Alarms"}}},
}


def test_subscription_is_listed_with_its_attributes_updated_and_removed(stack, client):
    sns = client("sns")
    stack.create(TEMPLATE)
    outputs = stack.outputs()

    [subscription] = sns.list_subscriptions_by_topic(TopicArn=outputs["Topic"])["Subscriptions"]
    assert subscription["SubscriptionArn"] == outputs["Subscription"]
    assert (subscription["Protocol"], subscription["Endpoint"]) == ("email", "oncall@candlefish.ai")
    attributes = sns.get_subscription_attributes(SubscriptionArn=outputs["Subscription"])["Attributes"]
    assert json.loads(attributes["FilterPolicy"]) == {"severity": ["critical"]}

    changed = copy.deepcopy(TEMPLATE)
    changed["Resources"]["Email"]["Properties"]["FilterPolicy"] = {"severity": ["critical", "high"]}
    stack.update(changed)
    attributes = sns.get_subscription_attributes(SubscriptionArn=outputs["Subscription"])["Attributes"]
    assert json.loads(attributes["FilterPolicy"]) == {"severity": ["critical", "high"]}

    stack.delete()
    assert sns.list_subscriptions()["Subscriptions"] == []
