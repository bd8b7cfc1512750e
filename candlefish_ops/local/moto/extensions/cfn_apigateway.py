"""API Gateway (REST) in CloudFormation: Stage, UsagePlan, ApiKey, UsagePlanKey, Account, DomainName,
BasePathMapping; Deployment fixed.

Created in moto's API Gateway backend, so get_stage (cache cluster, tracing, method settings with throttling
and caching, access log settings, variables), get_usage_plan (stages, quota, throttle), get_api_key,
get_usage_plan_keys, get_account, get_domain_name and get_base_path_mappings see them. moto's own Deployment
model gets a physical id (its Ref was a Python repr), an update (a new deployment, as AWS replaces it) and a
delete. A regional DomainName answers as AWS does (d-....execute-api.REGION.amazonaws.com in API Gateway's
documented zone of the region) and is refused without a certificate of its region covering the name
(`_apigateway_domains`).
"""

from __future__ import annotations

from typing import Any

from moto.core.common_models import CloudFormationModel

from ._apigateway_domains import (EDGE_HOSTED_ZONE, DomainNameError, check_certificate, check_unique,
                                  regional_domain_name, regional_hosted_zone)
from ._cfn import BackendHandle, properties_of, tag_dict, wrap_classmethod
from candlefish_ops.local.moto.compat import add, backend, patch

_METHOD_SETTINGS = {"ThrottlingBurstLimit": ("throttlingBurstLimit", int),
                    "ThrottlingRateLimit": ("throttlingRateLimit", float),
                    "MetricsEnabled": ("metricsEnabled", "bool"), "LoggingLevel": ("loggingLevel", str),
                    "DataTraceEnabled": ("dataTraceEnabled", "bool"), "CachingEnabled": ("cachingEnabled", "bool"),
                    "CacheTtlInSeconds": ("cacheTtlInSeconds", int),
                    "CacheDataEncrypted": ("cacheDataEncrypted", "bool")}


def _backend(account_id: str, region_name: str) -> Any:

    return backend("apigateway", account_id, region_name)


def _bool(value: Any) -> bool:
    return value if isinstance(value, bool) else str(value).lower() == "true"


def _convert(value: Any, kind: Any) -> Any:
    return _bool(value) if kind == "bool" else kind(value)


def method_settings_to_api(stage: Any, settings: list[dict[str, Any]]) -> dict[str, Any]:
    """CloudFormation MethodSettings as the stage's methodSettings map ("~1path/METHOD" -> settings)."""
    result = {}
    for setting in settings:
        key = f"{setting.get('ResourcePath', '/*')[1:]}/{setting.get('HttpMethod', '*')}"
        values = stage._get_default_method_settings()
        values.update({name: _convert(setting[source], kind)
                       for source, (name, kind) in _METHOD_SETTINGS.items() if source in setting})
        result[key] = values
    return result


# --- Stage -----------------------------------------------------------------------------------------------------

def _configure_stage(stage: Any, props: dict[str, Any]) -> None:
    stage.deployment_id = props.get("DeploymentId")
    stage.description = props.get("Description", "")
    stage.variables = dict(props.get("Variables", {}))
    stage.cache_cluster_enabled = _bool(props.get("CacheClusterEnabled", False))
    stage.cache_cluster_status = "AVAILABLE" if stage.cache_cluster_enabled else None
    stage.cache_cluster_size = str(props["CacheClusterSize"]) if "CacheClusterSize" in props else None
    stage.tracing_enabled = _bool(props.get("TracingEnabled", False))
    stage.method_settings = method_settings_to_api(stage, props.get("MethodSettings", []))
    access = props.get("AccessLogSetting")
    stage.access_log_settings = ({"destinationArn": access.get("DestinationArn"), "format": access.get("Format")}
                                 if access else None)
    stage.tags = tag_dict(props.get("Tags")) or None


