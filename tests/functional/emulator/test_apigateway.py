"""API Gateway REST stages, usage plans and keys, and v2 WebSocket APIs are materialised in the emulator."""

from __future__ import annotations

import copy

import pytest

LAMBDA_URI = "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:h/invocations"
REST = {
    "Resources": {
        "Api": {"Type": "AWS::ApiGateway::RestApi", "Properties": {
            "Name": "candlefish-api", "EndpointConfiguration": {"Types": ["REGIONAL"]}, "ApiKeySourceType": "HEADER",
            "Tags": [{"Key": "service", "Value": "api"}]}},
        "Metrics": {"Type": "AWS::ApiGateway::Resource", "Properties": {
            "RestApiId": {"Ref": "Api"}, "ParentId": {"Fn::GetAtt": ["Api", "RootResourceId"]}, "PathPart": "metrics"}},
        "MetricsGet": {"Type": "AWS::ApiGateway::Method", "Properties": {
            "RestApiId": {"Ref": "Api"}, "ResourceId": {"Ref": "Metrics"}, "HttpMethod": "GET",
            "AuthorizationType": "NONE", "Integration": {"Type": "AWS_PROXY", "IntegrationHttpMethod": "POST",
                                                         "Uri": LAMBDA_URI}}},
        "Deployment": {"Type": "AWS::ApiGateway::Deployment", "DependsOn": ["MetricsGet"],
                       "Properties": {"RestApiId": {"Ref": "Api"}}},
        "Account": {"Type": "AWS::ApiGateway::Account", "Properties": {
            "CloudWatchRoleArn": "arn:aws:iam::123456789012:role/apigw-logs"}},
        "Stage": {"Type": "AWS::ApiGateway::Stage", "Properties": {
            "RestApiId": {"Ref": "Api"}, "DeploymentId": {"Ref": "Deployment"}, "StageName": "api",
            "TracingEnabled": True, "CacheClusterEnabled": True, "CacheClusterSize": "1.6",
            "Variables": {"tier": "prod"},
            "AccessLogSetting": {"DestinationArn": "arn:aws:logs:us-east-1:123456789012:log-group:access",
                                 "Format": "$context.requestId"},
            "MethodSettings": [
                {"ResourcePath": "/*", "HttpMethod": "*", "ThrottlingBurstLimit": 100, "ThrottlingRateLimit": 50,
                 "MetricsEnabled": True, "LoggingLevel": "ERROR"},
                {"ResourcePath": "/~1metrics", "HttpMethod": "GET", "CachingEnabled": True, "CacheTtlInSeconds": 60}]}},
        "Plan": {"Type": "AWS::ApiGateway::UsagePlan", "DependsOn": "Stage", "Properties": {
            "UsagePlanName": "default", "ApiStages": [{"ApiId": {"Ref": "Api"}, "Stage": "api"}],
            "Quota": {"Limit": 1000, "Period": "DAY"}, "Throttle": {"BurstLimit": 100, "RateLimit": 50}}},
        "Key": {"Type": "AWS::ApiGateway::ApiKey", "Properties": {"Name": "web", "Enabled": True}},
        "PlanKey": {"Type": "AWS::ApiGateway::UsagePlanKey", "Properties": {
            "KeyId": {"Ref": "Key"}, "KeyType": "API_KEY", "UsagePlanId": {"Ref": "Plan"}}},
    },
    "Outputs": {"ApiId": {"Value": {"Ref": "Api"}}, "DeploymentId": {"Value": {"Ref": "Deployment"}},
                "KeyId": {"Value": {"Ref": "Key"}}, "PlanId": {"Value": {"Ref": "Plan"}},
                "StageName": {"Value": {"Ref": "Stage"}}},
}


@pytest.fixture
def apigateway(client):
    return client("apigateway")


def test_stage_is_readable_with_its_settings(stack, apigateway):
    stack.create(REST)
    outputs = stack.outputs()

    stage = apigateway.get_stage(restApiId=outputs["ApiId"], stageName=outputs["StageName"])
    assert stage["deploymentId"] == outputs["DeploymentId"]
    assert [d["id"] for d in apigateway.get_deployments(restApiId=outputs["ApiId"])["items"]] == [outputs["DeploymentId"]]
    assert stage["tracingEnabled"] is True and stage["cacheClusterSize"] == "1.6"
    assert stage["variables"] == {"tier": "prod"} and stage["accessLogSettings"]["format"] == "$context.requestId"
    settings = stage["methodSettings"]
    assert settings["*/*"]["throttlingBurstLimit"] == 100 and settings["*/*"]["throttlingRateLimit"] == 50.0
    assert settings["*/*"]["loggingLevel"] == "ERROR"
    assert settings["~1metrics/GET"]["cachingEnabled"] is True and settings["~1metrics/GET"]["cacheTtlInSeconds"] == 60
    assert apigateway.get_account()["cloudwatchRoleArn"].endswith("role/apigw-logs")
    api = apigateway.get_rest_api(restApiId=outputs["ApiId"])
    assert api["endpointConfiguration"]["types"] == ["REGIONAL"] and api["tags"] == {"service": "api"}


