"""The templates describe the seed's architecture with its numbers, and keep the names the CLI relies on."""

from __future__ import annotations

import json
import re

import pytest
from cfn_template_support import TEMPLATE_PATHS, TEMPLATES_DIR

BUCKET_SUFFIXES = ("static-assets", "optimized-images", "webgl-assets", "user-content", "analytics", "backups")


def resources_of_type(template: dict, resource_type: str) -> dict[str, dict]:
    return {name: r for name, r in template["Resources"].items() if r["Type"] == resource_type}


def sub_text(value) -> str:
    """The text of a !Sub (string form or list form), or the value itself."""
    if isinstance(value, dict) and "Fn::Sub" in value:
        sub = value["Fn::Sub"]
        return sub[0] if isinstance(sub, list) else sub
    return value


def ref_name(value) -> str | None:
    return value.get("Ref") if isinstance(value, dict) else None


def default_of(template: dict, value):
    """A literal, or the Default of the parameter it references."""
    name = ref_name(value)
    return template["Parameters"][name]["Default"] if name in template.get("Parameters", {}) else value


def test_resource_types_list_is_current(templates):
    used = {r["Type"] for t in templates.values() for r in t["Resources"].values()}
    listed = set((TEMPLATES_DIR / "RESOURCE_TYPES.txt").read_text().split())
    assert listed == used


@pytest.mark.parametrize("path", TEMPLATE_PATHS, ids=lambda p: p.name)
def test_template_and_parameters_are_described(path, templates):
    template = templates[path.name]
    assert template.get("Description")
    assert [p for p, spec in template.get("Parameters", {}).items() if not spec.get("Description")] == []
    assert template["Parameters"]["Environment"]["AllowedValues"] == ["production", "staging"]


def test_dns_stack_outputs_the_name_servers_of_the_zone_it_creates(templates):
    """What to set at the registrar (the emulator answers the GetAtt: local/moto/extensions/cfn_route53.py)."""
    output = templates["dns.yaml"]["Outputs"]["NameServers"]
    assert output["Condition"] == "CreateZone"
    assert output["Value"] == {"Fn::Join": [",", {"Fn::GetAtt": ["HostedZone", "NameServers"]}]}


