"""CloudFront in CloudFormation: AWS::CloudFront::Distribution and AWS::CloudFront::OriginAccessControl.

The distribution is created in moto's CloudFront backend (get_distribution / get_distribution_config see
it) with its origins (S3, custom, origin access control), default and path cache behaviours (with their
Lambda@Edge and CloudFront Function associations, cache/origin-request/response-headers policy ids),
aliases, viewer certificate, web ACL id, logging, custom error responses, price class and HTTP version.
moto itself drops the behaviours' function associations and the origins' access control / S3 settings;
`install()` patches its models to keep them.
"""

from __future__ import annotations

from typing import Any

from moto.core.common_models import CloudFormationModel

from ._cfn import BackendHandle, get_partition, items, properties_of, tag_list

from candlefish_ops.local.moto.compat import backend, patch

_COPIED_ORIGIN_KEYS = ("OriginPath", "ConnectionAttempts", "ConnectionTimeout", "OriginAccessControlId",
                       "OriginShield")
_COPIED_BEHAVIOUR_KEYS = ("PathPattern", "TargetOriginId", "ViewerProtocolPolicy", "Compress", "SmoothStreaming",
                          "CachePolicyId", "OriginRequestPolicyId", "ResponseHeadersPolicyId",
                          "FieldLevelEncryptionId", "RealtimeLogConfigArn", "MinTTL", "DefaultTTL", "MaxTTL")
_VIEWER_CERTIFICATE_KEYS = {"AcmCertificateArn": "ACMCertificateArn", "IamCertificateId": "IAMCertificateId",
                            "SslSupportMethod": "SSLSupportMethod",
                            "CloudFrontDefaultCertificate": "CloudFrontDefaultCertificate",
                            "MinimumProtocolVersion": "MinimumProtocolVersion"}
_COPIED_CONFIG_KEYS = ("Comment", "Enabled", "DefaultRootObject", "PriceClass", "HttpVersion", "WebACLId",
                       "ContinuousDeploymentPolicyId", "Staging")


def _backend(account_id: str, region_name: str) -> Any:

    return backend("cloudfront", account_id, get_partition(region_name))


# --- CloudFormation shape -> CloudFront API shape ----------------------------------------------------------

def _custom_origin_config(config: dict[str, Any]) -> dict[str, Any]:
    api = {"HTTPPort": config.get("HTTPPort", 80), "HTTPSPort": config.get("HTTPSPort", 443),
           "OriginProtocolPolicy": config["OriginProtocolPolicy"],
           "OriginSslProtocols": items(config.get("OriginSSLProtocols", ["TLSv1.2"]))}
    for key in ("OriginReadTimeout", "OriginKeepaliveTimeout"):
        if key in config:
            api[key] = config[key]
    return api


def _origin(origin: dict[str, Any]) -> dict[str, Any]:
    api = {"Id": origin["Id"], "DomainName": origin["DomainName"]}
    api.update({key: origin[key] for key in _COPIED_ORIGIN_KEYS if key in origin})
    if "S3OriginConfig" in origin:
        api["S3OriginConfig"] = {"OriginAccessIdentity": origin["S3OriginConfig"].get("OriginAccessIdentity", "")}
    if "CustomOriginConfig" in origin:
        api["CustomOriginConfig"] = _custom_origin_config(origin["CustomOriginConfig"])
    headers = [{"HeaderName": h["HeaderName"], "HeaderValue": h["HeaderValue"]}
               for h in origin.get("OriginCustomHeaders", [])]
    api["CustomHeaders"] = items(headers)
    return api


def _lambda_associations(associations: list[dict[str, Any]]) -> dict[str, Any]:
    return items([{"LambdaFunctionARN": a["LambdaFunctionARN"], "EventType": a["EventType"],
                   "IncludeBody": bool(a.get("IncludeBody", False))} for a in associations])


def _function_associations(associations: list[dict[str, Any]]) -> dict[str, Any]:
    return items([{"FunctionARN": a["FunctionARN"], "EventType": a["EventType"]} for a in associations])


def _forwarded_values(values: dict[str, Any]) -> dict[str, Any]:
    cookies = dict(values.get("Cookies") or {"Forward": "none"})
    if "WhitelistedNames" in cookies:
        cookies["WhitelistedNames"] = items(cookies["WhitelistedNames"])
    api = {"QueryString": values.get("QueryString", False), "Cookies": cookies}
    for key in ("Headers", "QueryStringCacheKeys"):
        if key in values:
            api[key] = items(values[key])
    return api