class CfnStage(BackendHandle, CloudFormationModel):
    """AWS::ApiGateway::Stage: Ref = the stage name."""

    cfn_type = "AWS::ApiGateway::Stage"
    ref_attribute = "name"

    def __init__(self, rest_api_id: str, name: str) -> None:
        self.rest_api_id, self.name = rest_api_id, name

    @classmethod
    def create_from_cloudformation_json(  # type: ignore[misc]
        cls, resource_name: str, cloudformation_json: dict[str, Any], account_id: str, region_name: str,
        **kwargs: Any,
    ) -> CfnStage:
        props = properties_of(cloudformation_json)
        api = _backend(account_id, region_name).get_rest_api(props["RestApiId"])
        name = props.get("StageName", resource_name)
        stage = api.stages.get(name) or api.create_stage(name, props.get("DeploymentId"), None, "", None, None,
                                                         None, None)
        _configure_stage(stage, props)
        return cls(props["RestApiId"], name)

    @classmethod
    def update_from_cloudformation_json(  # type: ignore[misc]
        cls, original_resource: CfnStage, new_resource_name: str, cloudformation_json: dict[str, Any],
        account_id: str, region_name: str,
    ) -> CfnStage:
        props = properties_of(cloudformation_json)
        if (props["RestApiId"], props.get("StageName")) != (original_resource.rest_api_id, original_resource.name):
            return super().update_from_cloudformation_json(
                original_resource, new_resource_name, cloudformation_json, account_id, region_name)
        api = _backend(account_id, region_name).get_rest_api(original_resource.rest_api_id)
        _configure_stage(api.stages[original_resource.name], props)
        return original_resource

    def delete(self, account_id: str, region_name: str) -> None:
        api = _backend(account_id, region_name).apis.get(self.rest_api_id)
        if api is not None:
            api.stages.pop(self.name, None)


# --- usage plans and API keys ------------------------------------------------------------------------------------

def _usage_plan_payload(name: str, props: dict[str, Any]) -> dict[str, Any]:
    payload: dict[str, Any] = {"name": name, "description": props.get("Description"),
                               "apiStages": [{"apiId": s["ApiId"], "stage": s["Stage"]}
                                             for s in props.get("ApiStages", [])],
                               "tags": tag_dict(props.get("Tags")) or None}
    quota = props.get("Quota")
    if quota:
        payload["quota"] = {"limit": int(quota["Limit"]), "period": quota["Period"], "offset": int(quota.get("Offset", 0))}
    throttle = props.get("Throttle")
    if throttle:
        payload["throttle"] = {"burstLimit": int(throttle["BurstLimit"]), "rateLimit": float(throttle["RateLimit"])}
    return payload


class CfnUsagePlan(BackendHandle, CloudFormationModel):
    """AWS::ApiGateway::UsagePlan: Ref = GetAtt Id = the plan id; updates keep the id and its keys."""

    cfn_type = "AWS::ApiGateway::UsagePlan"
    ref_attribute = "plan_id"
    attributes = {"Id": "plan_id"}

    def __init__(self, plan_id: str) -> None:
        self.plan_id = plan_id

    name_type = "UsagePlanName"

    @classmethod
    def create_from_cloudformation_json(  # type: ignore[misc]
        cls, resource_name: str, cloudformation_json: dict[str, Any], account_id: str, region_name: str,
        **kwargs: Any,
    ) -> CfnUsagePlan:
        payload = _usage_plan_payload(resource_name, properties_of(cloudformation_json))
        return cls(_backend(account_id, region_name).create_usage_plan(payload).id)

    @classmethod
    def update_from_cloudformation_json(  # type: ignore[misc]
        cls, original_resource: CfnUsagePlan, new_resource_name: str, cloudformation_json: dict[str, Any],
        account_id: str, region_name: str,
    ) -> CfnUsagePlan:
        from moto.apigateway.models import UsagePlan

        payload = _usage_plan_payload(new_resource_name, properties_of(cloudformation_json))
        backend = _backend(account_id, region_name)
        backend.usage_plans[original_resource.plan_id] = UsagePlan(usage_plan_id=original_resource.plan_id, **payload)
        return original_resource

    def delete(self, account_id: str, region_name: str) -> None:
        backend = _backend(account_id, region_name)
        backend.usage_plans.pop(self.plan_id, None)
        backend.usage_plan_keys.pop(self.plan_id, None)


