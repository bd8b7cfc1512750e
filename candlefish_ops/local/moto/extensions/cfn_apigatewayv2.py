"""API Gateway v2 (HTTP and WebSocket APIs) in CloudFormation: Api, Authorizer, Integration, Route, Stage,
DomainName, ApiMapping.

Created in moto's API Gateway v2 backend (get_api, get_authorizers, get_integrations, get_routes, get_stage,
get_domain_name, get_api_mappings see them), updated in place (ids kept). A DomainName's configuration gets
what API Gateway fills in (ApiGatewayDomainName d-....execute-api.REGION.amazonaws.com, the region's
documented HostedZoneId, DomainNameStatus AVAILABLE) and is refused without a certificate of its region
covering the name; an ApiMapping needs an existing stage of the API (`_apigateway_domains`). AWS::ApiGatewayV2::Deployment stays unregistered ("not emulated"):
moto's API Gateway v2 has no deployments at all.
"""

from __future__ import annotations

from typing import Any

from moto.core.common_models import CloudFormationModel

from ._apigateway_domains import (DomainNameError, check_certificate, check_unique, regional_domain_name,
                                  regional_hosted_zone)
from ._cfn import BackendHandle, properties_of, tag_dict
from candlefish_ops.local.moto.compat import backend


def _backend(account_id: str, region_name: str) -> Any:

    return backend("apigatewayv2", account_id, region_name)


def _child_api(account_id: str, region_name: str, api_id: str) -> Any:
    return _backend(account_id, region_name).apis.get(api_id)


class CfnApi(BackendHandle, CloudFormationModel):
    """AWS::ApiGatewayV2::Api: Ref = GetAtt ApiId; GetAtt ApiEndpoint."""

    cfn_type = "AWS::ApiGatewayV2::Api"
    ref_attribute = "api_id"
    attributes = {"ApiId": "api_id", "ApiEndpoint": "api_endpoint"}

    def __init__(self, api: Any) -> None:
        self.api_id, self.api_endpoint = api.api_id, api.api_endpoint

    name_type = "Name"

    @staticmethod
    def _arguments(name: str, props: dict[str, Any]) -> dict[str, Any]:
        return {"api_key_selection_expression": props.get("ApiKeySelectionExpression"),
                "cors_configuration": _lower_keys(props.get("CorsConfiguration")), "description": props.get("Description"),
                "disable_schema_validation": props.get("DisableSchemaValidation"),
                "disable_execute_api_endpoint": props.get("DisableExecuteApiEndpoint"), "name": name,
                "route_selection_expression": props.get("RouteSelectionExpression"),
                "version": props.get("Version")}

    @classmethod
    def create_from_cloudformation_json(  # type: ignore[misc]
        cls, resource_name: str, cloudformation_json: dict[str, Any], account_id: str, region_name: str,
        **kwargs: Any,
    ) -> CfnApi:
        props = properties_of(cloudformation_json)
        api = _backend(account_id, region_name).create_api(
            protocol_type=props["ProtocolType"], tags=tag_dict(props.get("Tags")), **cls._arguments(resource_name, props))
        return cls(api)

    @classmethod
    def update_from_cloudformation_json(  # type: ignore[misc]
        cls, original_resource: CfnApi, new_resource_name: str, cloudformation_json: dict[str, Any],
        account_id: str, region_name: str,
    ) -> CfnApi:
        props = properties_of(cloudformation_json)
        _backend(account_id, region_name).update_api(
            api_id=original_resource.api_id, **cls._arguments(new_resource_name, props))
        return original_resource

    def delete(self, account_id: str, region_name: str) -> None:
        _backend(account_id, region_name).delete_api(self.api_id)


