"""AWS::Lambda::Version: Ref and Fn::GetAtt give the version ARN, as Lambda@Edge associations need."""

from __future__ import annotations

import copy

import pytest

TEMPLATE = {
    "Resources": {
        "Role": {"Type": "AWS::IAM::Role", "Properties": {"AssumeRolePolicyDocument": {
            "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                    "Principal": {"Service": "lambda.amazonaws.com"}}]}}},
        "Resize": {"Type": "AWS::Lambda::Function", "Properties": {
            "FunctionName": "image-resize", "Runtime": "python3.12", "Handler": "index.handler",
            "Role": {"Fn::GetAtt": ["Role", "Arn"]}, "Code": {"ZipFile": "def handler(e, c):\n    return e\n"},
            "Architectures": ["arm64"], "TracingConfig": {"Mode": "Active"}, "ReservedConcurrentExecutions": 200,
            "KmsKeyArn": "arn:aws:kms:us-east-1:123456789012:key/k", "Tags": [{"Key": "service", "Value": "edge"}]}},
        "ResizeVersion": {"Type": "AWS::Lambda::Version", "Properties": {"FunctionName": {"Ref": "Resize"}}},
    },
    "Outputs": {
        "VersionRef": {"Value": {"Ref": "ResizeVersion"}},
        "VersionArn": {"Value": {"Fn::GetAtt": ["ResizeVersion", "FunctionArn"]}},
        "VersionNumber": {"Value": {"Fn::GetAtt": ["ResizeVersion", "Version"]}},
    },
}


@pytest.fixture
def awslambda(client):
    return client("lambda")


def test_version_ref_is_the_published_version_arn(stack, awslambda):
    stack.create(TEMPLATE)
    outputs = stack.outputs()

    assert outputs["VersionRef"] == "arn:aws:lambda:us-east-1:123456789012:function:image-resize:1"
    assert outputs["VersionArn"] == outputs["VersionRef"] and outputs["VersionNumber"] == "1"
    published = awslambda.get_function(FunctionName=outputs["VersionRef"])["Configuration"]
    assert published["Version"] == "1"


def test_update_with_new_code_publishes_a_new_version(stack, awslambda):
    stack.create(TEMPLATE)
    changed = copy.deepcopy(TEMPLATE)
    changed["Resources"]["Resize"]["Properties"]["Code"]["ZipFile"] = "def handler(e, c):\n    return None\n"
    changed["Resources"]["ResizeVersion"]["Properties"]["Description"] = "v2"

    stack.update(changed)

    assert stack.outputs()["VersionRef"].endswith(":image-resize:2")
    versions = awslambda.list_versions_by_function(FunctionName="image-resize")["Versions"]
    assert "2" in [v["Version"] for v in versions]


def test_delete_removes_function_and_versions(stack, awslambda):
    stack.create(TEMPLATE)
    stack.delete()
    assert "image-resize" not in [f["FunctionName"] for f in awslambda.list_functions()["Functions"]]


def test_function_keeps_architecture_tracing_key_concurrency_and_tags(stack, awslambda):
    stack.create(TEMPLATE)

    function = awslambda.get_function(FunctionName="image-resize")
    configuration = function["Configuration"]
    assert configuration["Architectures"] == ["arm64"] and configuration["TracingConfig"] == {"Mode": "Active"}
    assert configuration["KMSKeyArn"].endswith("key/k")
    assert function["Concurrency"] == {"ReservedConcurrentExecutions": 200}
    assert function["Tags"] == {"service": "edge"}
    published = awslambda.get_function(FunctionName=stack.outputs()["VersionRef"])["Configuration"]
    assert published["Architectures"] == ["arm64"]
