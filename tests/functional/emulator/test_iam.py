"""IAM roles of a stack get their managed policies attached (moto alone drops ManagedPolicyArns)."""

from __future__ import annotations

import copy

import pytest

TRUST = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                 "Principal": {"Service": "lambda.amazonaws.com"}}]}
TEMPLATE = {"Resources": {
    "Custom": {"Type": "AWS::IAM::ManagedPolicy", "Properties": {"PolicyDocument": {
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}}},
    "Handler": {"Type": "AWS::IAM::Role", "Properties": {
        "RoleName": "handler", "AssumeRolePolicyDocument": TRUST,
        "ManagedPolicyArns": ["arn:aws:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole",
                              {"Ref": "Custom"}]}},
}}


@pytest.fixture
def iam(client):
    return client("iam")


def _attached(iam) -> set[str]:
    return {p["PolicyArn"] for p in iam.list_attached_role_policies(RoleName="handler")["AttachedPolicies"]}


def test_managed_policies_are_attached_updated_and_detached(stack, iam):
    stack.create(TEMPLATE)
    custom = stack.physical_id("Custom")
    assert _attached(iam) == {"arn:aws:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole", custom}

    changed = copy.deepcopy(TEMPLATE)
    changed["Resources"]["Handler"]["Properties"]["ManagedPolicyArns"] = ["arn:aws:iam::aws:policy/AWSXRayDaemonWriteAccess"]
    stack.update(changed)
    assert _attached(iam) == {"arn:aws:iam::aws:policy/AWSXRayDaemonWriteAccess"}

    stack.delete()
    assert "handler" not in [r["RoleName"] for r in iam.list_roles()["Roles"]]


def test_unknown_managed_policy_fails_the_stack(stack):
    broken = copy.deepcopy(TEMPLATE)
    broken["Resources"]["Handler"]["Properties"]["ManagedPolicyArns"] = ["arn:aws:iam::aws:policy/NoSuchPolicy"]
    with pytest.raises(Exception, match="NoSuchPolicy"):
        stack.create(broken)