class CfnApiKey(BackendHandle, CloudFormationModel):
    """AWS::ApiGateway::ApiKey: Ref = GetAtt APIKeyId = the key id."""

    cfn_type = "AWS::ApiGateway::ApiKey"
    ref_attribute = "key_id"
    attributes = {"APIKeyId": "key_id"}

    def __init__(self, key_id: str) -> None:
        self.key_id = key_id

    name_type = "Name"

    @classmethod
    def create_from_cloudformation_json(  # type: ignore[misc]
        cls, resource_name: str, cloudformation_json: dict[str, Any], account_id: str, region_name: str,
        **kwargs: Any,
    ) -> CfnApiKey:
        props = properties_of(cloudformation_json)
        payload = {"name": resource_name, "description": props.get("Description"),
                   "enabled": _bool(props.get("Enabled", False)), "value": props.get("Value"),
                   "customerId": props.get("CustomerId"), "tags": tag_dict(props.get("Tags")) or None,
                   "stageKeys": [{"restApiId": k.get("RestApiId"), "stageName": k.get("StageName")}
                                 for k in props.get("StageKeys", [])]}
        return cls(_backend(account_id, region_name).create_api_key(payload).id)

    def delete(self, account_id: str, region_name: str) -> None:
        _backend(account_id, region_name).keys.pop(self.key_id, None)


class CfnUsagePlanKey(BackendHandle, CloudFormationModel):
    """AWS::ApiGateway::UsagePlanKey: the key joins the plan (get_usage_plan_keys)."""

    cfn_type = "AWS::ApiGateway::UsagePlanKey"
    ref_attribute = "key_id"

    def __init__(self, plan_id: str, key_id: str) -> None:
        self.plan_id, self.key_id = plan_id, key_id

    @classmethod
    def create_from_cloudformation_json(  # type: ignore[misc]
        cls, resource_name: str, cloudformation_json: dict[str, Any], account_id: str, region_name: str,
        **kwargs: Any,
    ) -> CfnUsagePlanKey:
        props = properties_of(cloudformation_json)
        _backend(account_id, region_name).create_usage_plan_key(
            props["UsagePlanId"], {"keyId": props["KeyId"], "keyType": props["KeyType"]})
        return cls(props["UsagePlanId"], props["KeyId"])

    def delete(self, account_id: str, region_name: str) -> None:
        _backend(account_id, region_name).usage_plan_keys.get(self.plan_id, {}).pop(self.key_id, None)


class CfnAccount(BackendHandle, CloudFormationModel):
    """AWS::ApiGateway::Account: the region's CloudWatch logging role (get_account)."""

    cfn_type = "AWS::ApiGateway::Account"

    def __init__(self, region_name: str) -> None:
        self.region_name = region_name

    @property
    def physical_resource_id(self) -> str:
        return f"apigateway-account-{self.region_name}"

    @classmethod
    def create_from_cloudformation_json(  # type: ignore[misc]
        cls, resource_name: str, cloudformation_json: dict[str, Any], account_id: str, region_name: str,
        **kwargs: Any,
    ) -> CfnAccount:
        role = properties_of(cloudformation_json).get("CloudWatchRoleArn")
        _backend(account_id, region_name).get_account().cloudwatch_role_arn = role
        return cls(region_name)

    def delete(self, account_id: str, region_name: str) -> None:
        """Deleting the resource leaves the account setting, as on AWS."""


# --- custom domain names ------------------------------------------------------------------------------------------

def _endpoint_configuration(props: dict[str, Any]) -> dict[str, Any]:
    endpoint = props.get("EndpointConfiguration") or {}
    configuration: dict[str, Any] = {"types": list(endpoint.get("Types") or ["EDGE"])}
    configuration["ipAddressType"] = endpoint.get("IpAddressType", "ipv4")   # AWS's default for public domains
    return configuration


