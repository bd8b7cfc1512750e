"""CloudWatch Logs in CloudFormation: AWS::Logs::LogGroup's KMS key and updates.

moto's log group model reads the KMS key from a `kmsKeyId` argument while CloudFormation says `KmsKeyId`
(describe_log_groups then shows no key), and it has no update (an update would leave the stack holding
nothing). `install()` wraps its create to keep the key and adds an in-place update of retention, key and
tags; a new LogGroupName replaces the group.
"""

from __future__ import annotations

from typing import Any

from ._cfn import wrap_classmethod
from candlefish_ops.local.moto.compat import backend, patch


def _backend(account_id: str, region_name: str) -> Any:

    return backend("logs", account_id, region_name)


def _after_create(group: Any, resource_name: str, cloudformation_json: dict[str, Any], account_id: str,
                  region_name: str, **kwargs: Any) -> Any:
    group.kms_key_id = (cloudformation_json.get("Properties") or {}).get("KmsKeyId")
    return group


def _update(cls: type, original_resource: Any, new_resource_name: str, cloudformation_json: dict[str, Any],
            account_id: str, region_name: str) -> Any:
    props = cloudformation_json.get("Properties") or {}
    if new_resource_name != original_resource.name:
        new = cls.create_from_cloudformation_json(new_resource_name, cloudformation_json, account_id, region_name)
        original_resource.delete(account_id, region_name)
        return new
    retention = props.get("RetentionInDays")
    original_resource.retention_in_days = None if retention is None else int(retention)
    original_resource.kms_key_id = props.get("KmsKeyId")
    backend = _backend(account_id, region_name)
    backend.tagger.delete_all_tags_for_resource(original_resource.arn)
    backend.tagger.tag_resource(original_resource.arn, list(props.get("Tags", [])))
    return original_resource


def install() -> None:
    from moto.logs.models import LogGroup

    wrap_classmethod(LogGroup, "create_from_cloudformation_json", _after_create)
    patch(LogGroup, "update_from_cloudformation_json", classmethod(_update))
