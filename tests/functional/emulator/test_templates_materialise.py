"""Production's templates deploy into the emulator, stack after stack, and their resources materialise.

The stacks are created in dependency order in their primary region with the literal parameter values of
config/production.yaml; a `${stack.Output}` parameter takes the output of the stack deployed before it (a
plausible stand-in when that output is missing). Each stack must reach CREATE_COMPLETE, and the types the
emulator cannot materialise (reported "not emulated") must be exactly the expected ones.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from candlefish_ops.local.emulator import reset_endpoint
from candlefish_ops.local.moto.extensions import not_emulated

from .conftest import fast_fail_client


_REPOSITORY = Path(__file__).resolve().parents[3]
# The repository's own templates/ and config/ once merged; until then the templates worktree.
TEMPLATES = _REPOSITORY if (_REPOSITORY / "config" / "production.yaml").exists() else Path("/work/wt/templates")
ORDER = ["dns", "network", "replica", "storage", "security", "api", "compute", "data", "monitoring", "edge"]
NOT_EMULATED = {
    "dns": {"AWS::Route53::DNSSEC", "AWS::Route53::KeySigningKey"},
    "api": {"AWS::ApiGatewayV2::Deployment"},
    "data": {"AWS::Backup::BackupSelection"},
    "monitoring": {"AWS::XRay::SamplingRule"},
    "edge": {"AWS::CloudFront::RealtimeLogConfig"},
}
STAND_INS = {"PrivateSubnetIds": "subnet-0a,subnet-0b", "PublicSubnetIds": "subnet-1a,subnet-1b",
             "VpcId": "vpc-0c0ffee", "VpcCidr": "10.0.0.0/16", "HostedZoneId": "Z0CANDLEFISH"}
_REFERENCE = re.compile(r"^\$\{(\w+)(?:@[\w-]+)?\.(\w+)\}$")

pytestmark = [pytest.mark.shared_emulator_state,
              pytest.mark.skipif(not (TEMPLATES / "config" / "production.yaml").exists(),
                                 reason="the templates are not available")]


class _Loader(yaml.SafeLoader):
    """YAML with CloudFormation's short-form tags kept as plain values (only the structure is needed)."""


_Loader.add_multi_constructor("!", lambda loader, suffix, node: None)


def resource_types(template_file: str) -> set[str]:
    document = yaml.load((TEMPLATES / "templates" / template_file).read_text(), Loader=_Loader)
    return {resource["Type"] for resource in document["Resources"].values()}


def _value(name: str, value: Any, outputs: dict[str, dict[str, str]]) -> str:
    if isinstance(value, list):
        return ",".join(str(item) for item in value)
    match = _REFERENCE.match(str(value))
    if match:
        stack, output = match.groups()
        return outputs.get(stack, {}).get(output) or STAND_INS.get(name, f"stand-in-{output.lower()}")
    return str(value)


def _region(spec: dict[str, Any]) -> str:
    return spec.get("region") or spec["regions"][0]


def deploy_all(endpoint: str) -> dict[str, Any]:
    """Deploy every stack once, in order; record each one's status, outputs and error."""
    reset_endpoint(endpoint)
    config = yaml.safe_load((TEMPLATES / "config" / "production.yaml").read_text())
    outputs: dict[str, dict[str, str]] = {}
    results: dict[str, Any] = {"_config": config, "_outputs": outputs, "_endpoint": endpoint}
    for key in ORDER:
        spec = config["stacks"][key]
        results[key] = {"status": "FAILED", "error": None, "region": _region(spec),
                        "name": f"candlefish-production-{key}"}
        try:
            results[key]["status"] = _deploy(endpoint, key, spec, outputs)
        except Exception as error:  # noqa: BLE001 - reported per stack by the tests below
            results[key]["error"] = f"{type(error).__name__}: {error}"[:2000]
    return results