def _create_domain_name(props: dict[str, Any], account_id: str, region_name: str) -> Any:
    backend = _backend(account_id, region_name)
    name, endpoint = props["DomainName"], _endpoint_configuration(props)
    check_unique(backend.domain_names, name, region_name)
    regional = endpoint["types"] == ["REGIONAL"]
    if not regional and endpoint["types"] != ["EDGE"]:
        raise DomainNameError(f"{name}: the emulator models REGIONAL and EDGE domain names (got {endpoint['types']})")
    # an edge-optimized domain's certificate lives in us-east-1 (CloudFront's), a regional one in its region
    certificate = props.get("RegionalCertificateArn") if regional else props.get("CertificateArn")
    check_certificate(name, certificate, account_id, region_name if regional else "us-east-1")
    domain = backend.create_domain_name(
        domain_name=name, certificate_name=None, tags=tag_dict(props.get("Tags")) or None,
        certificate_arn=props.get("CertificateArn"), certificate_body=None, certificate_private_key=None,
        certificate_chain=None, regional_certificate_name=None, regional_certificate_arn=props.get("RegionalCertificateArn"),
        endpoint_configuration=endpoint, security_policy=props.get("SecurityPolicy"))
    if regional:
        domain.regional_domain_name = regional_domain_name(region_name)
        domain.regional_hosted_zone_id = regional_hosted_zone(region_name)
        domain.distribution_domain_name = domain.distribution_hosted_zone_id = None
    else:
        domain.regional_domain_name = domain.regional_hosted_zone_id = None
        domain.distribution_hosted_zone_id = EDGE_HOSTED_ZONE
    return domain


class CfnDomainName(BackendHandle, CloudFormationModel):
    """AWS::ApiGateway::DomainName: Ref = the name; GetAtt RegionalDomainName / RegionalHostedZoneId (and the
    Distribution* pair of an edge-optimized one)."""

    cfn_type = "AWS::ApiGateway::DomainName"
    ref_attribute = "domain_name"
    attributes = {"RegionalDomainName": "regional_domain_name", "RegionalHostedZoneId": "regional_hosted_zone_id",
                  "DistributionDomainName": "distribution_domain_name",
                  "DistributionHostedZoneId": "distribution_hosted_zone_id"}

    def __init__(self, domain: Any) -> None:
        self.domain_name = domain.domain_name
        self.regional_domain_name, self.regional_hosted_zone_id = domain.regional_domain_name, domain.regional_hosted_zone_id
        self.distribution_domain_name = domain.distribution_domain_name
        self.distribution_hosted_zone_id = domain.distribution_hosted_zone_id

    @classmethod
    def create_from_cloudformation_json(  # type: ignore[misc]
        cls, resource_name: str, cloudformation_json: dict[str, Any], account_id: str, region_name: str,
        **kwargs: Any,
    ) -> CfnDomainName:
        return cls(_create_domain_name(properties_of(cloudformation_json), account_id, region_name))

    def delete(self, account_id: str, region_name: str) -> None:
        backend = _backend(account_id, region_name)
        backend.domain_names.pop(self.domain_name, None)
        backend.base_path_mappings.pop(self.domain_name, None)


class CfnBasePathMapping(BackendHandle, CloudFormationModel):
    """AWS::ApiGateway::BasePathMapping: the stage of an API at a base path of a domain (empty: the root)."""

    cfn_type = "AWS::ApiGateway::BasePathMapping"

    def __init__(self, domain_name: str, base_path: str) -> None:
        self.domain_name, self.base_path = domain_name, base_path

    @property
    def physical_resource_id(self) -> str:
        return f"{self.domain_name}/{self.base_path}"

    @classmethod
    def create_from_cloudformation_json(  # type: ignore[misc]
        cls, resource_name: str, cloudformation_json: dict[str, Any], account_id: str, region_name: str,
        **kwargs: Any,
    ) -> CfnBasePathMapping:
        props = properties_of(cloudformation_json)
        mapping = _backend(account_id, region_name).create_base_path_mapping(
            props["DomainName"], props["RestApiId"], props.get("BasePath") or "", props.get("Stage"))
        return cls(props["DomainName"], mapping.base_path)

    def delete(self, account_id: str, region_name: str) -> None:
        _backend(account_id, region_name).base_path_mappings.get(self.domain_name, {}).pop(self.base_path, None)