def _behaviour(behaviour: dict[str, Any]) -> dict[str, Any]:
    api = {key: behaviour[key] for key in _COPIED_BEHAVIOUR_KEYS if key in behaviour}
    methods = behaviour.get("AllowedMethods", ["GET", "HEAD"])
    api["AllowedMethods"] = {"Items": methods, "CachedMethods": {"Items": behaviour.get("CachedMethods", ["GET", "HEAD"])}}
    api["LambdaFunctionAssociations"] = _lambda_associations(behaviour.get("LambdaFunctionAssociations", []))
    api["FunctionAssociations"] = _function_associations(behaviour.get("FunctionAssociations", []))
    for key in ("TrustedSigners", "TrustedKeyGroups"):
        if key in behaviour:
            api[key] = items(behaviour[key])
    if "ForwardedValues" in behaviour:
        api["ForwardedValues"] = _forwarded_values(behaviour["ForwardedValues"])
    return api


def _restrictions(restrictions: dict[str, Any]) -> dict[str, Any]:
    geo = restrictions.get("GeoRestriction") or {}
    return {"GeoRestriction": {"RestrictionType": geo.get("RestrictionType", "none"),
                               "Items": list(geo.get("Locations", []))}}


def _viewer_certificate(certificate: dict[str, Any]) -> dict[str, Any]:
    api = {_VIEWER_CERTIFICATE_KEYS[key]: value for key, value in certificate.items() if key in _VIEWER_CERTIFICATE_KEYS}
    api.setdefault("CloudFrontDefaultCertificate", not (api.get("ACMCertificateArn") or api.get("IAMCertificateId")))
    return api


def _logging(logging: dict[str, Any]) -> dict[str, Any]:
    return {"Enabled": True, "Bucket": logging.get("Bucket", ""), "Prefix": logging.get("Prefix", ""),
            "IncludeCookies": bool(logging.get("IncludeCookies", False))}


def distribution_config_to_api(config: dict[str, Any], caller_reference: str) -> dict[str, Any]:
    """AWS::CloudFront::Distribution DistributionConfig (CloudFormation shape) in the CloudFront API shape."""
    api: dict[str, Any] = {"CallerReference": caller_reference, "Comment": config.get("Comment", "")}
    api.update({key: config[key] for key in _COPIED_CONFIG_KEYS if key in config})
    api["IsIPV6Enabled"] = config.get("IPV6Enabled", True)
    api["Aliases"] = items(config.get("Aliases", []))
    api["Origins"] = items([_origin(origin) for origin in config.get("Origins", [])])
    api["DefaultCacheBehavior"] = _behaviour(config["DefaultCacheBehavior"])
    api["CacheBehaviors"] = items([_behaviour(b) for b in config.get("CacheBehaviors", [])])
    api["CustomErrorResponses"] = items(config.get("CustomErrorResponses", []))
    if "OriginGroups" in config:
        api["OriginGroups"] = config["OriginGroups"]
    if "Restrictions" in config:
        api["Restrictions"] = _restrictions(config["Restrictions"])
    if "ViewerCertificate" in config:
        api["ViewerCertificate"] = _viewer_certificate(config["ViewerCertificate"])
    if "Logging" in config:
        api["Logging"] = _logging(config["Logging"])
    return api


# --- models --------------------------------------------------------------------------------------------------

