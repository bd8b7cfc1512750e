"""SNS in CloudFormation: AWS::SNS::Subscription.

The subscription is made in moto's SNS backend of the topic's region (list_subscriptions_by_topic and
get_subscription_attributes see it) with its protocol, endpoint and attributes (raw delivery, filter
policy and scope, redrive and delivery policies, role). Ref = the subscription ARN. Changing the topic,
protocol or endpoint replaces it; attributes update in place.
"""

from __future__ import annotations

import json
from typing import Any

from moto.core.common_models import CloudFormationModel

from ._cfn import BackendHandle, properties_of

from candlefish_ops.local.moto.compat import backend

_ATTRIBUTES = ("RawMessageDelivery", "DeliveryPolicy", "FilterPolicy", "FilterPolicyScope", "RedrivePolicy",
               "SubscriptionRoleArn")


def _backend(account_id: str, topic_arn: str) -> Any:

    return backend("sns", account_id, topic_arn.split(":")[3])


def _attribute_text(value: Any) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    return value if isinstance(value, str) else json.dumps(value)


class CfnSubscription(BackendHandle, CloudFormationModel):
    """AWS::SNS::Subscription."""

    cfn_type = "AWS::SNS::Subscription"
    ref_attribute = "arn"

    def __init__(self, arn: str, topic_arn: str, protocol: str, endpoint: str) -> None:
        self.arn, self.topic_arn, self.protocol, self.endpoint = arn, topic_arn, protocol, endpoint

    @classmethod
    def create_from_cloudformation_json(  # type: ignore[misc]
        cls, resource_name: str, cloudformation_json: dict[str, Any], account_id: str, region_name: str,
        **kwargs: Any,
    ) -> CfnSubscription:
        props = properties_of(cloudformation_json)
        backend = _backend(account_id, props["TopicArn"])
        subscription = backend.subscribe(props["TopicArn"], props["Endpoint"], props["Protocol"])
        handle = cls(subscription.arn, props["TopicArn"], props["Protocol"], props["Endpoint"])
        handle._set_attributes(backend, props)
        return handle

    @classmethod
    def update_from_cloudformation_json(  # type: ignore[misc]
        cls, original_resource: CfnSubscription, new_resource_name: str, cloudformation_json: dict[str, Any],
        account_id: str, region_name: str,
    ) -> CfnSubscription:
        props = properties_of(cloudformation_json)
        same = (props["TopicArn"], props["Protocol"], props["Endpoint"]) == (
            original_resource.topic_arn, original_resource.protocol, original_resource.endpoint)
        if not same:
            return super().update_from_cloudformation_json(
                original_resource, new_resource_name, cloudformation_json, account_id, region_name)
        original_resource._set_attributes(_backend(account_id, original_resource.topic_arn), props)
        return original_resource

    def _set_attributes(self, backend: Any, props: dict[str, Any]) -> None:
        for name in _ATTRIBUTES:
            if name in props:
                backend.set_subscription_attributes(self.arn, name, _attribute_text(props[name]))

    def delete(self, account_id: str, region_name: str) -> None:
        _backend(account_id, self.topic_arn).unsubscribe(self.arn)