# --- moto's Deployment ------------------------------------------------------------------------------------------

def _after_deployment_create(deployment: Any, resource_name: str, cloudformation_json: dict[str, Any],
                             account_id: str, region_name: str, **kwargs: Any) -> Any:
    deployment.rest_api_id = cloudformation_json["Properties"]["RestApiId"]
    return deployment


def _deployment_physical_id(self: Any) -> str:
    return self.id


def _update_deployment(cls: type, original_resource: Any, new_resource_name: str,
                       cloudformation_json: dict[str, Any], account_id: str, region_name: str) -> Any:
    return cls.create_from_cloudformation_json(new_resource_name, cloudformation_json, account_id, region_name)


def _delete_deployment(self: Any, account_id: str, region_name: str) -> None:
    api = _backend(account_id, region_name).apis.get(getattr(self, "rest_api_id", None))
    if api is not None:
        api.deployments.pop(self.id, None)


# --- moto's RestApi and Resource ----------------------------------------------------------------------------------

def _configure_rest_api(api: Any, props: dict[str, Any]) -> None:
    """The RestApi properties moto's model ignores (or keeps in CloudFormation's shape)."""
    import json

    api.name, api.description = props["Name"], props.get("Description", "")
    endpoint = props.get("EndpointConfiguration") or {"Types": ["EDGE"]}
    api.endpoint_configuration = {"types": list(endpoint.get("Types", ["EDGE"]))}
    if endpoint.get("VpcEndpointIds"):
        api.endpoint_configuration["vpcEndpointIds"] = list(endpoint["VpcEndpointIds"])
    api.api_key_source = props.get("ApiKeySourceType", "HEADER")
    api.binaryMediaTypes = list(props.get("BinaryMediaTypes", []))
    policy = props.get("Policy")
    api.policy = policy if policy is None or isinstance(policy, str) else json.dumps(policy)
    api.disableExecuteApiEndpoint = _bool(props.get("DisableExecuteApiEndpoint", False))
    size = props.get("MinimumCompressionSize")
    api.minimum_compression_size = None if size is None else int(size)
    api.tags = tag_dict(props.get("Tags"))


def _after_rest_api(api: Any, resource_name: str, cloudformation_json: dict[str, Any], account_id: str,
                    region_name: str, **kwargs: Any) -> Any:
    _configure_rest_api(api, properties_of(cloudformation_json))
    return api


def _update_rest_api(cls: type, original_resource: Any, new_resource_name: str, cloudformation_json: dict[str, Any],
                     account_id: str, region_name: str) -> Any:
    _configure_rest_api(original_resource, properties_of(cloudformation_json))
    return original_resource


def _delete_rest_api(self: Any, account_id: str, region_name: str) -> None:
    _backend(account_id, region_name).apis.pop(self.id, None)


def _update_resource(cls: type, original_resource: Any, new_resource_name: str, cloudformation_json: dict[str, Any],
                     account_id: str, region_name: str) -> Any:
    props = properties_of(cloudformation_json)
    if (props["ParentId"], props["PathPart"]) == (original_resource.parent_id, original_resource.path_part):
        return original_resource
    _delete_resource(original_resource, account_id, region_name)
    return cls.create_from_cloudformation_json(new_resource_name, cloudformation_json, account_id, region_name)


def _delete_resource(self: Any, account_id: str, region_name: str) -> None:
    api = _backend(account_id, region_name).apis.get(self.api_id)
    if api is not None:
        api.resources.pop(self.id, None)


# --- moto's Method ----------------------------------------------------------------------------------------------

