"""WAFv2 in CloudFormation: AWS::WAFv2::IPSet, AWS::WAFv2::WebACL and AWS::WAFv2::WebACLAssociation.

IP sets (addresses, version, scope) and web ACLs (default action, rules, visibility config, custom
responses) are created in moto's WAFv2 backend of the scope: CLOUDFRONT scope lives in the "global"
backend, as moto's own API keeps it, so get_ip_set / get_web_acl(Scope="CLOUDFRONT") return them.
Updates are in place (same id, new lock token), as on AWS.
"""

from __future__ import annotations

from typing import Any

from moto.core.common_models import CloudFormationModel

from ._cfn import BackendHandle, properties_of, tag_list
from candlefish_ops.local.moto.compat import backend

_WEB_ACL_OPTIONAL = ("CustomResponseBodies", "CaptchaConfig", "ChallengeConfig", "TokenDomains", "AssociationConfig")
# CloudFormation spells "Arn" where the WAFv2 API spells "ARN" in these statements.
_REFERENCE_STATEMENTS = ("IPSetReferenceStatement", "RegexPatternSetReferenceStatement", "RuleGroupReferenceStatement")


def _backend(account_id: str, region_name: str, scope: str) -> Any:
    from moto.wafv2.models import GLOBAL_REGION

    return backend("wafv2", account_id, GLOBAL_REGION if scope == "CLOUDFRONT" else region_name)


class _Scoped(BackendHandle):
    """Ref of WAFv2 resources is "name|id|scope"; GetAtt Arn and Id."""

    attributes = {"Arn": "arn", "Id": "resource_id"}

    def __init__(self, name: str, resource_id: str, scope: str, arn: str) -> None:
        self.name, self.resource_id, self.scope, self.arn = name, resource_id, scope, arn

    @property
    def physical_resource_id(self) -> str:
        return f"{self.name}|{self.resource_id}|{self.scope}"

    name_type = "Name"


class CfnIPSet(_Scoped, CloudFormationModel):
    """AWS::WAFv2::IPSet."""

    cfn_type = "AWS::WAFv2::IPSet"

    @classmethod
    def create_from_cloudformation_json(  # type: ignore[misc]
        cls, resource_name: str, cloudformation_json: dict[str, Any], account_id: str, region_name: str,
        **kwargs: Any,
    ) -> CfnIPSet:
        props = properties_of(cloudformation_json)
        scope = props["Scope"]
        ip_set = _backend(account_id, region_name, scope).create_ip_set(
            name=resource_name, scope=scope, description=props.get("Description", ""),
            ip_address_version=props["IPAddressVersion"], addresses=list(props.get("Addresses", [])),
            tags=tag_list(props.get("Tags")),
        )
        return cls(resource_name, ip_set.ip_set_id, scope, ip_set.arn)

    @classmethod
    def update_from_cloudformation_json(  # type: ignore[misc]
        cls, original_resource: CfnIPSet, new_resource_name: str, cloudformation_json: dict[str, Any],
        account_id: str, region_name: str,
    ) -> CfnIPSet:
        props = properties_of(cloudformation_json)
        replaced = (props["Scope"] != original_resource.scope or new_resource_name != original_resource.name
                    or props["IPAddressVersion"] != original_resource._ip_set(account_id, region_name).ip_address_version)
        if replaced:
            return super().update_from_cloudformation_json(
                original_resource, new_resource_name, cloudformation_json, account_id, region_name)
        original_resource._ip_set(account_id, region_name).update(
            props.get("Description", ""), list(props.get("Addresses", [])))
        return original_resource

    def _ip_set(self, account_id: str, region_name: str) -> Any:
        return _backend(account_id, region_name, self.scope).ip_sets[self.arn]

    def delete(self, account_id: str, region_name: str) -> None:
        _backend(account_id, region_name, self.scope).ip_sets.pop(self.arn, None)


def to_api_shape(value: Any) -> Any:
    """A WAFv2 rule (CloudFormation shape) in the API shape: reference statements name their ARN "ARN"."""
    if isinstance(value, list):
        return [to_api_shape(item) for item in value]
    if not isinstance(value, dict):
        return value
    converted = {key: to_api_shape(item) for key, item in value.items()}
    for key in _REFERENCE_STATEMENTS:
        statement = converted.get(key)
        if isinstance(statement, dict) and "Arn" in statement:
            statement["ARN"] = statement.pop("Arn")
    byte_match = converted.get("ByteMatchStatement")
    if isinstance(byte_match, dict):
        _search_string_as_blob(byte_match)
    return converted


def _search_string_as_blob(statement: dict[str, Any]) -> None:
    """The API's SearchString is a blob (base64 on the wire); CloudFormation gives text or SearchStringBase64."""
    import base64

    if "SearchStringBase64" in statement:
        statement["SearchString"] = statement.pop("SearchStringBase64")
    elif "SearchString" in statement:
        statement["SearchString"] = base64.b64encode(str(statement["SearchString"]).encode()).decode()


