"""KMS keys of a stack are usable through the KMS API (describe, policy, rotation, tags, encrypt)."""

from __future__ import annotations

import copy
import json

import pytest

POLICY = {"Version": "2012-10-17", "Statement": [{
    "Sid": "AccountAdministration", "Effect": "Allow", "Action": "kms:*", "Resource": "*",
    "Principal": {"AWS": {"Fn::Sub": "arn:${AWS::Partition}:iam::${AWS::AccountId}:root"}}}]}
TEMPLATE = {
    "Resources": {
        "DataKey": {"Type": "AWS::KMS::Key", "Properties": {
            "Description": "candlefish data", "EnableKeyRotation": True, "KeyPolicy": POLICY,
            "Tags": [{"Key": "service", "Value": "api"}]}},
        "DefaultPolicyKey": {"Type": "AWS::KMS::Key", "Properties": {"Description": "no policy given"}},
    },
    "Outputs": {"KeyId": {"Value": {"Ref": "DataKey"}}, "KeyArn": {"Value": {"Fn::GetAtt": ["DataKey", "Arn"]}},
                "OtherKeyId": {"Value": {"Fn::GetAtt": ["DefaultPolicyKey", "KeyId"]}}},
}


@pytest.fixture
def kms(client):
    return client("kms")


def test_key_is_described_with_policy_rotation_and_tags(stack, kms):
    stack.create(TEMPLATE)
    outputs = stack.outputs()

    metadata = kms.describe_key(KeyId=outputs["KeyId"])["KeyMetadata"]
    assert metadata["Arn"] == outputs["KeyArn"] and metadata["Description"] == "candlefish data"
    assert metadata["Enabled"] is True and metadata["KeySpec"] == "SYMMETRIC_DEFAULT"
    policy = json.loads(kms.get_key_policy(KeyId=outputs["KeyId"], PolicyName="default")["Policy"])
    assert policy["Statement"][0]["Principal"] == {"AWS": "arn:aws:iam::123456789012:root"}
    assert kms.get_key_rotation_status(KeyId=outputs["KeyId"])["KeyRotationEnabled"] is True
    assert kms.list_resource_tags(KeyId=outputs["KeyId"])["Tags"] == [{"TagKey": "service", "TagValue": "api"}]
    ciphertext = kms.encrypt(KeyId=outputs["KeyArn"], Plaintext=b"secret")["CiphertextBlob"]
    assert kms.decrypt(CiphertextBlob=ciphertext)["Plaintext"] == b"secret"
    assert kms.describe_key(KeyId=outputs["OtherKeyId"])["KeyMetadata"]["Description"] == "no policy given"


def test_update_in_place_and_delete(stack, kms):
    stack.create(TEMPLATE)
    key_id = stack.outputs()["KeyId"]
    changed = copy.deepcopy(TEMPLATE)
    changed["Resources"]["DataKey"]["Properties"].update(EnableKeyRotation=False, Description="renamed")

    stack.update(changed)
    assert stack.outputs()["KeyId"] == key_id
    assert kms.get_key_rotation_status(KeyId=key_id)["KeyRotationEnabled"] is False
    assert kms.describe_key(KeyId=key_id)["KeyMetadata"]["Description"] == "renamed"

    stack.delete()
    assert kms.list_keys()["Keys"] == []
