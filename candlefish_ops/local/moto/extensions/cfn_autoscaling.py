"""Application Auto Scaling in CloudFormation: ScalableTarget and ScalingPolicy.

Registered in moto's Application Auto Scaling backend (describe_scalable_targets / describe_scaling_policies
see them): the target's namespace, dimension, resource id (an ECS service must exist, as on AWS), capacity
bounds, role and suspended state; the policy's name, type and target-tracking or step configuration.
Ref of a target = "resource|dimension|namespace" (as on AWS); of a policy = its ARN. Capacity and policy
configuration update in place.
"""

from __future__ import annotations

from typing import Any

from moto.core.common_models import CloudFormationModel

from ._cfn import BackendHandle, properties_of
from candlefish_ops.local.moto.compat import backend


def _backend(account_id: str, region_name: str) -> Any:

    return backend("applicationautoscaling", account_id, region_name)


def _int(value: Any) -> int | None:
    return None if value is None else int(value)


class CfnScalableTarget(BackendHandle, CloudFormationModel):
    """AWS::ApplicationAutoScaling::ScalableTarget (GetAtt Id)."""

    cfn_type = "AWS::ApplicationAutoScaling::ScalableTarget"
    attributes = {"Id": "physical_resource_id"}

    def __init__(self, namespace: str, resource_id: str, dimension: str) -> None:
        self.namespace, self.resource_id, self.dimension = namespace, resource_id, dimension

    @property
    def physical_resource_id(self) -> str:
        return f"{self.resource_id}|{self.dimension}|{self.namespace}"

    @classmethod
    def create_from_cloudformation_json(  # type: ignore[misc]
        cls, resource_name: str, cloudformation_json: dict[str, Any], account_id: str, region_name: str,
        **kwargs: Any,
    ) -> CfnScalableTarget:
        props = properties_of(cloudformation_json)
        target = _backend(account_id, region_name).register_scalable_target(
            props["ServiceNamespace"], props["ResourceId"], props["ScalableDimension"],
            _int(props.get("MinCapacity")), _int(props.get("MaxCapacity")), props.get("RoleARN"),
            props.get("SuspendedState"))
        return cls(target.service_namespace, target.resource_id, target.scalable_dimension)

    @classmethod
    def update_from_cloudformation_json(  # type: ignore[misc]
        cls, original_resource: CfnScalableTarget, new_resource_name: str, cloudformation_json: dict[str, Any],
        account_id: str, region_name: str,
    ) -> CfnScalableTarget:
        props = properties_of(cloudformation_json)
        if (props["ServiceNamespace"], props["ResourceId"], props["ScalableDimension"]) != (
                original_resource.namespace, original_resource.resource_id, original_resource.dimension):
            return super().update_from_cloudformation_json(
                original_resource, new_resource_name, cloudformation_json, account_id, region_name)
        return cls.create_from_cloudformation_json(new_resource_name, cloudformation_json, account_id, region_name)

    def delete(self, account_id: str, region_name: str) -> None:
        backend = _backend(account_id, region_name)
        if backend._scalable_target_exists(self.resource_id, self.dimension):
            backend.deregister_scalable_target(self.namespace, self.resource_id, self.dimension)


def _target_of(props: dict[str, Any]) -> tuple[str, str, str]:
    """(namespace, resource id, dimension) from ScalingTargetId or the three explicit properties."""
    if props.get("ScalingTargetId"):
        resource_id, dimension, namespace = props["ScalingTargetId"].split("|")
        return namespace, resource_id, dimension
    return props["ServiceNamespace"], props["ResourceId"], props["ScalableDimension"]


class CfnScalingPolicy(BackendHandle, CloudFormationModel):
    """AWS::ApplicationAutoScaling::ScalingPolicy (GetAtt Arn)."""

    cfn_type = "AWS::ApplicationAutoScaling::ScalingPolicy"
    ref_attribute = "arn"
    attributes = {"Arn": "arn"}

    def __init__(self, arn: str, name: str, target: tuple[str, str, str]) -> None:
        self.arn, self.name, self.target = arn, name, target

    name_type = "PolicyName"

    @classmethod
    def create_from_cloudformation_json(  # type: ignore[misc]
        cls, resource_name: str, cloudformation_json: dict[str, Any], account_id: str, region_name: str,
        **kwargs: Any,
    ) -> CfnScalingPolicy:
        props = properties_of(cloudformation_json)
        namespace, resource_id, dimension = _target_of(props)
        body = props.get("StepScalingPolicyConfiguration") or props.get("TargetTrackingScalingPolicyConfiguration")
        policy = _backend(account_id, region_name).put_scaling_policy(
            resource_name, namespace, resource_id, dimension, body, props["PolicyType"])
        return cls(policy.policy_arn, resource_name, (namespace, resource_id, dimension))

    @classmethod
    def update_from_cloudformation_json(  # type: ignore[misc]
        cls, original_resource: CfnScalingPolicy, new_resource_name: str, cloudformation_json: dict[str, Any],
        account_id: str, region_name: str,
    ) -> CfnScalingPolicy:
        if new_resource_name != original_resource.name:
            original_resource.delete(account_id, region_name)
        return cls.create_from_cloudformation_json(new_resource_name, cloudformation_json, account_id, region_name)

    def delete(self, account_id: str, region_name: str) -> None:
        from moto.applicationautoscaling.models import FakeApplicationAutoscalingPolicy

        namespace, resource_id, dimension = self.target
        key = FakeApplicationAutoscalingPolicy.formulate_key(namespace, resource_id, dimension, self.name)
        _backend(account_id, region_name).policies.pop(key, None)