def test_usage_plan_and_key(stack, apigateway):
    stack.create(REST)
    outputs = stack.outputs()

    plan = apigateway.get_usage_plan(usagePlanId=outputs["PlanId"])
    assert plan["apiStages"] == [{"apiId": outputs["ApiId"], "stage": "api"}]
    assert plan["quota"]["limit"] == 1000 and plan["throttle"]["burstLimit"] == 100
    key = apigateway.get_api_key(apiKey=outputs["KeyId"])
    assert key["name"] == "web" and key["enabled"] is True
    keys = apigateway.get_usage_plan_keys(usagePlanId=outputs["PlanId"])["items"]
    assert [k["id"] for k in keys] == [outputs["KeyId"]]


def test_update_and_delete(stack, apigateway):
    stack.create(REST)
    outputs = stack.outputs()
    changed = copy.deepcopy(REST)
    changed["Resources"]["Stage"]["Properties"]["TracingEnabled"] = False
    changed["Resources"]["Plan"]["Properties"]["Quota"]["Limit"] = 5000

    stack.update(changed)
    assert apigateway.get_stage(restApiId=outputs["ApiId"], stageName="api")["tracingEnabled"] is False
    assert apigateway.get_usage_plan(usagePlanId=outputs["PlanId"])["quota"]["limit"] == 5000
    assert [k["id"] for k in apigateway.get_usage_plan_keys(usagePlanId=outputs["PlanId"])["items"]] == [outputs["KeyId"]]

    stack.delete()
    assert apigateway.get_usage_plans()["items"] == [] and apigateway.get_api_keys()["items"] == []
    assert apigateway.get_rest_apis()["items"] == []


WEBSOCKET = {
    "Resources": {
        "Ws": {"Type": "AWS::ApiGatewayV2::Api", "Properties": {
            "Name": "candlefish-ws", "ProtocolType": "WEBSOCKET", "RouteSelectionExpression": "$request.body.action"}},
        "Authorizer": {"Type": "AWS::ApiGatewayV2::Authorizer", "Properties": {
            "ApiId": {"Ref": "Ws"}, "Name": "connect-token", "AuthorizerType": "REQUEST",
            "IdentitySource": ["route.request.querystring.token"], "AuthorizerUri": LAMBDA_URI}},
        "Integration": {"Type": "AWS::ApiGatewayV2::Integration", "Properties": {
            "ApiId": {"Ref": "Ws"}, "IntegrationType": "AWS_PROXY", "IntegrationUri": LAMBDA_URI}},
        "Connect": {"Type": "AWS::ApiGatewayV2::Route", "Properties": {
            "ApiId": {"Ref": "Ws"}, "RouteKey": "$connect", "AuthorizationType": "CUSTOM",
            "AuthorizerId": {"Ref": "Authorizer"}, "Target": {"Fn::Sub": "integrations/${Integration}"}}},
        "Default": {"Type": "AWS::ApiGatewayV2::Route", "Properties": {
            "ApiId": {"Ref": "Ws"}, "RouteKey": "$default", "Target": {"Fn::Sub": "integrations/${Integration}"}}},
        "Stage": {"Type": "AWS::ApiGatewayV2::Stage", "Properties": {
            "ApiId": {"Ref": "Ws"}, "StageName": "ws",
            "DefaultRouteSettings": {"ThrottlingBurstLimit": 100, "ThrottlingRateLimit": 50, "LoggingLevel": "ERROR"},
            "AccessLogSettings": {"DestinationArn": "arn:aws:logs:us-east-1:123456789012:log-group:ws",
                                  "Format": "$context.requestId"}}},
    },
    "Outputs": {"ApiId": {"Value": {"Ref": "Ws"}}, "Endpoint": {"Value": {"Fn::GetAtt": ["Ws", "ApiEndpoint"]}}},
}


@pytest.fixture
def apigatewayv2(client):
    return client("apigatewayv2")