def _deploy(endpoint: str, key: str, spec: dict[str, Any], outputs: dict[str, dict[str, str]]) -> str:
    cloudformation = fast_fail_client(endpoint, "cloudformation", _region(spec))
    name = f"candlefish-production-{key}"
    parameters = [{"ParameterKey": k, "ParameterValue": _value(k, v, outputs)}
                  for k, v in spec.get("parameters", {}).items()]
    if key == "edge":
        parameters += _release_parameters(endpoint)
    if key == "security":
        parameters += _ip_set_parameters(endpoint)
    cloudformation.create_stack(StackName=name, Parameters=parameters,
                                TemplateBody=(TEMPLATES / "templates" / spec["template"]).read_text(),
                                Capabilities=["CAPABILITY_IAM", "CAPABILITY_NAMED_IAM"])
    stack = cloudformation.describe_stacks(StackName=name)["Stacks"][0]
    outputs[key] = {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}
    return stack["StackStatus"]


def _ip_set_parameters(endpoint: str) -> list[dict[str, str]]:
    """What the deploy passes the security stack: the four IP sets, created outside the stack (docs/waf.md)."""
    from candlefish_ops.waf.ip_sets import IP_SET_PARAMETERS

    wafv2 = fast_fail_client(endpoint, "wafv2", "us-east-1")
    existing = {s["Name"]: s["ARN"] for s in wafv2.list_ip_sets(Scope="CLOUDFRONT")["IPSets"]}
    parameters = []
    for parameter, (kind, version) in IP_SET_PARAMETERS.items():
        name = f"production-candlefish-{kind}-{version}"
        arn = existing.get(name) or wafv2.create_ip_set(
            Name=name, Scope="CLOUDFRONT", IPAddressVersion="IPV4" if version == "v4" else "IPV6",
            Addresses=[])["Summary"]["ARN"]
        parameters.append({"ParameterKey": parameter, "ParameterValue": arn})
    return parameters


def _release_parameters(endpoint: str) -> list[dict[str, str]]:
    """What the edge release step would pass: a (tiny) package per function, uploaded content-addressed."""
    import base64
    import hashlib
    import io
    import zipfile

    from candlefish_ops.edge.functions import ARTIFACTS_PARAMETER, FUNCTIONS

    s3 = fast_fail_client(endpoint, "s3", "us-east-1")
    s3.create_bucket(Bucket="stand-in-artifacts")
    parameters = {ARTIFACTS_PARAMETER: "stand-in-artifacts"}
    for function in FUNCTIONS:
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            archive.writestr("handler.py", f"def handler(event, context):  # {function.name}\n    return None\n")
        data = buffer.getvalue()
        key = function.s3_key(hashlib.sha256(data).hexdigest())
        s3.put_object(Bucket="stand-in-artifacts", Key=key, Body=data)
        parameters[function.key_parameter] = key
        parameters[function.sha_parameter] = base64.b64encode(hashlib.sha256(data).digest()).decode()
    return [{"ParameterKey": k, "ParameterValue": v} for k, v in parameters.items()]


@pytest.fixture(scope="module")
def _deployment(emulator_endpoint: str) -> dict[str, Any]:
    return deploy_all(emulator_endpoint)


@pytest.fixture
def deployed(_deployment: dict[str, Any]) -> dict[str, Any]:
    """The deployment; redone if a test of another module (run in between, e.g. by xdist) reset the emulator."""
    cloudformation = fast_fail_client(_deployment["_endpoint"], "cloudformation")
    live = {s["StackName"] for s in cloudformation.list_stacks()["StackSummaries"]
            if s["StackStatus"] != "DELETE_COMPLETE"}
    if _deployment["network"]["name"] not in live or _deployment["dns"]["name"] not in live:
        _deployment.update(deploy_all(_deployment["_endpoint"]))
    return _deployment


@pytest.mark.parametrize("key", ORDER)
def test_stack_reaches_create_complete(deployed, key):
    result = deployed[key]
    assert result["status"] == "CREATE_COMPLETE", result["error"]


