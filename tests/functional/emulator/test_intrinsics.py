"""Fn::Cidr and dynamic references ({{resolve:...}}) are evaluated in templates deployed to the emulator."""

from __future__ import annotations

import pytest

from candlefish_ops.local.moto.extensions.cfn_intrinsics import cidr


def test_cidr_matches_aws_examples():
    assert cidr("192.168.0.0/24", 6, 5) == ["192.168.0.0/27", "192.168.0.32/27", "192.168.0.64/27",
                                            "192.168.0.96/27", "192.168.0.128/27", "192.168.0.160/27"]
    assert cidr("10.0.0.0/16", 2, 12) == ["10.0.0.0/20", "10.0.16.0/20"]


TEMPLATE = {
    "Parameters": {"VpcCidr": {"Type": "String", "Default": "10.0.0.0/16"}},
    "Resources": {
        "Vpc": {"Type": "AWS::EC2::VPC", "Properties": {"CidrBlock": {"Ref": "VpcCidr"}}},
        "SubnetB": {"Type": "AWS::EC2::Subnet", "Properties": {
            "VpcId": {"Ref": "Vpc"}, "AvailabilityZone": {"Fn::Select": [1, {"Fn::GetAZs": ""}]},
            "CidrBlock": {"Fn::Select": [1, {"Fn::Cidr": [{"Fn::GetAtt": ["Vpc", "CidrBlock"]}, 4, 12]}]}}},
        "Token": {"Type": "AWS::SecretsManager::Secret", "Properties": {
            "Name": "redis-auth", "SecretString": "{\"password\": \"p4ssw0rd-long-enough\"}"}},
        "Param": {"Type": "AWS::SSM::Parameter", "Properties": {
            "Name": "/candlefish/auth", "Type": "String",
            "Value": {"Fn::Sub": "{{resolve:secretsmanager:${Token}:SecretString:password}}"}}},
    },
    "Outputs": {"SubnetId": {"Value": {"Ref": "SubnetB"}}},
}


def test_cidr_and_secret_reference_in_a_stack(stack, client):
    stack.create(TEMPLATE)

    [subnet] = client("ec2").describe_subnets(SubnetIds=[stack.outputs()["SubnetId"]])["Subnets"]
    assert subnet["CidrBlock"] == "10.0.16.0/20"
    parameter = client("ssm").get_parameter(Name="/candlefish/auth")["Parameter"]
    assert parameter["Value"] == "p4ssw0rd-long-enough"


def test_missing_secret_fails_the_stack(stack):
    broken = {"Resources": {"Param": {"Type": "AWS::SSM::Parameter", "Properties": {
        "Name": "/x", "Type": "String", "Value": "{{resolve:secretsmanager:nope:SecretString:password}}"}}}}
    with pytest.raises(Exception, match="ResourceNotFoundException"):
        stack.create(broken)


YAML_TEMPLATE = """
Resources:
  Logs:
    Type: AWS::S3::Bucket
    Properties:
      BucketName: yaml-getatt-logs
  Skipped:
    Type: AWS::XRay::SamplingRule
    Properties:
      RuleName: never-materialised
  Param:
    Type: AWS::SSM::Parameter
    Properties:
      Name: /candlefish/getatt
      Type: String
      Value: !GetAtt [Logs, Arn]
      Description: !GetAtt Skipped.RuleArn
Outputs:
  Domain:
    Value: !GetAtt Logs.RegionalDomainName
"""


def test_yaml_getatt_forms_and_attribute_of_a_not_emulated_resource(stack, client):
    stack.cloudformation.create_stack(StackName=stack.name, TemplateBody=YAML_TEMPLATE)

    assert stack.status == "CREATE_COMPLETE"
    parameter = client("ssm").get_parameters(Names=["/candlefish/getatt"])["Parameters"][0]
    assert parameter["Value"] == "arn:aws:s3:::yaml-getatt-logs"
    described = client("ssm").describe_parameters()["Parameters"][0]
    assert "Description" not in described  # GetAtt of the skipped rule yields nothing, like its Ref
    assert stack.outputs()["Domain"].startswith("yaml-getatt-logs.s3.")
