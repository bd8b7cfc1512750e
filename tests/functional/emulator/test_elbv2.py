"""Load balancer and target group attributes of a stack are applied in the emulator's ELBv2 service."""

from __future__ import annotations

TEMPLATE = {
    "Resources": {
        "Vpc": {"Type": "AWS::EC2::VPC", "Properties": {"CidrBlock": "10.8.0.0/16"}},
        "A": {"Type": "AWS::EC2::Subnet", "Properties": {"VpcId": {"Ref": "Vpc"}, "CidrBlock": "10.8.0.0/24",
                                                         "AvailabilityZone": "us-east-1a"}},
        "B": {"Type": "AWS::EC2::Subnet", "Properties": {"VpcId": {"Ref": "Vpc"}, "CidrBlock": "10.8.1.0/24",
                                                         "AvailabilityZone": "us-east-1b"}},
        "Logs": {"Type": "AWS::S3::Bucket", "Properties": {"BucketName": "alb-test-logs"}},
        "Alb": {"Type": "AWS::ElasticLoadBalancingV2::LoadBalancer", "Properties": {
            "Name": "web", "Subnets": [{"Ref": "A"}, {"Ref": "B"}], "LoadBalancerAttributes": [
                {"Key": "access_logs.s3.enabled", "Value": "true"},
                {"Key": "access_logs.s3.bucket", "Value": {"Ref": "Logs"}},
                {"Key": "deletion_protection.enabled", "Value": "true"},
                {"Key": "idle_timeout.timeout_seconds", "Value": "60"}]}},
        "Targets": {"Type": "AWS::ElasticLoadBalancingV2::TargetGroup", "Properties": {
            "Name": "web", "Port": 8080, "Protocol": "HTTP", "VpcId": {"Ref": "Vpc"}, "TargetType": "ip",
            "TargetGroupAttributes": [{"Key": "deregistration_delay.timeout_seconds", "Value": "30"}]}},
    },
}


def test_load_balancer_and_target_group_attributes(stack, client):
    elbv2 = client("elbv2")
    stack.create(TEMPLATE)

    [balancer] = elbv2.describe_load_balancers(Names=["web"])["LoadBalancers"]
    attributes = {a["Key"]: a["Value"] for a in elbv2.describe_load_balancer_attributes(
        LoadBalancerArn=balancer["LoadBalancerArn"])["Attributes"]}
    assert attributes["access_logs.s3.enabled"] == "true" and attributes["access_logs.s3.bucket"] == "alb-test-logs"
    assert attributes["deletion_protection.enabled"] == "true" and attributes["idle_timeout.timeout_seconds"] == "60"
    [group] = elbv2.describe_target_groups(Names=["web"])["TargetGroups"]
    group_attributes = {a["Key"]: a["Value"] for a in elbv2.describe_target_group_attributes(
        TargetGroupArn=group["TargetGroupArn"])["Attributes"]}
    assert group_attributes["deregistration_delay.timeout_seconds"] == "30"