def _put_integration(backend: Any, props: dict[str, Any]) -> None:
    integration = props.get("Integration")
    if not integration:
        return
    target = {"function_id": props["RestApiId"], "resource_id": props["ResourceId"], "method_type": props["HttpMethod"]}
    timeout = integration.get("TimeoutInMillis")
    backend.put_integration(
        **target, integration_type=integration["Type"], uri=integration.get("Uri"),
        integration_method=integration.get("IntegrationHttpMethod"), credentials=integration.get("Credentials"),
        request_templates=integration.get("RequestTemplates"), passthrough_behavior=integration.get("PassthroughBehavior"),
        cache_namespace=integration.get("CacheNamespace"), timeout_in_millis=None if timeout is None else str(timeout),
        request_parameters=integration.get("RequestParameters"), content_handling=integration.get("ContentHandling"),
        connection_type=integration.get("ConnectionType"))
    for response in integration.get("IntegrationResponses", []):
        backend.put_integration_response(
            **target, status_code=str(response["StatusCode"]), selection_pattern=response.get("SelectionPattern"),
            response_templates=response.get("ResponseTemplates"), response_parameters=response.get("ResponseParameters"),
            content_handling=response.get("ContentHandling"))


def _create_method(cls: type, resource_name: str, cloudformation_json: dict[str, Any], account_id: str,
                   region_name: str, **kwargs: Any) -> Any:
    props = properties_of(cloudformation_json)
    backend = _backend(account_id, region_name)
    method = backend.put_method(
        function_id=props["RestApiId"], resource_id=props["ResourceId"], method_type=props["HttpMethod"],
        authorization_type=props.get("AuthorizationType", "NONE"), api_key_required=_bool(props.get("ApiKeyRequired", False)),
        request_parameters=props.get("RequestParameters"), request_models=props.get("RequestModels"),
        operation_name=props.get("OperationName"), authorizer_id=props.get("AuthorizerId"),
        authorization_scopes=props.get("AuthorizationScopes"), request_validator_id=props.get("RequestValidatorId"))
    for response in props.get("MethodResponses", []):
        backend.put_method_response(props["RestApiId"], props["ResourceId"], props["HttpMethod"],
                                    str(response["StatusCode"]), response.get("ResponseModels"),
                                    response.get("ResponseParameters"))
    _put_integration(backend, props)
    method.rest_api_id, method.resource_id = props["RestApiId"], props["ResourceId"]
    return method


def _update_method(cls: type, original_resource: Any, new_resource_name: str, cloudformation_json: dict[str, Any],
                   account_id: str, region_name: str) -> Any:
    _delete_method(original_resource, account_id, region_name)
    return _create_method(cls, new_resource_name, cloudformation_json, account_id, region_name)


def _delete_method(self: Any, account_id: str, region_name: str) -> None:
    api = _backend(account_id, region_name).apis.get(getattr(self, "rest_api_id", None))
    resource = api.resources.get(self.resource_id) if api is not None else None
    if resource is not None:
        resource.resource_methods.pop(self.http_method, None)


def install() -> None:
    from moto.apigateway.models import Deployment, Method, Resource, RestAPI

    wrap_classmethod(RestAPI, "create_from_cloudformation_json", _after_rest_api)
    patch(RestAPI, "update_from_cloudformation_json", classmethod(_update_rest_api))
    add(RestAPI, "delete", _delete_rest_api)
    patch(Resource, "update_from_cloudformation_json", classmethod(_update_resource))
    add(Resource, "delete", _delete_resource)

    patch(Method, "create_from_cloudformation_json", classmethod(_create_method))
    patch(Method, "update_from_cloudformation_json", classmethod(_update_method))
    add(Method, "delete", _delete_method)

    wrap_classmethod(Deployment, "create_from_cloudformation_json", _after_deployment_create)
    add(Deployment, "physical_resource_id", property(_deployment_physical_id))
    patch(Deployment, "update_from_cloudformation_json", classmethod(_update_deployment))
    add(Deployment, "delete", _delete_deployment)
