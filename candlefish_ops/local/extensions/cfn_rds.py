"""RDS in CloudFormation: give moto's DB subnet, parameter and security groups a physical id.

Without one, `Ref` to them yields moto's Python object, and a DB instance given
`DBParameterGroupName: !Ref Group` crashes CreateStack. `install()` adds `physical_resource_id` = the group
name, which is what AWS's Ref returns, so describe_db_instances shows the group names. moto's DB instance
model expected the objects there, so its create is wrapped to accept the names (as on AWS).
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any


def _name(self: Any) -> str:
    return self.name


def _named(value: Any) -> Any:
    return SimpleNamespace(name=value) if isinstance(value, str) else value


def _accepting_names(original: Any) -> Any:
    def create(cls: type, resource_name: str, cloudformation_json: dict[str, Any], account_id: str,
               region_name: str, **kwargs: Any) -> Any:
        props = dict(cloudformation_json.get("Properties") or {})
        if props.get("DBSubnetGroupName") is not None:
            props["DBSubnetGroupName"] = _named(props["DBSubnetGroupName"])
        props["DBSecurityGroups"] = [_named(group) for group in props.get("DBSecurityGroups") or []]
        return original(cls, resource_name, {**cloudformation_json, "Properties": props}, account_id, region_name,
                        **kwargs)

    create._candlefish = True  # type: ignore[attr-defined]
    return classmethod(create)


def install() -> None:
    from moto.rds.models import DBInstance, DBParameterGroup, DBSecurityGroup, DBSubnetGroup

    for model in (DBParameterGroup, DBSecurityGroup, DBSubnetGroup):
        if "physical_resource_id" not in model.__dict__:
            model.physical_resource_id = property(_name)  # type: ignore[attr-defined]
    original = DBInstance.__dict__["create_from_cloudformation_json"].__func__
    if not getattr(original, "_candlefish", False):
        DBInstance.create_from_cloudformation_json = _accepting_names(original)  # type: ignore[method-assign]