@pytest.mark.parametrize("key", ORDER)
def test_only_expected_types_are_not_emulated(deployed, key):
    template = deployed["_config"]["stacks"][key]["template"]
    assert set(not_emulated(resource_types(template))) == NOT_EMULATED.get(key, set())


# --- every materialised resource reads back through its own service API ---------------------------------------

def _rest_api_of(resources: list[dict[str, Any]]) -> str:
    return next(r["PhysicalResourceId"] for r in resources if r["ResourceType"] == "AWS::ApiGateway::RestApi")


def _v2_api_of(resources: list[dict[str, Any]]) -> str:
    return next(r["PhysicalResourceId"] for r in resources if r["ResourceType"] == "AWS::ApiGatewayV2::Api")


def _waf(c: Any, pid: str, kind: str) -> Any:
    name, resource_id, scope = pid.split("|")
    region = "us-east-1" if scope == "CLOUDFRONT" else None
    client = c("wafv2", region) if region else c("wafv2")
    return getattr(client, f"get_{kind}")(Name=name, Scope=scope, Id=resource_id)


READERS: dict[str, Any] = {
    "AWS::CloudFront::Distribution": lambda c, pid, rs: c("cloudfront").get_distribution(Id=pid),
    "AWS::CloudFront::OriginAccessControl": lambda c, pid, rs: c("cloudfront").get_origin_access_control(Id=pid),
    "AWS::CloudFront::CachePolicy": lambda c, pid, rs: c("cloudfront").get_cache_policy(Id=pid),
    "AWS::CloudFront::ResponseHeadersPolicy": lambda c, pid, rs: c("cloudfront").get_response_headers_policy(Id=pid),
    "AWS::WAFv2::IPSet": lambda c, pid, rs: _waf(c, pid, "ip_set"),
    "AWS::WAFv2::WebACL": lambda c, pid, rs: _waf(c, pid, "web_acl"),
    "AWS::WAFv2::LoggingConfiguration": lambda c, pid, rs: c("wafv2").get_logging_configuration(ResourceArn=pid),
    "AWS::S3::Bucket": lambda c, pid, rs: c("s3").get_bucket_versioning(Bucket=pid),
    "AWS::S3::BucketPolicy": lambda c, pid, rs: c("s3").get_bucket_policy(Bucket=pid),
    "AWS::Lambda::Function": lambda c, pid, rs: c("lambda").get_function(FunctionName=pid),
    "AWS::Lambda::Version": lambda c, pid, rs: c("lambda").get_function(FunctionName=pid),
    "AWS::CloudWatch::Alarm": lambda c, pid, rs: c("cloudwatch").describe_alarms(AlarmNames=[pid])["MetricAlarms"][0],
    "AWS::CloudWatch::Dashboard": lambda c, pid, rs: c("cloudwatch").get_dashboard(DashboardName=pid),
    "AWS::DynamoDB::Table": lambda c, pid, rs: c("dynamodb").describe_continuous_backups(TableName=pid),
    "AWS::KMS::Key": lambda c, pid, rs: c("kms").describe_key(KeyId=pid),
    "AWS::SecretsManager::Secret": lambda c, pid, rs: c("secretsmanager").describe_secret(SecretId=pid),
    "AWS::CertificateManager::Certificate": lambda c, pid, rs: c("acm").describe_certificate(CertificateArn=pid),
    "AWS::KinesisFirehose::DeliveryStream": lambda c, pid, rs: c("firehose").describe_delivery_stream(
        DeliveryStreamName=pid),
    "AWS::EKS::Cluster": lambda c, pid, rs: c("eks").describe_cluster(name=pid),
    "AWS::EKS::Nodegroup": lambda c, pid, rs: c("eks").describe_nodegroup(
        clusterName=pid.split("/")[0], nodegroupName=pid.split("/")[1]),
    "AWS::ElastiCache::ReplicationGroup": lambda c, pid, rs: c("elasticache").describe_replication_groups(
        ReplicationGroupId=pid),
    "AWS::ElastiCache::SubnetGroup": lambda c, pid, rs: c("elasticache").describe_cache_subnet_groups(
        CacheSubnetGroupName=pid),
    "AWS::ApiGateway::Stage": lambda c, pid, rs: c("apigateway").get_stage(restApiId=_rest_api_of(rs), stageName=pid),
    "AWS::ApiGateway::UsagePlan": lambda c, pid, rs: c("apigateway").get_usage_plan(usagePlanId=pid),
    "AWS::ApiGateway::ApiKey": lambda c, pid, rs: c("apigateway").get_api_key(apiKey=pid),
    "AWS::ApiGateway::Deployment": lambda c, pid, rs: c("apigateway").get_deployment(
        restApiId=_rest_api_of(rs), deploymentId=pid),
    "AWS::ApiGatewayV2::Api": lambda c, pid, rs: c("apigatewayv2").get_api(ApiId=pid),
    "AWS::ApiGatewayV2::Route": lambda c, pid, rs: c("apigatewayv2").get_route(ApiId=_v2_api_of(rs), RouteId=pid),
    "AWS::ApiGatewayV2::Integration": lambda c, pid, rs: c("apigatewayv2").get_integration(
        ApiId=_v2_api_of(rs), IntegrationId=pid),
    "AWS::ApiGatewayV2::Authorizer": lambda c, pid, rs: c("apigatewayv2").get_authorizer(
        ApiId=_v2_api_of(rs), AuthorizerId=pid),
    "AWS::ApiGatewayV2::Stage": lambda c, pid, rs: c("apigatewayv2").get_stage(ApiId=_v2_api_of(rs), StageName=pid),
    "AWS::RDS::DBInstance": lambda c, pid, rs: c("rds").describe_db_instances(DBInstanceIdentifier=pid),
    "AWS::IAM::Role": lambda c, pid, rs: c("iam").get_role(RoleName=pid),
    "AWS::Backup::BackupVault": lambda c, pid, rs: c("backup").describe_backup_vault(BackupVaultName=pid),
    "AWS::Backup::BackupPlan": lambda c, pid, rs: c("backup").get_backup_plan(BackupPlanId=pid),
    "AWS::SNS::Subscription": lambda c, pid, rs: c("sns").get_subscription_attributes(SubscriptionArn=pid),
    "AWS::ApplicationAutoScaling::ScalableTarget": lambda c, pid, rs: c("application-autoscaling")
        .describe_scalable_targets(ServiceNamespace=pid.split("|")[2], ResourceIds=[pid.split("|")[0]])[
        "ScalableTargets"][0],
    "AWS::ApplicationAutoScaling::ScalingPolicy": lambda c, pid, rs: next(
        p for p in c("application-autoscaling").describe_scaling_policies(ServiceNamespace="ecs")["ScalingPolicies"]
        if p["PolicyARN"] == pid),
}