def _web_acl_arguments(props: dict[str, Any]) -> dict[str, Any]:
    arguments = {"default_action": props["DefaultAction"], "visibility_config": props["VisibilityConfig"],
                 "description": props.get("Description", ""), "rules": to_api_shape([rule for rule in props.get("Rules") or [] if rule is not None])}  # AWS::NoValue
    for key in _WEB_ACL_OPTIONAL:
        arguments[_snake(key)] = props.get(key)
    return arguments


def _snake(name: str) -> str:
    from moto.core.utils import camelcase_to_underscores

    return camelcase_to_underscores(name)


class CfnWebACL(_Scoped, CloudFormationModel):
    """AWS::WAFv2::WebACL (GetAtt also Capacity and LabelNamespace)."""

    cfn_type = "AWS::WAFv2::WebACL"
    attributes = {**_Scoped.attributes, "Capacity": "capacity", "LabelNamespace": "label_namespace"}

    @classmethod
    def create_from_cloudformation_json(  # type: ignore[misc]
        cls, resource_name: str, cloudformation_json: dict[str, Any], account_id: str, region_name: str,
        **kwargs: Any,
    ) -> CfnWebACL:
        props = properties_of(cloudformation_json)
        scope = props["Scope"]
        web_acl = _backend(account_id, region_name, scope).create_web_acl(
            name=resource_name, scope=scope, tags=tag_list(props.get("Tags")), **_web_acl_arguments(props))
        handle = cls(resource_name, web_acl.id, scope, web_acl.arn)
        handle.capacity, handle.label_namespace = web_acl.capacity, web_acl.label_namespace
        return handle

    @classmethod
    def update_from_cloudformation_json(  # type: ignore[misc]
        cls, original_resource: CfnWebACL, new_resource_name: str, cloudformation_json: dict[str, Any],
        account_id: str, region_name: str,
    ) -> CfnWebACL:
        props = properties_of(cloudformation_json)
        if props["Scope"] != original_resource.scope or new_resource_name != original_resource.name:
            return super().update_from_cloudformation_json(
                original_resource, new_resource_name, cloudformation_json, account_id, region_name)
        backend = _backend(account_id, region_name, original_resource.scope)
        web_acl = backend.wacls[original_resource.arn]
        arguments = _web_acl_arguments(props)
        backend.update_web_acl(name=web_acl.name, _id=web_acl.id, lock_token=web_acl.lock_token, **arguments)
        if not arguments["rules"]:
            web_acl.rules = []  # moto's update keeps the old rules when given none
        return original_resource

    def delete(self, account_id: str, region_name: str) -> None:
        _backend(account_id, region_name, self.scope).wacls.pop(self.arn, None)


class CfnWebACLAssociation(BackendHandle, CloudFormationModel):
    """AWS::WAFv2::WebACLAssociation (regional resources: API Gateway stages, load balancers, ...)."""

    cfn_type = "AWS::WAFv2::WebACLAssociation"

    def __init__(self, web_acl_arn: str, resource_arn: str) -> None:
        self.web_acl_arn, self.resource_arn = web_acl_arn, resource_arn

    @property
    def physical_resource_id(self) -> str:
        return f"{self.web_acl_arn}|{self.resource_arn}"

    @classmethod
    def create_from_cloudformation_json(  # type: ignore[misc]
        cls, resource_name: str, cloudformation_json: dict[str, Any], account_id: str, region_name: str,
        **kwargs: Any,
    ) -> CfnWebACLAssociation:
        props = properties_of(cloudformation_json)
        _backend(account_id, region_name, "REGIONAL").associate_web_acl(props["WebACLArn"], props["ResourceArn"])
        return cls(props["WebACLArn"], props["ResourceArn"])

    def delete(self, account_id: str, region_name: str) -> None:
        _backend(account_id, region_name, "REGIONAL").disassociate_web_acl(self.resource_arn)


class CfnLoggingConfiguration(BackendHandle, CloudFormationModel):
    """AWS::WAFv2::LoggingConfiguration: a web ACL's log destinations, redacted fields and filter.

    Kept in the backend of the stack's region, which is where moto's get_logging_configuration looks.
    """

    cfn_type = "AWS::WAFv2::LoggingConfiguration"
    ref_attribute = "resource_arn"

    def __init__(self, resource_arn: str) -> None:
        self.resource_arn = resource_arn

    @classmethod
    def create_from_cloudformation_json(  # type: ignore[misc]
        cls, resource_name: str, cloudformation_json: dict[str, Any], account_id: str, region_name: str,
        **kwargs: Any,
    ) -> CfnLoggingConfiguration:
        props = properties_of(cloudformation_json)
        _backend(account_id, region_name, "REGIONAL").put_logging_configuration(
            props["ResourceArn"], list(props["LogDestinationConfigs"]), props.get("RedactedFields"),
            False, props.get("LoggingFilter"))
        return cls(props["ResourceArn"])

    def delete(self, account_id: str, region_name: str) -> None:
        _backend(account_id, region_name, "REGIONAL").logging_configurations.pop(self.resource_arn, None)
