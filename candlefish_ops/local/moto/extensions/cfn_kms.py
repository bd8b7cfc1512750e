"""KMS in CloudFormation: make moto's AWS::KMS::Key usable.

moto's own model requires KeyPolicy, stores it as a dict (so describe_key / get_key_policy then fail),
ignores KeySpec, KeyUsage and MultiRegion, and has no update. `install()` replaces its create with one that
stores the policy as JSON (AWS's default policy when absent) and honours those properties plus
EnableKeyRotation, Enabled and Tags, and adds an in-place update. Ref = key id; GetAtt Arn, KeyId.
"""

from __future__ import annotations

import json
from typing import Any

from moto.cloudformation.exceptions import UnformattedGetAttTemplateException

from candlefish_ops.local.moto.compat import backend, patch

_ATTRIBUTES = {"Arn": "arn", "KeyId": "id"}


def _backend(account_id: str, region_name: str) -> Any:

    return backend("kms", account_id, region_name)


def _bool(value: Any, default: bool) -> bool:
    if value is None:
        return default
    return value if isinstance(value, bool) else str(value).lower() == "true"


def _policy_text(policy: Any) -> str | None:
    if policy is None or isinstance(policy, str):
        return policy
    return json.dumps(policy)


def _kms_tags(props: dict[str, Any]) -> list[dict[str, str]]:
    return [{"TagKey": tag["Key"], "TagValue": tag["Value"]} for tag in props.get("Tags", [])]


def _configure(key: Any, props: dict[str, Any]) -> None:
    key.description = props.get("Description", "")
    key.key_rotation_status = _bool(props.get("EnableKeyRotation"), False)
    key.enabled = _bool(props.get("Enabled"), True)
    key.key_state = "Enabled" if key.enabled else "Disabled"
    if props.get("KeyPolicy") is not None:
        key.policy = _policy_text(props["KeyPolicy"])


def _create(cls: type, resource_name: str, cloudformation_json: dict[str, Any], account_id: str, region_name: str,
            **kwargs: Any) -> Any:
    props = cloudformation_json.get("Properties") or {}
    key = _backend(account_id, region_name).create_key(
        policy=_policy_text(props.get("KeyPolicy")), key_usage=props.get("KeyUsage", "ENCRYPT_DECRYPT"),
        key_spec=props.get("KeySpec", "SYMMETRIC_DEFAULT"), description=props.get("Description", ""),
        tags=_kms_tags(props), multi_region=_bool(props.get("MultiRegion"), False))
    _configure(key, props)
    return key


def _update(cls: type, original_resource: Any, new_resource_name: str, cloudformation_json: dict[str, Any],
            account_id: str, region_name: str) -> Any:
    props = cloudformation_json.get("Properties") or {}
    _configure(original_resource, props)
    backend = _backend(account_id, region_name)
    backend.tagger.delete_all_tags_for_resource(original_resource.id)
    backend.tagger.tag_resource(original_resource.id, _kms_tags(props))
    return original_resource


def _has_cfn_attr(cls: type, attr: str) -> bool:
    return attr in _ATTRIBUTES


def _get_cfn_attribute(self: Any, attribute_name: str) -> Any:
    if attribute_name not in _ATTRIBUTES:
        raise UnformattedGetAttTemplateException()
    return getattr(self, _ATTRIBUTES[attribute_name])


def install() -> None:
    from moto.kms.models import Key

    patch(Key, "create_from_cloudformation_json", classmethod(_create))
    patch(Key, "update_from_cloudformation_json", classmethod(_update))
    patch(Key, "has_cfn_attr", classmethod(_has_cfn_attr))
    patch(Key, "get_cfn_attribute", _get_cfn_attribute)