def _stack_resources(deployed: dict[str, Any], key: str) -> tuple[Any, list[dict[str, Any]]]:
    region = deployed[key]["region"]

    def client(service: str, in_region: str | None = None) -> Any:
        return fast_fail_client(deployed["_endpoint"], service, in_region or region)

    listed = client("cloudformation").describe_stack_resources(StackName=deployed[key]["name"])["StackResources"]
    # moto also lists each skipped (not emulated) resource, as an entry without ids or type
    return client, [r for r in listed if r.get("ResourceType")]


@pytest.mark.parametrize("key", ORDER)
def test_materialised_resources_read_back(deployed, key):
    if deployed[key]["status"] != "CREATE_COMPLETE":
        pytest.skip(f"{key} did not deploy")
    client, resources = _stack_resources(deployed, key)
    read = [r["LogicalResourceId"] for r in resources if r["ResourceType"] in READERS
            and READERS[r["ResourceType"]](client, r["PhysicalResourceId"], resources) is not None]
    expected = [r["LogicalResourceId"] for r in resources if r["ResourceType"] in READERS]
    assert read == expected and expected


def test_edge_distribution_wires_aliases_waf_certificate_and_edge_functions(deployed):
    client, resources = _stack_resources(deployed, "edge")
    by_id = {r["LogicalResourceId"]: r["PhysicalResourceId"] for r in resources}
    [distribution] = [r["PhysicalResourceId"] for r in resources if r["ResourceType"] == "AWS::CloudFront::Distribution"]
    config = client("cloudfront").get_distribution_config(Id=distribution)["DistributionConfig"]

    assert config["Aliases"]["Items"] == ["candlefish.ai", "www.candlefish.ai", "app.candlefish.ai"]
    assert config["WebACLId"] == deployed["_outputs"]["security"]["WebAclArn"]
    assert config["ViewerCertificate"]["ACMCertificateArn"] == by_id["Certificate"]
    associations = [a["LambdaFunctionARN"] for b in [config["DefaultCacheBehavior"], *config["CacheBehaviors"]["Items"]]
                    for a in b["LambdaFunctionAssociations"].get("Items", [])]
    versions = {pid for r in resources if r["ResourceType"] == "AWS::Lambda::Version" for pid in [r["PhysicalResourceId"]]}
    assert associations and set(associations) <= versions
    assert all(re.search(r":function:[\w-]+:\d+$", arn) for arn in associations)
    # every behaviour's policies (the template's own and AWS's managed ones) read back through CloudFront
    cloudfront = client("cloudfront")
    behaviours = [config["DefaultCacheBehavior"], *config["CacheBehaviors"]["Items"]]
    images = next(b for b in behaviours if b.get("PathPattern") == "/images/*")
    assert images["CachePolicyId"] == by_id["ImagesCachePolicy"]
    for behaviour in behaviours:
        assert cloudfront.get_cache_policy(Id=behaviour["CachePolicyId"])["CachePolicy"]["CachePolicyConfig"]
        if behaviour.get("OriginRequestPolicyId"):
            assert cloudfront.get_origin_request_policy(Id=behaviour["OriginRequestPolicyId"])
        if behaviour.get("ResponseHeadersPolicyId"):
            assert behaviour["ResponseHeadersPolicyId"] == by_id["SecurityHeadersPolicy"]
            assert cloudfront.get_response_headers_policy(Id=behaviour["ResponseHeadersPolicyId"])