class _ApiChild(BackendHandle):
    """A resource of an API: Ref = its id; deleted from the API's collection `collection`.

    Children with backend `create_<kind>(api_id, **arguments)` / `update_<kind>(api_id, <kind>_id,
    **arguments)` set `kind`, `arguments` (CloudFormation properties -> backend keywords) and `id_field`
    (the created object's id attribute), and get create and in-place update from here."""

    ref_attribute = "resource_id"
    collection = ""
    kind = ""
    id_field = "id"

    @staticmethod
    def arguments(props: dict[str, Any]) -> dict[str, Any]:  # pragma: no cover - set by each child
        raise NotImplementedError

    @classmethod
    def create_from_cloudformation_json(  # type: ignore[misc]
        cls, resource_name: str, cloudformation_json: dict[str, Any], account_id: str, region_name: str,
        **kwargs: Any,
    ) -> Any:
        props = properties_of(cloudformation_json)
        create = getattr(_backend(account_id, region_name), f"create_{cls.kind}")
        created = create(api_id=props["ApiId"], **cls.arguments(props))
        return cls(props["ApiId"], getattr(created, cls.id_field))

    @classmethod
    def update_from_cloudformation_json(  # type: ignore[misc]
        cls, original_resource: Any, new_resource_name: str, cloudformation_json: dict[str, Any],
        account_id: str, region_name: str,
    ) -> Any:
        update = getattr(_backend(account_id, region_name), f"update_{cls.kind}")
        update(api_id=original_resource.api_id, **{f"{cls.kind}_id": original_resource.resource_id},
               **cls.arguments(properties_of(cloudformation_json)))
        return original_resource

    def __init__(self, api_id: str, resource_id: str) -> None:
        self.api_id, self.resource_id = api_id, resource_id

    def delete(self, account_id: str, region_name: str) -> None:
        api = _child_api(account_id, region_name, self.api_id)
        if api is not None:
            getattr(api, self.collection).pop(self.resource_id, None)


def _authorizer_arguments(props: dict[str, Any]) -> dict[str, Any]:
    return {"auth_creds_arn": props.get("AuthorizerCredentialsArn"),
            "auth_payload_format_version": props.get("AuthorizerPayloadFormatVersion"),
            "auth_result_ttl": props.get("AuthorizerResultTtlInSeconds"), "authorizer_uri": props.get("AuthorizerUri"),
            "authorizer_type": props["AuthorizerType"], "enable_simple_response": props.get("EnableSimpleResponses"),
            "identity_source": props.get("IdentitySource"),
            "identity_validation_expr": props.get("IdentityValidationExpression"),
            "jwt_config": props.get("JwtConfiguration"), "name": props["Name"]}


class CfnAuthorizer(_ApiChild, CloudFormationModel):
    """AWS::ApiGatewayV2::Authorizer (GetAtt AuthorizerId)."""

    cfn_type = "AWS::ApiGatewayV2::Authorizer"
    collection, kind = "authorizers", "authorizer"
    attributes = {"AuthorizerId": "resource_id"}
    arguments = staticmethod(_authorizer_arguments)


def _integration_arguments(props: dict[str, Any]) -> dict[str, Any]:
    timeout = props.get("TimeoutInMillis")
    return {"connection_id": props.get("ConnectionId"), "connection_type": props.get("ConnectionType"),
            "content_handling_strategy": props.get("ContentHandlingStrategy"),
            "credentials_arn": props.get("CredentialsArn"), "description": props.get("Description"),
            "integration_method": props.get("IntegrationMethod"), "integration_subtype": props.get("IntegrationSubtype"),
            "integration_type": props["IntegrationType"], "integration_uri": props.get("IntegrationUri"),
            "passthrough_behavior": props.get("PassthroughBehavior"),
            "payload_format_version": props.get("PayloadFormatVersion"),
            "request_parameters": props.get("RequestParameters"), "request_templates": props.get("RequestTemplates"),
            "response_parameters": props.get("ResponseParameters"),
            "template_selection_expression": props.get("TemplateSelectionExpression"),
            "timeout_in_millis": None if timeout is None else int(timeout), "tls_config": props.get("TlsConfig")}


