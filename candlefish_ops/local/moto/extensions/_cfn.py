"""Shared helpers for the CloudFormation models the extensions register with moto.

A model here is a *handle*: CloudFormation keeps it in the stack's resource map, while the resource itself
lives in the moto service backend (so the service's own API sees it). moto only registers the *direct*
subclasses of `CloudFormationModel`, so models mix `BackendHandle` in before it:
`class CfnThing(BackendHandle, CloudFormationModel)`.
"""

from __future__ import annotations

import functools
from typing import Any, Callable, ClassVar

from moto.cloudformation.exceptions import UnformattedGetAttTemplateException
from moto.utilities.utils import get_partition

__all__ = ["BackendHandle", "get_partition", "items", "properties_of", "tag_dict", "tag_list", "wrap_classmethod"]


class BackendHandle:
    """Default behaviour of a handle model: attributes by table, replacement on update, explicit delete.

    Subclasses set `cfn_type` (the resource type), `ref_attribute` (the instance attribute `Ref` returns;
    or override `physical_resource_id` when Ref is composed), `attributes` (Fn::GetAtt name -> instance
    attribute name), `name_type` (the property that names the resource, if any) and implement `create_from_cloudformation_json` and `delete(account_id, region)`.
    """

    cfn_type: ClassVar[str] = ""
    ref_attribute: ClassVar[str] = ""
    attributes: ClassVar[dict[str, str]] = {}
    name_type: ClassVar[str] = ""

    @classmethod
    def cloudformation_type(cls) -> str:
        return cls.cfn_type

    @property
    def physical_resource_id(self) -> str:
        return getattr(self, self.ref_attribute)

    @classmethod
    def cloudformation_name_type(cls) -> str:
        return cls.name_type

    @classmethod
    def has_cfn_attr(cls, attr: str) -> bool:
        return attr in cls.attributes

    def get_cfn_attribute(self, attribute_name: str) -> Any:
        if attribute_name not in self.attributes:
            raise UnformattedGetAttTemplateException()
        return getattr(self, self.attributes[attribute_name])

    def is_created(self) -> bool:
        return True

    @classmethod
    def update_from_cloudformation_json(  # type: ignore[misc]
        cls, original_resource: Any, new_resource_name: str, cloudformation_json: dict[str, Any],
        account_id: str, region_name: str,
    ) -> Any:
        """Replace: delete the old resource, create the new one (subclasses update in place where AWS does)."""
        original_resource.delete(account_id, region_name)
        return cls.create_from_cloudformation_json(  # type: ignore[attr-defined]
            new_resource_name, cloudformation_json, account_id, region_name
        )

    def delete(self, account_id: str, region_name: str) -> None:  # pragma: no cover - overridden
        raise NotImplementedError(type(self).__name__)


def properties_of(cloudformation_json: dict[str, Any]) -> dict[str, Any]:
    return cloudformation_json.get("Properties") or {}


def items(values: Any) -> dict[str, Any]:
    """A CloudFormation list as the CloudFront API's {Quantity, Items} structure."""
    values = list(values or [])
    return {"Quantity": len(values), "Items": values}


def tag_list(tags: Any) -> list[dict[str, str]]:
    """CloudFormation Tags (a list of Key/Value, or a map) as a list of {Key, Value}."""
    if isinstance(tags, dict):
        return [{"Key": key, "Value": str(value)} for key, value in tags.items()]
    return [{"Key": tag["Key"], "Value": str(tag.get("Value", ""))} for tag in tags or []]


def tag_dict(tags: Any) -> dict[str, str]:
    return {tag["Key"]: tag["Value"] for tag in tag_list(tags)}


def wrap_classmethod(cls: type, name: str, after: Callable[..., Any]) -> None:
    """Make classmethod `name` of `cls` call `after(result, *args, **kwargs)` and return its result.

    Idempotent: a method wrapped once for `after` is not wrapped again.
    """
    original = cls.__dict__[name].__func__
    if getattr(original, "_candlefish_after", None) is after:
        return

    @functools.wraps(original)
    def wrapper(klass: type, *args: Any, **kwargs: Any) -> Any:
        result = original(klass, *args, **kwargs)
        return after(result, *args, **kwargs)

    wrapper._candlefish_after = after  # type: ignore[attr-defined]
    setattr(cls, name, classmethod(wrapper))
