"""DynamoDB tables of a stack keep point-in-time recovery and TTL, and update in place."""

from __future__ import annotations

import copy

import pytest

TEMPLATE = {"Resources": {"Ledger": {"Type": "AWS::DynamoDB::Table", "Properties": {
    "TableName": "waf-ledger", "BillingMode": "PAY_PER_REQUEST",
    "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
    "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
    "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": True},
    "TimeToLiveSpecification": {"AttributeName": "expiresAt", "Enabled": True},
}}}}


@pytest.fixture
def dynamodb(client):
    return client("dynamodb")


def _pitr(dynamodb) -> str:
    backups = dynamodb.describe_continuous_backups(TableName="waf-ledger")["ContinuousBackupsDescription"]
    return backups["PointInTimeRecoveryDescription"]["PointInTimeRecoveryStatus"]


def test_point_in_time_recovery_and_ttl_are_applied(stack, dynamodb):
    stack.create(TEMPLATE)

    assert _pitr(dynamodb) == "ENABLED"
    ttl = dynamodb.describe_time_to_live(TableName="waf-ledger")["TimeToLiveDescription"]
    assert ttl == {"TimeToLiveStatus": "ENABLED", "AttributeName": "expiresAt"}


def test_update_turns_recovery_off_and_keeps_the_table(stack, dynamodb):
    stack.create(TEMPLATE)
    dynamodb.put_item(TableName="waf-ledger", Item={"pk": {"S": "kept"}})
    changed = copy.deepcopy(TEMPLATE)
    props = changed["Resources"]["Ledger"]["Properties"]
    props["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"] = False
    props["Tags"] = [{"Key": "tier", "Value": "security"}]

    stack.update(changed)

    assert _pitr(dynamodb) == "DISABLED"
    assert dynamodb.get_item(TableName="waf-ledger", Key={"pk": {"S": "kept"}})["Item"]["pk"]["S"] == "kept"
    arn = dynamodb.describe_table(TableName="waf-ledger")["Table"]["TableArn"]
    assert dynamodb.list_tags_of_resource(ResourceArn=arn)["Tags"] == [{"Key": "tier", "Value": "security"}]