class TestStorage:
    def test_six_private_encrypted_buckets(self, templates):
        buckets = resources_of_type(templates["storage.yaml"], "AWS::S3::Bucket")
        names = sorted(sub_text(b["Properties"]["BucketName"]) for b in buckets.values())
        assert names == sorted(f"${{Environment}}-cf-{s}-${{AWS::AccountId}}" for s in BUCKET_SUFFIXES)
        for bucket in buckets.values():
            props = bucket["Properties"]
            assert set(props["PublicAccessBlockConfiguration"].values()) == {True}
            assert props["BucketEncryption"]["ServerSideEncryptionConfiguration"]
            assert props["LoggingConfiguration"]["DestinationBucketName"] == {"Ref": "AccessLogBucketName"}

    def test_every_bucket_has_a_tls_only_policy(self, templates):
        template = templates["storage.yaml"]
        policies = resources_of_type(template, "AWS::S3::BucketPolicy").values()
        covered = set()
        for policy in policies:
            deny = [s for s in policy["Properties"]["PolicyDocument"]["Statement"] if s["Effect"] == "Deny"]
            assert deny[0]["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
            covered.add(ref_name(policy["Properties"]["Bucket"]))
        assert covered == set(resources_of_type(template, "AWS::S3::Bucket"))

    def test_versioned_buckets_follow_the_seed_lifecycle(self, templates):
        buckets = resources_of_type(templates["storage.yaml"], "AWS::S3::Bucket").values()
        versioned = [b for b in buckets if b["Properties"]["VersioningConfiguration"]["Status"] == "Enabled"]
        assert len(versioned) == 5
        for bucket in versioned:
            rules = bucket["Properties"]["LifecycleConfiguration"]["Rules"]
            current = [t for r in rules for t in r.get("Transitions", [])]
            noncurrent = [(t["StorageClass"], t["TransitionInDays"]) for r in rules
                          for t in r.get("NoncurrentVersionTransitions", [])]
            expiry = [r["NoncurrentVersionExpiration"]["NoncurrentDays"] for r in rules if "NoncurrentVersionExpiration" in r]
            assert current == [{"StorageClass": "INTELLIGENT_TIERING", "TransitionInDays": 0}]
            assert noncurrent == [("STANDARD_IA", 30), ("GLACIER_IR", 60), ("GLACIER", 90), ("DEEP_ARCHIVE", 180)]
            assert expiry == [365]

    def test_backups_replicate_when_a_dr_region_is_named(self, templates):
        template = templates["storage.yaml"]
        replication = template["Resources"]["BackupsBucket"]["Properties"]["ReplicationConfiguration"]
        condition, enabled, disabled = replication["Fn::If"]
        assert condition == "ReplicateBackups" and disabled == {"Ref": "AWS::NoValue"}
        assert enabled["Rules"][0]["Destination"]["Bucket"] == {"Ref": "ReplicaBucketArn"}

    def test_outputs(self, templates):
        outputs = templates["storage.yaml"]["Outputs"]
        for name in ("StaticAssets", "OptimizedImages", "WebglAssets", "UserContent", "Analytics", "Backups"):
            assert {f"{name}BucketName", f"{name}BucketArn"} <= set(outputs)


class TestSecurity:
    def test_ip_sets_are_not_owned_by_the_stack(self, templates):
        """The stack never owns the addresses: the IP sets are parameters (created by the deploy), not resources."""
        template = templates["security.yaml"]
        assert resources_of_type(template, "AWS::WAFv2::IPSet") == {}
        for name in ("AllowListV4Arn", "AllowListV6Arn", "BlockListV4Arn", "BlockListV6Arn"):
            assert template["Parameters"][name]["Type"] == "String" and "Default" not in template["Parameters"][name]
            assert template["Outputs"][name]["Value"] == {"Ref": name}

    def test_rules_in_the_seed_priorities(self, templates):
        template = templates["security.yaml"]
        acl = template["Resources"]["WebAcl"]["Properties"]
        assert acl["Scope"] == "CLOUDFRONT"
        rules = [r["Fn::If"][1] if "Fn::If" in r else r for r in acl["Rules"]]
        order = [r["Name"] for r in sorted(rules, key=lambda r: r["Priority"])]
        assert order == ["ip-allowlist", "global-rate-limit", "api-rate-limit", "ip-blocklist", "aws-common",
                         "aws-sqli", "aws-known-bad-inputs", "aws-linux", "aws-ip-reputation", "aws-anonymous-ip",
                         "aws-bot-control", "geo-block", "body-size", "api-content-type"]
        by_name = {r["Name"]: r for r in rules}
        assert by_name["ip-allowlist"]["Action"] == {"Allow": {}}
        global_rate = by_name["global-rate-limit"]["Statement"]["RateBasedStatement"]
        api_rate = by_name["api-rate-limit"]["Statement"]["RateBasedStatement"]
        assert (default_of(template, global_rate["Limit"]), global_rate["EvaluationWindowSec"]) == (10000, 300)
        assert (default_of(template, api_rate["Limit"]), api_rate["EvaluationWindowSec"]) == (1000, 300)
        assert api_rate["ScopeDownStatement"]["ByteMatchStatement"]["SearchString"] == "/api/"
        size = by_name["body-size"]["Statement"]["SizeConstraintStatement"]
        assert (default_of(template, size["Size"]), size["ComparisonOperator"]) == (8192, "GT")
        managed = {r["Statement"]["ManagedRuleGroupStatement"]["Name"] for r in rules
                   if "ManagedRuleGroupStatement" in r["Statement"]}
        assert managed == {"AWSManagedRulesCommonRuleSet", "AWSManagedRulesSQLiRuleSet",
                           "AWSManagedRulesKnownBadInputsRuleSet", "AWSManagedRulesLinuxRuleSet",
                           "AWSManagedRulesAmazonIpReputationList", "AWSManagedRulesAnonymousIpList",
                           "AWSManagedRulesBotControlRuleSet"}

    def test_waf_ledger_table(self, templates):
        props = templates["security.yaml"]["Resources"]["WafLedgerTable"]["Properties"]
        assert sub_text(props["TableName"]) == "${Environment}-candlefish-waf-ledger"
        assert props["KeySchema"] == [{"AttributeName": "pk", "KeyType": "HASH"},
                                      {"AttributeName": "sk", "KeyType": "RANGE"}]
        assert {(a["AttributeName"], a["AttributeType"]) for a in props["AttributeDefinitions"]} == {("pk", "S"), ("sk", "S")}
        assert props["BillingMode"] == "PAY_PER_REQUEST"
        assert props["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
        assert props["TimeToLiveSpecification"] == {"AttributeName": "ttl", "Enabled": True}  # history expires

    def test_outputs(self, templates):
        assert {"WebAclArn", "AllowListV4Arn", "AllowListV6Arn", "BlockListV4Arn", "BlockListV6Arn",
                "WafLedgerTableName"} <= set(templates["security.yaml"]["Outputs"])


class TestEdge:
    SEED_SIZES = {"ViewerRequest": (128, 5), "ViewerResponse": (128, 5), "OriginRequest": (256, 10),
                  "OriginResponse": (512, 10), "ImageOptimizer": (1024, 30)}

    def test_lambda_at_edge_functions_respect_the_edge_limits(self, templates):
        functions = resources_of_type(templates["edge.yaml"], "AWS::Lambda::Function")
        assert {name.removesuffix("Function") for name in functions} == set(self.SEED_SIZES)
        for name, function in functions.items():
            props = function["Properties"]
            assert (props["MemorySize"], props["Timeout"]) == self.SEED_SIZES[name.removesuffix("Function")]
            assert props["Architectures"] == ["x86_64"] and props["Runtime"] == "python3.12"
            assert not {"Environment", "TracingConfig", "VpcConfig", "Layers", "DeadLetterConfig"} & set(props)
            # the released package, content-addressed in the artifacts bucket (never inline code)
            assert set(props["Code"]) == {"S3Bucket", "S3Key"} and props["Handler"] == "handler.handler"

    def test_which_behaviour_runs_which_function(self, templates):
        """docs/edge.md explains the table (and its Lambda@Edge cost)."""
        config = templates["edge.yaml"]["Resources"]["Distribution"]["Properties"]["DistributionConfig"]
        behaviours = {b["PathPattern"]: b for b in config["CacheBehaviors"]} | {"*": config["DefaultCacheBehavior"]}
        table = {path: {a["EventType"]: ref_name(a["LambdaFunctionARN"]).removesuffix("Version")
                        for a in b.get("LambdaFunctionAssociations", [])} for path, b in behaviours.items()}
        assert table == {
            "*": {"viewer-request": "ViewerRequest", "origin-request": "OriginRequest",
                  "origin-response": "OriginResponse", "viewer-response": "ViewerResponse"},
            "/images/*": {"viewer-request": "ViewerRequest", "origin-request": "OriginRequest",
                          "origin-response": "ImageOptimizer"},
            "/static/*": {"origin-request": "OriginRequest", "origin-response": "OriginResponse"},
            "/_next/*": {"origin-request": "OriginRequest", "origin-response": "OriginResponse"},
            "/api/*": {"origin-request": "OriginRequest"}, "/ws": {}, "/ws/*": {}}

    def test_images_cache_key_is_what_the_functions_normalise_and_never_pins_a_redirect(self, templates):
        policy = templates["edge.yaml"]["Resources"]["ImagesCachePolicy"]["Properties"]["CachePolicyConfig"]
        key = policy["ParametersInCacheKeyAndForwardedToOrigin"]
        assert key["HeadersConfig"] == {"HeaderBehavior": "whitelist", "Headers": ["X-Image-Accept"]}
        assert key["QueryStringsConfig"] == {"QueryStringBehavior": "whitelist", "QueryStrings": ["w", "q"]}
        assert policy["MinTTL"] == 0  # the optimiser's one-time `302 no-store` must stay uncached

    def test_edge_role_trusts_lambda_and_edgelambda(self, templates):
        role = templates["edge.yaml"]["Resources"]["EdgeFunctionRole"]["Properties"]
        principals = role["AssumeRolePolicyDocument"]["Statement"][0]["Principal"]["Service"]
        assert set(principals) == {"lambda.amazonaws.com", "edgelambda.amazonaws.com"}

    def test_behaviours_and_associations(self, templates):
        template = templates["edge.yaml"]
        config = template["Resources"]["Distribution"]["Properties"]["DistributionConfig"]
        behaviours = {b["PathPattern"]: b for b in config["CacheBehaviors"]}
        assert {p: b["TargetOriginId"] for p, b in behaviours.items()} == {
            "/static/*": "static-assets", "/images/*": "optimized-images", "/api/*": "rest-api",
            "/ws": "websocket-api", "/ws/*": "websocket-api", "/_next/*": "app"}
        assert config["DefaultCacheBehavior"]["TargetOriginId"] == "app"
        long_lived = template["Resources"]["LongLivedCachePolicy"]["Properties"]["CachePolicyConfig"]
        assert long_lived["DefaultTTL"] == long_lived["MaxTTL"] == 31536000
        for path in ("/static/*", "/_next/*"):
            assert behaviours[path]["CachePolicyId"] == {"Ref": "LongLivedCachePolicy"}
        for path in ("/api/*", "/ws", "/ws/*"):
            assert behaviours[path]["CachePolicyId"] == "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"  # CachingDisabled
        versions = resources_of_type(template, "AWS::Lambda::Version")
        associations = [a for b in [*behaviours.values(), config["DefaultCacheBehavior"]]
                        for a in b.get("LambdaFunctionAssociations", [])]
        assert {ref_name(a["LambdaFunctionARN"]) for a in associations} == set(versions)
        image = {a["EventType"]: ref_name(a["LambdaFunctionARN"]) for a in behaviours["/images/*"]["LambdaFunctionAssociations"]}
        assert image["origin-response"] == "ImageOptimizerVersion"
        for behaviour in [*behaviours.values(), config["DefaultCacheBehavior"]]:
            assert behaviour["ViewerProtocolPolicy"] != "allow-all"
            assert "RealtimeLogConfigArn" in behaviour

    def test_distribution_settings(self, templates):
        template = templates["edge.yaml"]
        config = template["Resources"]["Distribution"]["Properties"]["DistributionConfig"]
        assert config["HttpVersion"] == "http2and3"
        assert config["ViewerCertificate"]["MinimumProtocolVersion"] == "TLSv1.2_2021"
        assert config["WebACLId"] == {"Ref": "WebAclArn"} and config["Aliases"] == {"Ref": "Aliases"}
        assert template["Parameters"]["Aliases"]["Type"] == "CommaDelimitedList"
        s3_origins = [o for o in config["Origins"] if "S3OriginConfig" in o]
        assert len(s3_origins) == 2 and all("OriginAccessControlId" in o for o in s3_origins)

    def test_outputs(self, templates):
        outputs = templates["edge.yaml"]["Outputs"]
        assert {"DistributionId", "DistributionDomainName"} <= set(outputs)
        versions = {ref_name(o["Value"]) for o in outputs.values()} & set(
            resources_of_type(templates["edge.yaml"], "AWS::Lambda::Version"))
        assert len(versions) == 5


class TestApi:
    def test_rest_api(self, templates):
        template = templates["api.yaml"]
        resources = resources_of_type(template, "AWS::ApiGateway::Resource")
        parts = {name: r["Properties"]["PathPart"] for name, r in resources.items()}
        assert sorted(parts.values()) == ["health", "metrics", "operational", "queue", "telemetry", "{proxy+}"]
        stage = template["Resources"]["RestStage"]["Properties"]
        settings = stage["MethodSettings"][0]
        assert default_of(template, settings["ThrottlingBurstLimit"]) == 10000
        assert default_of(template, settings["ThrottlingRateLimit"]) == 5000
        assert stage["CacheClusterEnabled"] is True and default_of(template, stage["CacheClusterSize"]) == "1.6"
        assert stage["TracingEnabled"] is True
        quota = template["Resources"]["UsagePlan"]["Properties"]["Quota"]
        assert (default_of(template, quota["Limit"]), quota["Period"]) == (100000, "DAY")

    def test_websocket_api(self, templates):
        template = templates["api.yaml"]
        routes = {r["Properties"]["RouteKey"] for r in resources_of_type(template, "AWS::ApiGatewayV2::Route").values()}
        assert routes == {"$connect", "$disconnect", "$default"}
        table = template["Resources"]["ConnectionsTable"]["Properties"]
        assert table["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}

    def test_handlers_are_arm64_and_traced(self, templates):
        for function in resources_of_type(templates["api.yaml"], "AWS::Lambda::Function").values():
            assert function["Properties"]["Architectures"] == ["arm64"]
            assert function["Properties"]["TracingConfig"] == {"Mode": "Active"}

    def test_outputs(self, templates):
        assert {"RestApiId", "RestApiDomainName", "WebSocketApiId", "WebSocketDomainName", "ConnectionsTableName",
                "RestApiRegionalDomainName", "RestApiRegionalHostedZoneId", "WebSocketRegionalDomainName",
                "WebSocketRegionalHostedZoneId", "RestApiStageName"} <= set(templates["api.yaml"]["Outputs"])

    def test_health_is_an_unauthenticated_mock_in_the_deployment(self, templates):
        resources = templates["api.yaml"]["Resources"]
        health = resources["HealthGet"]["Properties"]
        assert (health["HttpMethod"], health["AuthorizationType"], health["ApiKeyRequired"]) == ("GET", "NONE", False)
        assert health["Integration"]["Type"] == "MOCK"
        assert health["Integration"]["RequestTemplates"] == {"application/json": '{"statusCode": 200}'}
        deployments = resources_of_type(templates["api.yaml"], "AWS::ApiGateway::Deployment")
        assert [d["DependsOn"] for d in deployments.values() if "HealthGet" in d["DependsOn"]]

    def test_custom_domains_are_regional_with_a_certificate_of_the_region(self, templates):
        resources = templates["api.yaml"]["Resources"]
        certificate = resources["ApiCertificate"]["Properties"]
        assert certificate["ValidationMethod"] == "DNS"
        assert {o["HostedZoneId"]["Ref"] for o in certificate["DomainValidationOptions"]} == {"HostedZoneId"}
        rest = resources["RestDomainName"]["Properties"]
        assert rest["EndpointConfiguration"] == {"Types": ["REGIONAL"], "IpAddressType": "dualstack"}
        assert rest["RegionalCertificateArn"] == {"Ref": "ApiCertificate"} and "CertificateArn" not in rest
        [ws] = resources["WsDomainName"]["Properties"]["DomainNameConfigurations"]
        assert (ws["EndpointType"], ws["CertificateArn"], ws["IpAddressType"]) == ("REGIONAL", {"Ref": "ApiCertificate"},
                                                                                     "dualstack")
        assert resources["RestBasePathMapping"]["Properties"]["Stage"] == {"Ref": "RestStage"}
        assert resources["WsApiMapping"]["Properties"]["Stage"] == {"Ref": "WsStage"}


class TestCompute:
    def test_eks_is_optional_and_spot(self, templates):
        template = templates["compute.yaml"]
        assert template["Parameters"]["EnableEks"]["AllowedValues"] == ["true", "false"]
        eks = [r for r in template["Resources"].values() if r["Type"].startswith("AWS::EKS::")]
        assert len(eks) == 2 and all(r.get("Condition") == "EksEnabled" for r in eks)
        assert template["Resources"]["EksSpotNodeGroup"]["Properties"]["CapacityType"] == "SPOT"

    def test_outputs(self, templates):
        assert {"LoadBalancerDnsName", "LoadBalancerHostedZoneId", "EcsClusterName"} <= set(
            templates["compute.yaml"]["Outputs"])


class TestData:
    def test_database_is_private_encrypted_and_backed_up_hourly(self, templates):
        template = templates["data.yaml"]
        db = template["Resources"]["Database"]["Properties"]
        assert db["StorageEncrypted"] is True and db["PubliclyAccessible"] is False
        assert db["ManageMasterUserPassword"] is True
        assert template["Resources"]["DbSubnetGroup"]["Properties"]["SubnetIds"] == {"Ref": "PrivateSubnetIds"}
        rule = template["Resources"]["BackupPlan"]["Properties"]["BackupPlan"]["BackupPlanRule"][0]
        assert rule["ScheduleExpression"] == "cron(0 * ? * * *)"
        assert default_of(template, rule["Lifecycle"]["DeleteAfterDays"]) == 7
        table = template["Resources"]["AppTable"]["Properties"]
        assert table["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}


class TestMonitoring:
    def test_alarms_are_named_and_target_the_seed_numbers(self, templates):
        template = templates["monitoring.yaml"]
        alarms = resources_of_type(template, "AWS::CloudWatch::Alarm").values()
        assert all(sub_text(a["Properties"]["AlarmName"]).startswith("${Environment}-candlefish-") for a in alarms)
        by_stat = {a["Properties"].get("ExtendedStatistic"): default_of(template, a["Properties"]["Threshold"])
                   for a in alarms}
        assert (by_stat["p50"], by_stat["p99"]) == (50, 100)
        error_rate = template["Resources"]["ApiErrorRateAlarm"]["Properties"]
        assert default_of(template, error_rate["Threshold"]) == 0.001

    def test_dashboard_is_valid_json_with_the_seed_widgets(self, templates):
        body = sub_text(templates["monitoring.yaml"]["Resources"]["Dashboard"]["Properties"]["DashboardBody"])
        rendered = re.sub(r"\$\{[A-Za-z0-9:]+\}", "x", body)
        widgets = json.loads(rendered)["widgets"]
        text = json.dumps(widgets)
        for namespace in ("AWS/CloudFront", "AWS/ApiGateway", "AWS/Lambda", "AWS/WAFV2"):
            assert namespace in text

    def test_outputs(self, templates):
        assert {"DashboardName", "RealtimeLogStreamArn"} <= set(templates["monitoring.yaml"]["Outputs"])


class TestDns:
    def test_zone_dnssec_and_query_logging(self, templates):
        template = templates["dns.yaml"]
        assert template["Parameters"]["HostedZoneId"]["Default"] == ""
        assert "DomainName" in template["Parameters"] and "HostedZoneId" in template["Outputs"]
        zone = template["Resources"]["HostedZone"]["Properties"]
        assert "QueryLoggingConfig" in zone
        key = template["Resources"]["DnssecSigningKey"]["Properties"]
        assert (key["KeySpec"], key["KeyUsage"]) == ("ECC_NIST_P256", "SIGN_VERIFY")
        assert resources_of_type(template, "AWS::Route53::DNSSEC")
        assert template["Resources"]["QueryLogKey"]["Properties"]["EnableKeyRotation"] is True


def test_templates_need_only_capability_iam(templates):
    """The deploy engine passes CAPABILITY_IAM: no named IAM resources, no macros."""
    for name, template in templates.items():
        assert "Transform" not in template, name
        for resource in template["Resources"].values():
            if resource["Type"].startswith("AWS::IAM::"):
                assert not {"RoleName", "UserName", "GroupName", "ManagedPolicyName"} & set(resource["Properties"]), name