def test_storage_buckets_keep_versioning_and_lifecycle(deployed):
    client, resources = _stack_resources(deployed, "storage")
    s3 = client("s3")
    bucket = deployed["_outputs"]["storage"]["StaticAssetsBucketName"]
    assert s3.get_bucket_versioning(Bucket=bucket)["Status"] == "Enabled"
    rules = {r["ID"]: r for r in s3.get_bucket_lifecycle_configuration(Bucket=bucket)["Rules"]}
    assert rules["noncurrent-versions"]["NoncurrentVersionExpiration"]["NoncurrentDays"] == 365
    backups = deployed["_outputs"]["storage"]["BackupsBucketName"]
    destination = s3.get_bucket_replication(Bucket=backups)["ReplicationConfiguration"]["Rules"][0]["Destination"]
    assert destination["Bucket"] == deployed["_outputs"]["replica"]["ReplicaBucketArn"]


def test_data_tables_have_point_in_time_recovery(deployed):
    client, resources = _stack_resources(deployed, "data")
    tables = [r["PhysicalResourceId"] for r in resources if r["ResourceType"] == "AWS::DynamoDB::Table"]
    for table in tables:
        backups = client("dynamodb").describe_continuous_backups(TableName=table)["ContinuousBackupsDescription"]
        assert backups["PointInTimeRecoveryDescription"]["PointInTimeRecoveryStatus"] == "ENABLED"
    assert tables


def test_monitoring_latency_alarms_keep_percentiles_and_targets(deployed):
    client, resources = _stack_resources(deployed, "monitoring")
    names = [r["PhysicalResourceId"] for r in resources if r["ResourceType"] == "AWS::CloudWatch::Alarm"]
    alarms = {a["AlarmName"]: a for a in client("cloudwatch").describe_alarms(AlarmNames=names)["MetricAlarms"]}
    p50 = alarms["production-candlefish-api-latency-p50"]
    assert (p50["ExtendedStatistic"], p50["Threshold"]) == ("p50", 50.0)
    dimensions = {d["Name"]: d["Value"] for d in p50["Dimensions"]}
    assert dimensions == {"ApiName": deployed["_outputs"]["api"]["RestApiName"], "Stage": "api"}