class CfnIntegration(_ApiChild, CloudFormationModel):
    """AWS::ApiGatewayV2::Integration (GetAtt IntegrationId)."""

    cfn_type = "AWS::ApiGatewayV2::Integration"
    collection, kind = "integrations", "integration"
    attributes = {"IntegrationId": "resource_id"}
    arguments = staticmethod(_integration_arguments)


def _route_arguments(props: dict[str, Any]) -> dict[str, Any]:
    return {"api_key_required": bool(props.get("ApiKeyRequired", False)),
            "authorization_scopes": props.get("AuthorizationScopes"),
            "authorization_type": props.get("AuthorizationType", "NONE"), "authorizer_id": props.get("AuthorizerId"),
            "model_selection_expression": props.get("ModelSelectionExpression"),
            "operation_name": props.get("OperationName"), "request_models": props.get("RequestModels"),
            "request_parameters": props.get("RequestParameters"), "route_key": props["RouteKey"],
            "route_response_selection_expression": props.get("RouteResponseSelectionExpression"),
            "target": props.get("Target")}


class CfnRoute(_ApiChild, CloudFormationModel):
    """AWS::ApiGatewayV2::Route (GetAtt RouteId)."""

    cfn_type = "AWS::ApiGatewayV2::Route"
    collection, kind, id_field = "routes", "route", "route_id"
    attributes = {"RouteId": "resource_id"}
    arguments = staticmethod(_route_arguments)


def _lower_keys(settings: dict[str, Any] | None) -> dict[str, Any] | None:
    """CloudFormation's PascalCase settings in the API's camelCase."""
    if settings is None:
        return None
    return {key[0].lower() + key[1:]: value for key, value in settings.items()}


def _stage_config(name: str, props: dict[str, Any]) -> dict[str, Any]:
    config: dict[str, Any] = {"stageName": name, "stageVariables": dict(props.get("StageVariables", {})),
                              "tags": tag_dict(props.get("Tags")), "description": props.get("Description"),
                              "autoDeploy": props.get("AutoDeploy"), "deploymentId": props.get("DeploymentId"),
                              "accessLogSettings": _lower_keys(props.get("AccessLogSettings")),
                              "routeSettings": {key: _lower_keys(value)
                                                for key, value in (props.get("RouteSettings") or {}).items()}}
    if "DefaultRouteSettings" in props:
        config["defaultRouteSettings"] = _lower_keys(props["DefaultRouteSettings"])
    return config


class CfnV2Stage(_ApiChild, CloudFormationModel):
    """AWS::ApiGatewayV2::Stage: Ref = the stage name; updates rewrite the stage's settings."""

    cfn_type = "AWS::ApiGatewayV2::Stage"
    collection = "stages"

    @classmethod
    def create_from_cloudformation_json(  # type: ignore[misc]
        cls, resource_name: str, cloudformation_json: dict[str, Any], account_id: str, region_name: str,
        **kwargs: Any,
    ) -> CfnV2Stage:
        props = properties_of(cloudformation_json)
        stage = _backend(account_id, region_name).create_stage(props["ApiId"], _stage_config(props["StageName"], props))
        return cls(props["ApiId"], stage.name)

    @classmethod
    def update_from_cloudformation_json(  # type: ignore[misc]
        cls, original_resource: CfnV2Stage, new_resource_name: str, cloudformation_json: dict[str, Any],
        account_id: str, region_name: str,
    ) -> CfnV2Stage:
        original_resource.delete(account_id, region_name)
        return cls.create_from_cloudformation_json(new_resource_name, cloudformation_json, account_id, region_name)


# --- custom domain names ------------------------------------------------------------------------------------------

