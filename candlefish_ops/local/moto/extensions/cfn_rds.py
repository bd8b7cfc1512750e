"""RDS in CloudFormation: give moto's DB subnet, parameter and security groups a physical id.

Without one, `Ref` to them yields moto's Python object, and a DB instance given
`DBParameterGroupName: !Ref Group` crashes CreateStack. `install()` adds `physical_resource_id` = the group
name, which is what AWS's Ref returns, so describe_db_instances shows the group names. moto's DB instance
model expected the objects there, so its create is wrapped to accept the names (as on AWS), and to apply
what it drops: DeletionProtection, VPCSecurityGroups, MaxAllocatedStorage, MonitoringInterval and
MonitoringRoleArn, EnableCloudwatchLogsExports, EnableIAMDatabaseAuthentication and
ManageMasterUserPassword (moto then keeps the master password in Secrets Manager, as RDS does). moto has no
DB instance update (a stack update left the stack holding nothing): one is added, in place.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from candlefish_ops.local.moto.compat import patch


def _name(self: Any) -> str:
    return self.name


def _named(value: Any) -> Any:
    return SimpleNamespace(name=value) if isinstance(value, str) else value


def _bool(value: Any) -> bool:
    return value if isinstance(value, bool) else str(value).lower() == "true"


def apply_instance_properties(instance: Any, props: dict[str, Any]) -> None:
    from moto.rds.models import MasterUserSecret

    instance.deletion_protection = _bool(props.get("DeletionProtection", False))
    if props.get("VPCSecurityGroups"):
        instance.vpc_security_group_ids = list(props["VPCSecurityGroups"])
    if isinstance(instance.allocated_storage, str):
        instance.allocated_storage = int(instance.allocated_storage)  # CloudFormation gives it as a string
    if props.get("MaxAllocatedStorage") is not None:
        instance.max_allocated_storage = int(props["MaxAllocatedStorage"])
    instance.monitoring_interval = int(props.get("MonitoringInterval", 0))
    instance.monitoring_role_arn = props.get("MonitoringRoleArn")
    instance.enabled_cloudwatch_logs_exports = list(props.get("EnableCloudwatchLogsExports", []))
    instance.enable_iam_database_authentication = _bool(props.get("EnableIAMDatabaseAuthentication", False))
    if _bool(props.get("ManageMasterUserPassword", False)) and not instance.manage_master_user_password:
        instance.manage_master_user_password = True
        instance.master_user_secret = MasterUserSecret(instance, (props.get("MasterUserSecret") or {}).get("KmsKeyId"))


def _accepting_names(original: Any) -> Any:
    def create(cls: type, resource_name: str, cloudformation_json: dict[str, Any], account_id: str,
               region_name: str, **kwargs: Any) -> Any:
        props = dict(cloudformation_json.get("Properties") or {})
        if props.get("DBSubnetGroupName") is not None:
            props["DBSubnetGroupName"] = _named(props["DBSubnetGroupName"])
        props["DBSecurityGroups"] = [_named(group) for group in props.get("DBSecurityGroups") or []]
        instance = original(cls, resource_name, {**cloudformation_json, "Properties": props}, account_id,
                            region_name, **kwargs)
        apply_instance_properties(instance, props)
        return instance

    create._candlefish = True  # type: ignore[attr-defined]
    return classmethod(create)


_MODIFIABLE = {"DBInstanceClass": ("db_instance_class", str), "AllocatedStorage": ("allocated_storage", int),
               "MultiAZ": ("multi_az", _bool), "BackupRetentionPeriod": ("backup_retention_period", int),
               "PreferredBackupWindow": ("preferred_backup_window", str),
               "PreferredMaintenanceWindow": ("preferred_maintenance_window", lambda v: str(v).lower()),
               "CopyTagsToSnapshot": ("copy_tags_to_snapshot", _bool), "EngineVersion": ("engine_version", str),
               "AutoMinorVersionUpgrade": ("auto_minor_version_upgrade", _bool), "StorageType": ("storage_type", str),
               "PubliclyAccessible": ("publicly_accessible", _bool)}


def _update_instance(cls: type, original_resource: Any, new_resource_name: str, cloudformation_json: dict[str, Any],
                     account_id: str, region_name: str) -> Any:
    """In place, as RDS modifies an instance; a new identifier replaces it."""
    props = cloudformation_json.get("Properties") or {}
    if new_resource_name.replace("_", "-") != original_resource.db_instance_identifier:
        new = cls.create_from_cloudformation_json(new_resource_name, cloudformation_json, account_id, region_name)
        original_resource.delete(account_id, region_name)
        return new
    for key, (attribute, convert) in _MODIFIABLE.items():
        if props.get(key) is not None:
            setattr(original_resource, attribute, convert(props[key]))
    apply_instance_properties(original_resource, props)
    return original_resource


def install() -> None:
    from moto.rds.models import DBInstance, DBParameterGroup, DBSecurityGroup, DBSubnetGroup

    for model in (DBParameterGroup, DBSecurityGroup, DBSubnetGroup):
        if "physical_resource_id" not in model.__dict__:
            model.physical_resource_id = property(_name)  # type: ignore[attr-defined]
    original = DBInstance.__dict__["create_from_cloudformation_json"].__func__
    if not getattr(original, "_candlefish", False):
        patch(DBInstance, "create_from_cloudformation_json", _accepting_names(original))
    patch(DBInstance, "update_from_cloudformation_json", classmethod(_update_instance))
