"""Application Auto Scaling targets and policies of a stack are registered in the emulator."""

from __future__ import annotations

import copy

TEMPLATE = {
    "Resources": {
        "Cluster": {"Type": "AWS::ECS::Cluster", "Properties": {"ClusterName": "web"}},
        "Task": {"Type": "AWS::ECS::TaskDefinition", "Properties": {
            "Family": "web", "ContainerDefinitions": [{"Name": "web", "Image": "nginx", "Memory": 512}]}},
        "Service": {"Type": "AWS::ECS::Service", "Properties": {
            "Cluster": {"Ref": "Cluster"}, "ServiceName": "web", "TaskDefinition": {"Ref": "Task"}, "DesiredCount": 2}},
        "Target": {"Type": "AWS::ApplicationAutoScaling::ScalableTarget", "Properties": {
            "ServiceNamespace": "ecs", "ScalableDimension": "ecs:service:DesiredCount",
            "ResourceId": {"Fn::Sub": "service/web/${Service.Name}"}, "MinCapacity": 2, "MaxCapacity": 20}},
        "CpuPolicy": {"Type": "AWS::ApplicationAutoScaling::ScalingPolicy", "Properties": {
            "PolicyName": "web-cpu", "PolicyType": "TargetTrackingScaling", "ScalingTargetId": {"Ref": "Target"},
            "TargetTrackingScalingPolicyConfiguration": {
                "TargetValue": 60, "ScaleInCooldown": 120, "ScaleOutCooldown": 60,
                "PredefinedMetricSpecification": {"PredefinedMetricType": "ECSServiceAverageCPUUtilization"}}}},
    },
}


def test_target_and_policy_are_registered_updated_and_removed(stack, client):
    autoscaling = client("application-autoscaling")
    stack.create(TEMPLATE)

    [target] = autoscaling.describe_scalable_targets(ServiceNamespace="ecs")["ScalableTargets"]
    assert target["ResourceId"] == "service/web/web" and (target["MinCapacity"], target["MaxCapacity"]) == (2, 20)
    [policy] = autoscaling.describe_scaling_policies(ServiceNamespace="ecs")["ScalingPolicies"]
    assert policy["PolicyARN"] == stack.physical_id("CpuPolicy")
    assert policy["TargetTrackingScalingPolicyConfiguration"]["TargetValue"] == 60

    changed = copy.deepcopy(TEMPLATE)
    changed["Resources"]["Target"]["Properties"]["MaxCapacity"] = 10
    stack.update(changed)
    [target] = autoscaling.describe_scalable_targets(ServiceNamespace="ecs")["ScalableTargets"]
    assert target["MaxCapacity"] == 10

    stack.delete()
    assert autoscaling.describe_scalable_targets(ServiceNamespace="ecs")["ScalableTargets"] == []
    assert autoscaling.describe_scaling_policies(ServiceNamespace="ecs")["ScalingPolicies"] == []