def _domain_configuration(name: str, configuration: dict[str, Any], account_id: str, region_name: str) -> dict[str, Any]:
    """One DomainNameConfiguration as GetDomainName answers it (what API Gateway adds included)."""
    endpoint = configuration.get("EndpointType", "REGIONAL")
    if endpoint != "REGIONAL":
        raise DomainNameError(f"{name}: the emulator models REGIONAL API Gateway v2 domain names only (got {endpoint})")
    check_certificate(name, configuration.get("CertificateArn"), account_id, region_name)
    answer = {"apiGatewayDomainName": regional_domain_name(region_name), "certificateArn": configuration["CertificateArn"],
              "domainNameStatus": "AVAILABLE", "endpointType": endpoint,
              "hostedZoneId": regional_hosted_zone(region_name),
              "ipAddressType": configuration.get("IpAddressType", "ipv4"),   # AWS's default
              "securityPolicy": configuration.get("SecurityPolicy", "TLS_1_2")}
    if configuration.get("CertificateName"):
        answer["certificateName"] = configuration["CertificateName"]
    return answer   # in the API's JSON (camelCase), as moto keeps what CreateDomainName receives


class CfnV2DomainName(BackendHandle, CloudFormationModel):
    """AWS::ApiGatewayV2::DomainName: Ref = the name; GetAtt RegionalDomainName, RegionalHostedZoneId,
    DomainNameArn."""

    cfn_type = "AWS::ApiGatewayV2::DomainName"
    ref_attribute = "domain_name"
    attributes = {"RegionalDomainName": "regional_domain_name", "RegionalHostedZoneId": "regional_hosted_zone_id",
                  "DomainNameArn": "arn"}

    def __init__(self, domain: Any) -> None:
        configuration = domain.domain_name_configurations[0]
        self.domain_name, self.arn = domain.domain_name, domain.domain_name_arn
        self.regional_domain_name = configuration["apiGatewayDomainName"]
        self.regional_hosted_zone_id = configuration["hostedZoneId"]

    @classmethod
    def create_from_cloudformation_json(  # type: ignore[misc]
        cls, resource_name: str, cloudformation_json: dict[str, Any], account_id: str, region_name: str,
        **kwargs: Any,
    ) -> CfnV2DomainName:
        props = properties_of(cloudformation_json)
        name, backend = props["DomainName"], _backend(account_id, region_name)
        check_unique(backend.domain_names, name, region_name)
        configurations = [_domain_configuration(name, c, account_id, region_name)
                          for c in props.get("DomainNameConfigurations") or [{}]]
        domain = backend.create_domain_name(
            domain_name=name, domain_name_configurations=configurations,
            mutual_tls_authentication=props.get("MutualTlsAuthentication"), tags=dict(props.get("Tags") or {}))
        return cls(domain)

    def delete(self, account_id: str, region_name: str) -> None:
        backend = _backend(account_id, region_name)
        if self.domain_name in backend.domain_names:
            backend.delete_domain_name(self.domain_name)


class CfnApiMapping(BackendHandle, CloudFormationModel):
    """AWS::ApiGatewayV2::ApiMapping: Ref = GetAtt ApiMappingId; the stage must exist (as on AWS)."""

    cfn_type = "AWS::ApiGatewayV2::ApiMapping"
    ref_attribute = "mapping_id"
    attributes = {"ApiMappingId": "mapping_id"}

    def __init__(self, domain_name: str, mapping_id: str) -> None:
        self.domain_name, self.mapping_id = domain_name, mapping_id

    @classmethod
    def create_from_cloudformation_json(  # type: ignore[misc]
        cls, resource_name: str, cloudformation_json: dict[str, Any], account_id: str, region_name: str,
        **kwargs: Any,
    ) -> CfnApiMapping:
        props = properties_of(cloudformation_json)
        backend = _backend(account_id, region_name)
        if props["Stage"] not in backend.get_api(props["ApiId"]).stages:
            raise DomainNameError(f"{props['DomainName']}: API {props['ApiId']} has no stage {props['Stage']!r}")
        mapping = backend.create_api_mapping(api_id=props["ApiId"], api_mapping_key=props.get("ApiMappingKey") or "",
                                             domain_name=props["DomainName"], stage=props["Stage"])
        return cls(props["DomainName"], mapping.api_mapping_id)

    def delete(self, account_id: str, region_name: str) -> None:
        _backend(account_id, region_name).api_mappings.pop(self.mapping_id, None)
