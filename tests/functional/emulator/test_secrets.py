"""Secrets Manager secrets of a stack are materialised with their (generated) values."""

from __future__ import annotations

import copy
import json
import string

import pytest

TEMPLATE = {
    "Resources": {
        "TokenKey": {"Type": "AWS::SecretsManager::Secret", "Properties": {
            "Name": "production/candlefish/ws-token-key", "Description": "HMAC key",
            "KmsKeyId": "alias/candlefish", "Tags": [{"Key": "service", "Value": "api"}],
            "GenerateSecretString": {"PasswordLength": 64, "ExcludePunctuation": True}}},
        "DbLogin": {"Type": "AWS::SecretsManager::Secret", "Properties": {
            "GenerateSecretString": {"SecretStringTemplate": "{\"username\": \"app\"}",
                                     "GenerateStringKey": "password", "PasswordLength": 20}}},
        "Plain": {"Type": "AWS::SecretsManager::Secret", "Properties": {"Name": "plain", "SecretString": "v1"}},
    },
    "Outputs": {"TokenKeyArn": {"Value": {"Ref": "TokenKey"}}, "DbLoginArn": {"Value": {"Fn::GetAtt": ["DbLogin", "Id"]}}},
}


@pytest.fixture
def secrets(client):
    return client("secretsmanager")


def test_generated_secret_is_readable(stack, secrets):
    stack.create(TEMPLATE)
    arn = stack.outputs()["TokenKeyArn"]

    described = secrets.describe_secret(SecretId=arn)
    assert described["Name"] == "production/candlefish/ws-token-key" and described["Description"] == "HMAC key"
    assert described["KmsKeyId"] == "alias/candlefish" and described["Tags"] == [{"Key": "service", "Value": "api"}]
    value = secrets.get_secret_value(SecretId=arn)["SecretString"]
    assert len(value) == 64 and not set(value) & set(string.punctuation)


def test_template_secret_and_literal_value(stack, secrets):
    stack.create(TEMPLATE)

    login = json.loads(secrets.get_secret_value(SecretId=stack.outputs()["DbLoginArn"])["SecretString"])
    assert login["username"] == "app" and len(login["password"]) == 20
    assert secrets.get_secret_value(SecretId="plain")["SecretString"] == "v1"


def test_update_and_delete(stack, secrets):
    stack.create(TEMPLATE)
    changed = copy.deepcopy(TEMPLATE)
    changed["Resources"]["Plain"]["Properties"]["SecretString"] = "v2"
    changed["Resources"]["TokenKey"]["Properties"]["Description"] = "HMAC key of connect tokens"

    stack.update(changed)
    assert secrets.get_secret_value(SecretId="plain")["SecretString"] == "v2"
    assert secrets.describe_secret(SecretId="production/candlefish/ws-token-key")["Description"].endswith("tokens")

    stack.delete()
    assert secrets.list_secrets()["SecretList"] == []


def test_rotation_schedule_is_recorded_on_the_secret(stack, secrets):
    template = {"Resources": {
        "Plain": TEMPLATE["Resources"]["Plain"],
        "Rotation": {"Type": "AWS::SecretsManager::RotationSchedule", "Properties": {
            "SecretId": {"Ref": "Plain"}, "RotationLambdaARN": "arn:aws:lambda:us-east-1:123456789012:function:rotate",
            "RotationRules": {"AutomaticallyAfterDays": 30}}}}}
    stack.create(template)

    described = secrets.describe_secret(SecretId="plain")
    assert described["RotationEnabled"] is True and described["RotationRules"] == {"AutomaticallyAfterDays": 30}
    assert described["RotationLambdaARN"].endswith(":function:rotate") and "NextRotationDate" in described
    assert secrets.get_secret_value(SecretId="plain")["SecretString"] == "v1"  # scheduled, not rotated
