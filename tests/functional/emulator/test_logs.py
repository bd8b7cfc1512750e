"""CloudWatch Logs groups of a stack keep their KMS key and update in place."""

from __future__ import annotations

import copy

TEMPLATE = {"Resources": {"Access": {"Type": "AWS::Logs::LogGroup", "Properties": {
    "LogGroupName": "/candlefish/production/api-access", "RetentionInDays": 365,
    "KmsKeyId": "arn:aws:kms:us-east-1:123456789012:key/k", "Tags": [{"Key": "service", "Value": "api"}]}}}}


def test_log_group_keeps_key_and_updates_retention_in_place(stack, client):
    logs = client("logs")
    stack.create(TEMPLATE)
    [group] = logs.describe_log_groups(logGroupNamePrefix="/candlefish/")["logGroups"]
    assert (group["retentionInDays"], group["kmsKeyId"]) == (365, "arn:aws:kms:us-east-1:123456789012:key/k")

    changed = copy.deepcopy(TEMPLATE)
    changed["Resources"]["Access"]["Properties"].update(RetentionInDays=731, Tags=[{"Key": "service", "Value": "edge"}])
    stack.update(changed)

    [group] = logs.describe_log_groups(logGroupNamePrefix="/candlefish/")["logGroups"]
    assert group["retentionInDays"] == 731
    assert logs.list_tags_for_resource(resourceArn=group["logGroupArn"])["tags"] == {"service": "edge"}
    stack.delete()
    assert logs.describe_log_groups(logGroupNamePrefix="/candlefish/")["logGroups"] == []
