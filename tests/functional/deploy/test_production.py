"""The product's own environments, deployed through the real CLI into the emulator and read back."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
CONFIG = ROOT / "config"


def deployed_stacks(aws, region):
    cfn = aws.client("cloudformation", region)
    return {s["StackName"]: s for s in cfn.describe_stacks()["Stacks"]}


@pytest.mark.parametrize("env", ["production", "staging"])
def test_environment_deploys_then_redeploys_as_a_no_op(aws, cli, env):
    from candlefish_ops.config import load_environment

    environment = load_environment(CONFIG, env)
    result = cli("deploy", env, "--yes", "--config-dir", CONFIG, "-o", "json")
    assert result.exit_code == 0, result.stderr + result.stdout
    report = result.json()
    expected = {(key, region) for key, stack in environment.stacks.items() for region in stack.regions}
    assert {(s["stack"], s["region"]) for s in report["stacks"]} == expected
    assert {s["result"] for s in report["stacks"]} == {"created"}

    for key, stack in environment.stacks.items():
        for region in stack.regions:
            live = deployed_stacks(aws, region)[stack.stack_name]
            assert live["StackStatus"] == "CREATE_COMPLETE"
            tags = {t["Key"]: t["Value"] for t in live["Tags"]}
            assert tags["ManagedBy"] == "candlefish" and tags["Environment"] == env
            assert live["EnableTerminationProtection"] is environment.protected

    again = cli("deploy", env, "--yes", "--config-dir", CONFIG, "-o", "json")
    assert again.exit_code == 0, again.stderr
    assert {s["result"] for s in again.json()["stacks"]} == {"unchanged"}


def test_production_resources_read_back_through_their_own_apis(aws, cli):
    deployed = cli("deploy", "production", "--yes", "--config-dir", CONFIG)
    assert deployed.exit_code == 0, deployed.stderr + deployed.stdout
    cloudfront = aws.client("cloudfront")
    distributions = cloudfront.list_distributions()["DistributionList"]["Items"]
    assert len(distributions) == 1
    config = cloudfront.get_distribution_config(Id=distributions[0]["Id"])["DistributionConfig"]
    assert config["Aliases"]["Items"] == ["candlefish.ai", "www.candlefish.ai", "app.candlefish.ai"]
    patterns = [b["PathPattern"] for b in config["CacheBehaviors"]["Items"]]
    assert {"/static/*", "/images/*", "/api/*", "/_next/*"} <= set(patterns)
    associations = [a["LambdaFunctionARN"] for b in [config["DefaultCacheBehavior"], *config["CacheBehaviors"]["Items"]]
                    for a in b.get("LambdaFunctionAssociations", {}).get("Items", [])]
    assert associations and all(arn.split(":")[-1].isdigit() for arn in associations)  # numbered versions

    wafv2 = aws.client("wafv2")
    names = {s["Name"] for s in wafv2.list_ip_sets(Scope="CLOUDFRONT")["IPSets"]}
    assert {f"production-candlefish-{kind}" for kind in
            ("allow-v4", "allow-v6", "block-v4", "block-v6")} <= names

    s3 = aws.client("s3")
    rules = s3.get_bucket_lifecycle_configuration(Bucket="production-cf-static-assets-123456789012")["Rules"]
    transitions = {t["StorageClass"]: t["NoncurrentDays"] for r in rules
                   for t in r.get("NoncurrentVersionTransitions", [])}
    assert transitions == {"STANDARD_IA": 30, "GLACIER_IR": 60, "GLACIER": 90, "DEEP_ARCHIVE": 180}

    for region in ("us-east-1", "eu-west-1", "ap-southeast-1"):
        assert aws.client("apigateway", region).get_rest_apis()["items"]

    # The Lambda@Edge packages carry production's own names: API origin per region from the api stacks.
    import io
    import json
    import zipfile

    cfn = aws.client("cloudformation")
    edge = cfn.describe_stacks(StackName="candlefish-production-edge")["Stacks"][0]
    parameters = {p["ParameterKey"]: p["ParameterValue"] for p in edge["Parameters"]}
    package = s3.get_object(Bucket=parameters["ArtifactsBucket"], Key=parameters["OriginRequestCodeKey"])["Body"].read()
    config = json.loads(zipfile.ZipFile(io.BytesIO(package)).read("edge_config.json"))
    hosts = {region: {o["OutputKey"]: o["OutputValue"] for o in aws.client("cloudformation", region).describe_stacks(
        StackName="candlefish-production-api")["Stacks"][0]["Outputs"]}["RestApiDomainName"]
        for region in ("us-east-1", "eu-west-1", "ap-southeast-1")}
    assert config["routing"]["api_origins"] == {"us": hosts["us-east-1"], "eu": hosts["eu-west-1"],
                                                "ap": hosts["ap-southeast-1"]}
    assert len(set(hosts.values())) == 3


def test_every_output_of_production_is_resolved(aws, cli):
    """No output may hold an unresolved intrinsic (the emulator must answer every GetAtt we use)."""
    from candlefish_ops.config import load_environment

    deployed = cli("deploy", "production", "--yes", "--config-dir", CONFIG)
    assert deployed.exit_code == 0, deployed.stderr + deployed.stdout
    environment = load_environment(CONFIG, "production")
    for stack in environment.stacks.values():
        for region in stack.regions:
            live = deployed_stacks(aws, region)[stack.stack_name]
            for output in live.get("Outputs", []):
                assert "Fn::" not in output["OutputValue"] and output["OutputValue"], (stack.key, output)
