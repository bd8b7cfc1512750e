"""IAM in CloudFormation: AWS::IAM::Role ManagedPolicyArns, which moto ignores.

`install()` wraps moto's role create to attach each managed policy (list_attached_role_policies shows them)
and its update to re-sync them. moto only knows AWS-managed policies when MOTO_IAM_LOAD_MANAGED_POLICIES is
set; an AWS-managed ARN it does not know is loaded on demand from moto's own copy of AWS's policy list, so
it is attached with its real document. An ARN that exists nowhere fails the stack, as on AWS.
"""

from __future__ import annotations

import functools
import json
from typing import Any

from ._cfn import get_partition, wrap_classmethod
from candlefish_ops.local.moto.compat import backend, patch


@functools.lru_cache(maxsize=1)
def _aws_managed_policy_data() -> dict[str, Any]:
    from moto.iam.aws_managed_policies import aws_managed_policies_data

    return json.loads(aws_managed_policies_data)


def _ensure_aws_managed_policy(backend: Any, arn: str) -> None:
    from moto.iam.models import AWSManagedPolicy

    if arn in backend.managed_policies or ":iam::aws:policy/" not in arn:
        return
    name = arn.rsplit("/", 1)[-1]
    data = _aws_managed_policy_data().get(name)
    if data is not None:
        policy = AWSManagedPolicy.from_data(name, backend.account_id, backend.region_name, data)
        backend.managed_policies[policy.arn] = policy


def sync_managed_policies(backend: Any, role_name: str, arns: list[str]) -> None:
    role = backend.get_role(role_name)
    for arn in set(role.managed_policies) - set(arns):
        backend.detach_role_policy(arn, role_name)
    for arn in arns:
        if arn not in role.managed_policies:
            _ensure_aws_managed_policy(backend, arn)
            backend.attach_role_policy(arn, role_name)


def _backend(account_id: str, region_name: str) -> Any:

    return backend("iam", account_id, get_partition(region_name))


def _after_create(role: Any, resource_name: str, cloudformation_json: dict[str, Any], account_id: str,
                  region_name: str, **kwargs: Any) -> Any:
    arns = list((cloudformation_json.get("Properties") or {}).get("ManagedPolicyArns", []))
    sync_managed_policies(_backend(account_id, region_name), role.name, arns)
    return role


def _after_update(role: Any, *args: Any, **kwargs: Any) -> Any:
    cloudformation_json = kwargs.get("cloudformation_json", args[2] if len(args) > 2 else {})
    account_id = kwargs.get("account_id", args[3] if len(args) > 3 else None)
    region_name = kwargs.get("region_name", args[4] if len(args) > 4 else None)
    arns = list((cloudformation_json.get("Properties") or {}).get("ManagedPolicyArns", []))
    sync_managed_policies(_backend(account_id, region_name), role.name, arns)
    return role


def _detaching_delete(original: Any) -> Any:
    """moto's role delete, after detaching the managed policies (CloudFormation detaches them too)."""

    def delete(cls: type, resource_name: str, cloudformation_json: dict[str, Any], account_id: str,
               region_name: str) -> None:
        backend = _backend(account_id, region_name)
        role = next((r for r in backend.roles.values() if r.name == resource_name), None)
        if role is not None:
            sync_managed_policies(backend, role.name, [])
        original(cls, resource_name, cloudformation_json, account_id, region_name)

    delete._candlefish = True  # type: ignore[attr-defined]
    return classmethod(delete)


def install() -> None:
    from moto.iam.models import Role

    wrap_classmethod(Role, "create_from_cloudformation_json", _after_create)
    wrap_classmethod(Role, "update_from_cloudformation_json", _after_update)
    original_delete = Role.__dict__["delete_from_cloudformation_json"].__func__
    if not getattr(original_delete, "_candlefish", False):
        patch(Role, "delete_from_cloudformation_json", _detaching_delete(original_delete))
