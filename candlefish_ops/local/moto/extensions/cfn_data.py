"""DynamoDB in CloudFormation: the AWS::DynamoDB::Table properties moto ignores, and table updates.

moto's table model drops PointInTimeRecoverySpecification and TimeToLiveSpecification and has no update
(an update of a table resource would leave the stack holding nothing). `install()` wraps its create to apply
them (describe_continuous_backups / describe_time_to_live show them) and adds an in-place update of
billing mode, throughput, streams, deletion protection, PITR, TTL and tags; a new TableName replaces.
"""

from __future__ import annotations

from typing import Any

from ._cfn import properties_of, wrap_classmethod
from candlefish_ops.local.moto.compat import backend, patch


def _backend(account_id: str, region_name: str) -> Any:

    return backend("dynamodb", account_id, region_name)


def _bool(value: Any) -> bool:
    return value if isinstance(value, bool) else str(value).lower() == "true"


def apply_table_properties(backend: Any, name: str, props: dict[str, Any]) -> None:
    pitr = props.get("PointInTimeRecoverySpecification") or {}
    spec: dict[str, Any] = {"PointInTimeRecoveryEnabled": _bool(pitr.get("PointInTimeRecoveryEnabled", False))}
    if "RecoveryPeriodInDays" in pitr:
        spec["RecoveryPeriodInDays"] = int(pitr["RecoveryPeriodInDays"])
    backend.update_continuous_backups(name, spec)
    ttl = props.get("TimeToLiveSpecification")
    if ttl:
        backend.update_time_to_live(name, {"AttributeName": ttl["AttributeName"], "Enabled": _bool(ttl["Enabled"])})
    elif backend.get_table(name).ttl.get("TimeToLiveStatus") == "ENABLED":
        backend.update_time_to_live(name, {"AttributeName": backend.get_table(name).ttl["AttributeName"],
                                           "Enabled": False})


def _after_table_create(table: Any, resource_name: str, cloudformation_json: dict[str, Any], account_id: str,
                        region_name: str, **kwargs: Any) -> Any:
    apply_table_properties(_backend(account_id, region_name), table.name, properties_of(cloudformation_json))
    return table


def _update_table(cls: type, original_resource: Any, new_resource_name: str, cloudformation_json: dict[str, Any],
                  account_id: str, region_name: str) -> Any:
    props = properties_of(cloudformation_json)
    backend = _backend(account_id, region_name)
    if new_resource_name != original_resource.name:
        new = cls.create_from_cloudformation_json(new_resource_name, cloudformation_json, account_id, region_name)
        backend.delete_table(name=original_resource.name)
        return new
    billing_mode = "PAY_PER_REQUEST" if props.get("BillingMode") == "PAY_PER_REQUEST" else "PROVISIONED"
    table = backend.update_table(
        name=original_resource.name, attr_definitions=props.get("AttributeDefinitions"), global_index=[],
        throughput=props.get("ProvisionedThroughput"), billing_mode=billing_mode,
        stream_spec=props.get("StreamSpecification"),
        deletion_protection_enabled=_bool(props.get("DeletionProtectionEnabled", False)), warm_throughput=None)
    table.tags = list(props.get("Tags", []))
    apply_table_properties(backend, table.name, props)
    return table


def install() -> None:
    from moto.dynamodb.models.table import Table

    wrap_classmethod(Table, "create_from_cloudformation_json", _after_table_create)
    if not getattr(Table.__dict__.get("update_from_cloudformation_json"), "_candlefish", False):
        update = classmethod(_update_table)
        update._candlefish = True  # type: ignore[attr-defined]
        patch(Table, "update_from_cloudformation_json", update)
