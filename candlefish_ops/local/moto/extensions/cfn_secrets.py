"""Secrets Manager in CloudFormation: AWS::SecretsManager::Secret.

The secret is created in moto's Secrets Manager backend (describe_secret / get_secret_value see it) with its
description, KMS key, tags and value: SecretString, or one generated from GenerateSecretString by moto's own
get_random_password (length and character classes honoured; SecretStringTemplate + GenerateStringKey give
a JSON document). Ref = GetAtt Id = the secret's ARN. Delete is immediate (no recovery window), as
CloudFormation's. AWS::SecretsManager::RotationSchedule records the schedule on the secret (describe_secret
shows RotationEnabled, the Lambda ARN, the rules and the next rotation date) but does not rotate: moto's
rotation would invoke the rotation Lambda, which needs Docker. HostedRotationLambda is not supported.
"""

from __future__ import annotations

import json
import time
from typing import Any

from moto.core.common_models import CloudFormationModel

from ._cfn import BackendHandle, properties_of, tag_list
from candlefish_ops.local.moto.compat import backend

_GENERATOR_OPTIONS = {"ExcludeCharacters": ("exclude_characters", ""), "ExcludeNumbers": ("exclude_numbers", False),
                      "ExcludePunctuation": ("exclude_punctuation", False),
                      "ExcludeUppercase": ("exclude_uppercase", False), "ExcludeLowercase": ("exclude_lowercase", False),
                      "IncludeSpace": ("include_space", False),
                      "RequireEachIncludedType": ("require_each_included_type", True)}


def _backend(account_id: str, region_name: str) -> Any:

    return backend("secretsmanager", account_id, region_name)


def _bool(value: Any) -> bool:
    return value if isinstance(value, bool) else str(value).lower() == "true"


def generate_secret_string(backend: Any, spec: dict[str, Any]) -> str:
    options = {name: (_bool(spec[key]) if isinstance(default, bool) else spec[key]) if key in spec else default
               for key, (name, default) in _GENERATOR_OPTIONS.items()}
    password = json.loads(backend.get_random_password(int(spec.get("PasswordLength", 32)), **options))["RandomPassword"]
    if "SecretStringTemplate" not in spec:
        return password
    document = json.loads(spec["SecretStringTemplate"])
    document[spec["GenerateStringKey"]] = password
    return json.dumps(document)


class CfnSecret(BackendHandle, CloudFormationModel):
    """AWS::SecretsManager::Secret."""

    cfn_type = "AWS::SecretsManager::Secret"
    ref_attribute = "arn"
    attributes = {"Id": "arn"}

    def __init__(self, name: str, arn: str) -> None:
        self.name, self.arn = name, arn

    name_type = "Name"

    @classmethod
    def create_from_cloudformation_json(  # type: ignore[misc]
        cls, resource_name: str, cloudformation_json: dict[str, Any], account_id: str, region_name: str,
        **kwargs: Any,
    ) -> CfnSecret:
        props = properties_of(cloudformation_json)
        backend = _backend(account_id, region_name)
        value = props.get("SecretString")
        if value is None and "GenerateSecretString" in props:
            value = generate_secret_string(backend, props["GenerateSecretString"])
        created = json.loads(backend.create_secret(
            name=resource_name, secret_string=value, secret_binary=None, description=props.get("Description"),
            tags=tag_list(props.get("Tags")), kms_key_id=props.get("KmsKeyId"), client_request_token=None,
            replica_regions=[], force_overwrite=False))
        return cls(resource_name, created["ARN"])

    @classmethod
    def update_from_cloudformation_json(  # type: ignore[misc]
        cls, original_resource: CfnSecret, new_resource_name: str, cloudformation_json: dict[str, Any],
        account_id: str, region_name: str,
    ) -> CfnSecret:
        """A new name replaces the secret; otherwise description, key, tags and a given SecretString change."""
        if new_resource_name != original_resource.name:
            return super().update_from_cloudformation_json(
                original_resource, new_resource_name, cloudformation_json, account_id, region_name)
        props = properties_of(cloudformation_json)
        backend = _backend(account_id, region_name)
        secret = backend.secrets[original_resource.arn]
        secret.description = props.get("Description")
        secret.kms_key_id = props.get("KmsKeyId")
        secret.tags = tag_list(props.get("Tags"))
        if "SecretString" in props:
            backend.put_secret_value(original_resource.arn, props["SecretString"], None, None, ["AWSCURRENT"])
        return original_resource

    def delete(self, account_id: str, region_name: str) -> None:
        _backend(account_id, region_name).delete_secret(self.arn, None, True)


class CfnRotationSchedule(BackendHandle, CloudFormationModel):
    """AWS::SecretsManager::RotationSchedule: Ref = the secret's ARN."""

    cfn_type = "AWS::SecretsManager::RotationSchedule"
    ref_attribute = "secret_arn"

    def __init__(self, secret_arn: str) -> None:
        self.secret_arn = secret_arn

    @classmethod
    def create_from_cloudformation_json(  # type: ignore[misc]
        cls, resource_name: str, cloudformation_json: dict[str, Any], account_id: str, region_name: str,
        **kwargs: Any,
    ) -> CfnRotationSchedule:
        props = properties_of(cloudformation_json)
        if "HostedRotationLambda" in props:
            raise ValueError("HostedRotationLambda is not emulated: give RotationLambdaARN")
        secret = _backend(account_id, region_name).secrets[props["SecretId"]]
        days = int((props.get("RotationRules") or {}).get("AutomaticallyAfterDays", 30))
        secret.rotation_requested, secret.rotation_enabled = True, True
        secret.rotation_lambda_arn = props.get("RotationLambdaARN", "")
        secret.auto_rotate_after_days = days
        secret.next_rotation_date = int(time.time()) + days * 86400
        return cls(secret.arn)

    @classmethod
    def update_from_cloudformation_json(  # type: ignore[misc]
        cls, original_resource: CfnRotationSchedule, new_resource_name: str, cloudformation_json: dict[str, Any],
        account_id: str, region_name: str,
    ) -> CfnRotationSchedule:
        return cls.create_from_cloudformation_json(new_resource_name, cloudformation_json, account_id, region_name)

    def delete(self, account_id: str, region_name: str) -> None:
        backend = _backend(account_id, region_name)
        if self.secret_arn in backend.secrets:
            secret = backend.secrets[self.secret_arn]
            secret.rotation_enabled, secret.next_rotation_date = False, None