class CfnDistribution(BackendHandle, CloudFormationModel):
    """AWS::CloudFront::Distribution: Ref = distribution id; GetAtt DomainName, Id."""

    cfn_type = "AWS::CloudFront::Distribution"
    ref_attribute = "distribution_id"
    attributes = {"DomainName": "domain_name", "Id": "distribution_id"}

    def __init__(self, distribution: Any, caller_reference: str) -> None:
        self.distribution_id = distribution.distribution_id
        self.domain_name = distribution.domain_name
        self.arn = distribution.arn
        self.caller_reference = caller_reference

    @classmethod
    def create_from_cloudformation_json(  # type: ignore[misc]
        cls, resource_name: str, cloudformation_json: dict[str, Any], account_id: str, region_name: str,
        **kwargs: Any,
    ) -> CfnDistribution:
        props = properties_of(cloudformation_json)
        caller_reference = f"{kwargs.get('StackId', '')}/{kwargs.get('LogicalId', resource_name)}"
        config = distribution_config_to_api(props["DistributionConfig"], caller_reference)
        distribution, _, _ = _backend(account_id, region_name).create_distribution(config, tag_list(props.get("Tags")))
        return cls(distribution, caller_reference)

    @classmethod
    def update_from_cloudformation_json(  # type: ignore[misc]
        cls, original_resource: CfnDistribution, new_resource_name: str, cloudformation_json: dict[str, Any],
        account_id: str, region_name: str,
    ) -> CfnDistribution:
        props = properties_of(cloudformation_json)
        config = distribution_config_to_api(props["DistributionConfig"], original_resource.caller_reference)
        backend = _backend(account_id, region_name)
        distribution, _, _ = backend.update_distribution(config, original_resource.distribution_id, True)
        backend.tagger.delete_all_tags_for_resource(distribution.arn)
        backend.tagger.tag_resource(distribution.arn, tag_list(props.get("Tags")))
        return original_resource

    def delete(self, account_id: str, region_name: str) -> None:
        backend = _backend(account_id, region_name)
        if self.distribution_id in backend.distributions:
            backend.delete_distribution(self.distribution_id, True)


class CfnOriginAccessControl(BackendHandle, CloudFormationModel):
    """AWS::CloudFront::OriginAccessControl: Ref = GetAtt Id = the control's id."""

    cfn_type = "AWS::CloudFront::OriginAccessControl"
    ref_attribute = "control_id"
    attributes = {"Id": "control_id"}

    def __init__(self, control_id: str) -> None:
        self.control_id = control_id

    @classmethod
    def create_from_cloudformation_json(  # type: ignore[misc]
        cls, resource_name: str, cloudformation_json: dict[str, Any], account_id: str, region_name: str,
        **kwargs: Any,
    ) -> CfnOriginAccessControl:
        config = properties_of(cloudformation_json)["OriginAccessControlConfig"]
        control = _backend(account_id, region_name).create_origin_access_control(dict(config))
        return cls(control.id)

    @classmethod
    def update_from_cloudformation_json(  # type: ignore[misc]
        cls, original_resource: CfnOriginAccessControl, new_resource_name: str,
        cloudformation_json: dict[str, Any], account_id: str, region_name: str,
    ) -> CfnOriginAccessControl:
        config = properties_of(cloudformation_json)["OriginAccessControlConfig"]
        _backend(account_id, region_name).update_origin_access_control(original_resource.control_id, dict(config))
        return original_resource

    def delete(self, account_id: str, region_name: str) -> None:
        _backend(account_id, region_name).origin_access_controls.pop(self.control_id, None)


# --- moto patches ----------------------------------------------------------------------------------------------

def _keep_function_associations(behaviour: Any, config: dict[str, Any]) -> None:
    for attribute, key in (("lambda_function_associations", "LambdaFunctionAssociations"),
                           ("function_associations", "FunctionAssociations")):
        associations = config.get(key) or {}
        listed = list(associations.get("Items") or [])
        if listed:
            setattr(behaviour, attribute, {"Quantity": len(listed), "Items": listed})


def _keep_origin_settings(origin: Any, config: dict[str, Any]) -> None:
    origin.origin_access_control_id = config.get("OriginAccessControlId", "")
    if "S3OriginConfig" in config:
        origin.s3_origin_config = {"OriginAccessIdentity": config["S3OriginConfig"].get("OriginAccessIdentity") or ""}


def _patch_init(cls: type, keep: Any) -> None:
    original = cls.__init__
    if getattr(original, "_candlefish_keep", None) is keep:
        return

    def __init__(self: Any, config: dict[str, Any], *args: Any, **kwargs: Any) -> None:
        original(self, config, *args, **kwargs)
        keep(self, config)

    __init__._candlefish_keep = keep  # type: ignore[attr-defined]
    patch(cls, "__init__", __init__)


def install() -> None:
    """Keep what moto drops from distributions; the models above register themselves by subclassing."""
    from moto.cloudfront import models

    _patch_init(models.DefaultCacheBehaviour, _keep_function_associations)
    _patch_init(models.Origin, _keep_origin_settings)