def test_websocket_api_routes_integration_authorizer_and_stage(stack, apigatewayv2):
    stack.create(WEBSOCKET)
    api_id = stack.outputs()["ApiId"]

    api = apigatewayv2.get_api(ApiId=api_id)
    assert api["ProtocolType"] == "WEBSOCKET" and api["ApiEndpoint"] == stack.outputs()["Endpoint"]
    [integration] = apigatewayv2.get_integrations(ApiId=api_id)["Items"]
    assert integration["IntegrationType"] == "AWS_PROXY" and integration["IntegrationUri"] == LAMBDA_URI
    authorizer = apigatewayv2.get_authorizer(ApiId=api_id, AuthorizerId=stack.physical_id("Authorizer"))
    assert authorizer["IdentitySource"] == ["route.request.querystring.token"]
    routes = {r["RouteKey"]: r for r in apigatewayv2.get_routes(ApiId=api_id)["Items"]}
    assert routes["$connect"]["AuthorizerId"] == authorizer["AuthorizerId"]
    assert routes["$default"]["Target"] == f"integrations/{integration['IntegrationId']}"
    stage = apigatewayv2.get_stage(ApiId=api_id, StageName="ws")
    assert stage["DefaultRouteSettings"]["ThrottlingBurstLimit"] == 100
    assert stage["AccessLogSettings"]["Format"] == "$context.requestId"


def test_websocket_update_keeps_ids_and_delete_removes_api(stack, apigatewayv2):
    stack.create(WEBSOCKET)
    api_id = stack.outputs()["ApiId"]
    changed = copy.deepcopy(WEBSOCKET)
    changed["Resources"]["Ws"]["Properties"]["Description"] = "real-time channel"
    changed["Resources"]["Default"]["Properties"]["RouteKey"] = "sendmessage"

    stack.update(changed)
    assert stack.outputs()["ApiId"] == api_id
    assert apigatewayv2.get_api(ApiId=api_id)["Description"] == "real-time channel"
    assert {r["RouteKey"] for r in apigatewayv2.get_routes(ApiId=api_id)["Items"]} == {"$connect", "sendmessage"}

    stack.delete()
    assert apigatewayv2.get_apis()["Items"] == []


def test_mock_method_with_parameters_and_responses(stack, apigateway):
    template = copy.deepcopy(REST)
    template["Resources"] = {key: template["Resources"][key] for key in ("Api", "Metrics")}
    template["Resources"]["Options"] = {"Type": "AWS::ApiGateway::Method", "Properties": {
        "RestApiId": {"Ref": "Api"}, "ResourceId": {"Ref": "Metrics"}, "HttpMethod": "OPTIONS",
        "AuthorizationType": "NONE", "ApiKeyRequired": True,
        "RequestParameters": {"method.request.header.Origin": False},
        "MethodResponses": [{"StatusCode": "200", "ResponseParameters": {
            "method.response.header.Access-Control-Allow-Origin": True}}],
        "Integration": {"Type": "MOCK", "RequestTemplates": {"application/json": "{\"statusCode\": 200}"},
                        "IntegrationResponses": [{"StatusCode": "200", "ResponseParameters": {
                            "method.response.header.Access-Control-Allow-Origin": "'*'"}}]}}}
    stack.create(template)
    api_id, resource_id = stack.physical_id("Api"), stack.physical_id("Metrics")

    method = apigateway.get_method(restApiId=api_id, resourceId=resource_id, httpMethod="OPTIONS")
    assert method["apiKeyRequired"] is True
    assert method["requestParameters"] == {"method.request.header.Origin": False}
    assert method["methodIntegration"]["type"] == "MOCK"
    assert method["methodIntegration"]["integrationResponses"]["200"]["responseParameters"] == {
        "method.response.header.Access-Control-Allow-Origin": "'*'"}
    assert "200" in method["methodResponses"]

    stack.delete()
    assert apigateway.get_rest_apis()["items"] == []


# --- regional custom domains --------------------------------------------------------------------------------------