def test_parameter_change_updates_the_web_acl_in_place(deployed):
    """Last: it changes the security stack (a redeploy of the CLI with a new rate limit)."""
    client, resources = _stack_resources(deployed, "security")
    [acl_id] = [r["PhysicalResourceId"] for r in resources if r["ResourceType"] == "AWS::WAFv2::WebACL"]
    spec = deployed["_config"]["stacks"]["security"]
    parameters = [{"ParameterKey": k, "ParameterValue": _value(k, v, deployed["_outputs"])}
                  for k, v in spec["parameters"].items() if k != "GlobalRateLimit"]
    client("cloudformation").update_stack(
        StackName=deployed["security"]["name"], UsePreviousTemplate=True, Capabilities=["CAPABILITY_IAM"],
        Parameters=[*parameters, *_ip_set_parameters(deployed["_endpoint"]),
                    {"ParameterKey": "GlobalRateLimit", "ParameterValue": "2500"}])

    name, resource_id, scope = acl_id.split("|")
    acl = client("wafv2").get_web_acl(Name=name, Scope=scope, Id=resource_id)["WebACL"]
    limits = [r["Statement"]["RateBasedStatement"]["Limit"] for r in acl["Rules"]
              if "RateBasedStatement" in r["Statement"]]
    assert 2500 in limits and 10000 not in limits


def _disable_database_deletion_protection(deployed: dict[str, Any]) -> None:
    """As an operator must on AWS: a protected DB instance stops its stack's deletion."""
    spec = deployed["_config"]["stacks"]["data"]
    parameters = [{"ParameterKey": k, "ParameterValue": _value(k, v, deployed["_outputs"])}
                  for k, v in spec["parameters"].items() if k != "DeletionProtection"]
    client, _ = _stack_resources(deployed, "data")
    client("cloudformation").update_stack(
        StackName=deployed["data"]["name"], UsePreviousTemplate=True, Capabilities=["CAPABILITY_IAM"],
        Parameters=[*parameters, {"ParameterKey": "DeletionProtection", "ParameterValue": "false"}])
    [database] = client("rds").describe_db_instances()["DBInstances"]
    assert database["DeletionProtection"] is False


def test_stacks_delete_in_reverse_order_keeping_retained_resources(deployed):
    """Last: deletes the stacks. Retained buckets (DeletionPolicy: Retain) outlive their stack, as on AWS."""
    static_assets = deployed["_outputs"]["storage"]["StaticAssetsBucketName"]
    edge_client, edge_resources = _stack_resources(deployed, "edge")
    [distribution] = [r["PhysicalResourceId"] for r in edge_resources
                      if r["ResourceType"] == "AWS::CloudFront::Distribution"]
    _disable_database_deletion_protection(deployed)
    for key in reversed(ORDER):
        cloudformation = fast_fail_client(deployed["_endpoint"], "cloudformation", deployed[key]["region"])
        stack_id = cloudformation.describe_stacks(StackName=deployed[key]["name"])["Stacks"][0]["StackId"]
        cloudformation.delete_stack(StackName=deployed[key]["name"])
        assert cloudformation.describe_stacks(StackName=stack_id)["Stacks"][0]["StackStatus"] == "DELETE_COMPLETE"

    listed = edge_client("cloudfront").list_distributions()["DistributionList"].get("Items") or []
    assert distribution not in [d["Id"] for d in listed]
    assert static_assets in [b["Name"] for b in edge_client("s3").list_buckets()["Buckets"]]
    vpcs = edge_client("ec2").describe_vpcs(Filters=[{"Name": "is-default", "Values": ["false"]}])["Vpcs"]
    assert vpcs == []