def _domains(certificate_arn: dict | str, rest_domain: str = "api.example.com") -> dict:
    """REST and WebSocket APIs with regional custom domains on one certificate (api./ws.example.com)."""
    template = copy.deepcopy(REST)
    resources = template["Resources"]
    resources.update({
        "Certificate": {"Type": "AWS::CertificateManager::Certificate", "Properties": {
            "DomainName": "api.example.com", "SubjectAlternativeNames": ["ws.example.com"], "ValidationMethod": "DNS"}},
        "RestDomain": {"Type": "AWS::ApiGateway::DomainName", "Properties": {
            "DomainName": rest_domain, "RegionalCertificateArn": certificate_arn, "SecurityPolicy": "TLS_1_2",
            "EndpointConfiguration": {"Types": ["REGIONAL"], "IpAddressType": "dualstack"}}},
        "RestMapping": {"Type": "AWS::ApiGateway::BasePathMapping", "Properties": {
            "DomainName": {"Ref": "RestDomain"}, "RestApiId": {"Ref": "Api"}, "Stage": {"Ref": "Stage"}}},
        "Ws": {"Type": "AWS::ApiGatewayV2::Api", "Properties": {
            "Name": "ws", "ProtocolType": "WEBSOCKET", "RouteSelectionExpression": "$request.body.action"}},
        "WsStage": {"Type": "AWS::ApiGatewayV2::Stage", "Properties": {"ApiId": {"Ref": "Ws"}, "StageName": "ws"}},
        "WsDomain": {"Type": "AWS::ApiGatewayV2::DomainName", "Properties": {
            "DomainName": "ws.example.com", "DomainNameConfigurations": [
                {"CertificateArn": certificate_arn, "EndpointType": "REGIONAL", "IpAddressType": "dualstack"}]}},
        "WsMapping": {"Type": "AWS::ApiGatewayV2::ApiMapping", "Properties": {
            "ApiId": {"Ref": "Ws"}, "DomainName": {"Ref": "WsDomain"}, "Stage": {"Ref": "WsStage"}}},
    })
    template["Outputs"].update({
        "RestRegional": {"Value": {"Fn::GetAtt": ["RestDomain", "RegionalDomainName"]}},
        "RestZone": {"Value": {"Fn::GetAtt": ["RestDomain", "RegionalHostedZoneId"]}},
        "WsRegional": {"Value": {"Fn::GetAtt": ["WsDomain", "RegionalDomainName"]}},
        "WsZone": {"Value": {"Fn::GetAtt": ["WsDomain", "RegionalHostedZoneId"]}},
        "WsMappingId": {"Value": {"Ref": "WsMapping"}}})
    return template


def _regional_stack(client, region: str):
    from tests.functional.emulator.conftest import Stack

    return Stack(client("cloudformation", region), f"domains-{region}")


@pytest.mark.parametrize("region, zone", [("eu-west-1", "ZLY8HYME6SFDD"), ("ap-southeast-1", "ZL327KTPIQFUL")])
def test_regional_domains_answer_with_the_documented_zone_of_their_region(client, region, zone):
    outputs = _regional_stack(client, region).create(_domains({"Ref": "Certificate"})).outputs()

    domain = client("apigateway", region).get_domain_name(domainName="api.example.com")
    assert domain["regionalDomainName"] == outputs["RestRegional"]
    assert outputs["RestRegional"].startswith("d-") and outputs["RestRegional"].endswith(f".execute-api.{region}.amazonaws.com")
    assert domain["regionalHostedZoneId"] == outputs["RestZone"] == zone
    mappings = client("apigateway", region).get_base_path_mappings(domainName="api.example.com")["items"]
    assert [(m["restApiId"], m["stage"]) for m in mappings] == [(outputs["ApiId"], "api")]
    v2 = client("apigatewayv2", region)
    [configuration] = v2.get_domain_name(DomainName="ws.example.com")["DomainNameConfigurations"]
    assert (configuration["ApiGatewayDomainName"], configuration["HostedZoneId"]) == (outputs["WsRegional"], zone)
    assert configuration["DomainNameStatus"] == "AVAILABLE"
    assert [m["ApiMappingId"] for m in v2.get_api_mappings(DomainName="ws.example.com")["Items"]] == [outputs["WsMappingId"]]


def test_a_certificate_of_another_region_is_refused(client):
    arn = client("acm", "us-east-1").request_certificate(
        DomainName="api.example.com", SubjectAlternativeNames=["ws.example.com"])["CertificateArn"]
    template = _domains(arn)
    del template["Resources"]["Certificate"]
    with pytest.raises(Exception, match="not in ACM in eu-west-1"):
        _regional_stack(client, "eu-west-1").create(template)
    assert client("apigateway", "eu-west-1").get_domain_names()["items"] == []


def test_a_certificate_that_does_not_cover_the_name_is_refused(client):
    with pytest.raises(Exception, match="covers api.example.com, ws.example.com, not this name"):
        _regional_stack(client, "eu-west-1").create(_domains({"Ref": "Certificate"}, rest_domain="rest.example.com"))


def test_an_api_mapping_needs_an_existing_stage(client):
    template = _domains({"Ref": "Certificate"})
    template["Resources"]["WsMapping"]["Properties"]["Stage"] = "missing"
    with pytest.raises(Exception, match="has no stage 'missing'"):
        _regional_stack(client, "eu-west-1").create(template)
