"""`candlefish preflight` and the preflight of `deploy`: WAF capacity computed by WAF's CheckCapacity (the
emulator prices rules as AWS documents), shown by `--plan`, a FAIL stops the deploy before any change."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
CONFIG = ROOT / "config"

WAF_TEMPLATE = """
AWSTemplateFormatVersion: "2010-09-09"
Parameters:
  BodyLimit:
    Type: Number
    Default: 8192
Resources:
  Acl:
    Type: AWS::WAFv2::WebACL
    Properties:
      Name: fixture-acl
      Scope: CLOUDFRONT
      DefaultAction: {{Allow: {{}}}}
      VisibilityConfig: {{SampledRequestsEnabled: true, CloudWatchMetricsEnabled: true, MetricName: acl}}
      Rules:
{rules}
"""


def _rule(number: int) -> str:
    rule = (f"- Name: common-{number}\n  Priority: {number}\n  OverrideAction: {{None: {{}}}}\n"
            "  Statement: {ManagedRuleGroupStatement: {VendorName: AWS, Name: AWSManagedRulesCommonRuleSet}}\n"
            f"  VisibilityConfig: {{SampledRequestsEnabled: true, CloudWatchMetricsEnabled: true, MetricName: c{number}}}")
    return "\n".join("        " + line for line in rule.splitlines())


SIZE_RULE = """
        - Name: body-size
          Priority: 100
          Action: {Block: {}}
          Statement:
            SizeConstraintStatement:
              FieldToMatch: {Body: {}}
              ComparisonOperator: GT
              Size: !Ref BodyLimit
              TextTransformations: [{Priority: 0, Type: NONE}]
          VisibilityConfig: {SampledRequestsEnabled: true, CloudWatchMetricsEnabled: true, MetricName: size}"""


def _waf_project(project, groups: int) -> None:
    """A web ACL of `groups` x the Common rule set (700 WCU each) plus a 1-WCU size rule."""
    rules = "\n".join(_rule(n) for n in range(groups)) + SIZE_RULE
    project.write("templates/waf.yaml", WAF_TEMPLATE.format(rules=rules))
    project.write("config/staging.yaml", """
        project: fixture
        stacks:
          waf:
            template: waf.yaml
            parameters:
              BodyLimit: 4096
        """)


def test_preflight_of_the_shipped_environments_passes_under_the_included_capacity(aws, cli):
    for env in ("production", "staging"):
        result = cli("preflight", env, "--config-dir", CONFIG, "-o", "json")
        assert result.exit_code == 0, result.stderr
        checks = result.json()["checks"]
        assert {c["status"] for c in checks if c["check"] != "zone-delegation"} == {"PASS"}
        [zone] = [c for c in checks if c["check"] == "zone-delegation"]  # the dns stack creates the zone
        assert (zone["status"], zone["data"]["zone_id"]) == ("WARN", None)
        [check] = [c for c in checks if c["check"] == "waf-capacity"]
        assert check["target"] == "security (us-east-1) WebAcl"
        assert check["data"]["capacity_wcu"] == 1454


def test_capacity_above_the_maximum_fails_preflight_and_stops_the_deploy(aws, cli, project):
    _waf_project(project, groups=8)  # 8 x 700 + 1 = 5,601 WCU
    checked = cli("preflight", "staging", "--config-dir", project.config_dir, "-o", "json")
    assert checked.exit_code == 1
    [check] = checked.json()["checks"]
    assert check["status"] == "FAIL" and check["data"]["capacity_wcu"] == 5601

    deployed = cli("deploy", "staging", "--config-dir", project.config_dir)
    assert deployed.exit_code == 1
    assert "preflight waf-capacity failed" in deployed.stderr and "Nothing was changed" in deployed.stderr
    assert aws.client("cloudformation").describe_stacks()["Stacks"] == []

    planned = cli("deploy", "staging", "--plan", "--config-dir", project.config_dir, "-o", "json")
    assert planned.exit_code == 1  # the plan is shown, and says it would not deploy
    document = planned.json()
    assert document["preflight"]["checks"][0]["status"] == "FAIL"
    assert [s["result"] for s in document["stacks"]] == ["planned"]
    assert aws.client("cloudformation").describe_stacks()["Stacks"] == []


def test_capacity_above_the_included_warns_with_the_cost_and_deploys(aws, cli, project):
    _waf_project(project, groups=3)  # 2,101 WCU: 2 started 500s above 1,500
    planned = cli("deploy", "staging", "--plan", "--config-dir", project.config_dir)
    assert planned.exit_code == 0, planned.stderr
    assert "WARN" in planned.stdout and "$0.40 per million" in planned.stdout
    deployed = cli("deploy", "staging", "--config-dir", project.config_dir, "-o", "json")
    assert deployed.exit_code == 0, deployed.stderr
    wafv2 = aws.client("wafv2")
    acl = wafv2.list_web_acls(Scope="CLOUDFRONT")["WebACLs"][0]
    assert wafv2.get_web_acl(Name=acl["Name"], Scope="CLOUDFRONT", Id=acl["Id"])["WebACL"]["Capacity"] == 2101


ACCOUNT_TEMPLATE = """
AWSTemplateFormatVersion: "2010-09-09"
Parameters:
  Reserved:
    Type: Number
  VpcCidr:
    Type: String
  WithEks:
    Type: String
    Default: "false"
Conditions:
  Eks: !Equals [!Ref WithEks, "true"]
Resources:
  Vpc:
    Type: AWS::EC2::VPC
    Properties:
      CidrBlock: !Ref VpcCidr
  SubnetA:
    Type: AWS::EC2::Subnet
    Properties:
      VpcId: !Ref Vpc
      AvailabilityZone: !Select [0, !GetAZs ""]
      CidrBlock: !Select [0, !Cidr [!GetAtt Vpc.CidrBlock, 4, 12]]
  Role:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Version: "2012-10-17"
        Statement: [{{Effect: Allow, Principal: {{Service: lambda.amazonaws.com}}, Action: sts:AssumeRole}}]
{functions}
  Cluster:
    Type: AWS::EKS::Cluster
    Condition: Eks
    Properties:
      RoleArn: !GetAtt Role.Arn
      ResourcesVpcConfig: {{SubnetIds: [!Ref SubnetA]}}
"""

FUNCTION = """
  Handler{n}:
    Type: AWS::Lambda::Function
    Properties:
      FunctionName: fixture-handler-{n}
      Runtime: python3.12
      Handler: index.handler
      Role: !GetAtt Role.Arn
      ReservedConcurrentExecutions: !Ref Reserved
      Code: {{ZipFile: "def handler(event, context): return 1"}}"""


def _account_project(project, reserved: int, cidr: str, eks: bool) -> None:
    project.write("templates/account.yaml", ACCOUNT_TEMPLATE.format(
        functions="".join(FUNCTION.format(n=n) for n in range(3))))
    project.write("config/staging.yaml", f"""
        project: fixture
        stacks:
          app:
            template: account.yaml
            parameters:
              Reserved: {reserved}
              VpcCidr: {cidr}
              WithEks: "{str(eks).lower()}"
        """)


def _checks(cli, project) -> tuple[int, dict]:
    result = cli("preflight", "staging", "--config-dir", project.config_dir, "-o", "json")
    return result.exit_code, {c["check"]: c for c in result.json()["checks"]}


def test_reserved_lambda_concurrency_must_leave_100_unreserved(aws, cli, project):
    from candlefish_ops.local.moto.extensions.lambda_account import set_concurrency_quota

    _account_project(project, reserved=200, cidr="10.0.0.0/16", eks=False)
    assert _checks(cli, project)[1]["lambda-concurrency"]["status"] == "PASS"  # 600 of the default 1,000
    set_concurrency_quota("123456789012", "us-east-1", 650)  # a young account's quota
    try:
        code, checks = _checks(cli, project)
        assert code == 1
        check = checks["lambda-concurrency"]
        assert check["status"] == "FAIL" and check["data"]["unreserved_after"] == 50
        assert "at least 700 in us-east-1" in check["fix"]
        deployed = cli("deploy", "staging", "--config-dir", project.config_dir)
        assert deployed.exit_code == 1 and "preflight lambda-concurrency failed" in deployed.stderr
        assert aws.client("cloudformation").describe_stacks()["Stacks"] == []
    finally:
        set_concurrency_quota("123456789012", "us-east-1", None)


def test_a_vpc_too_small_for_its_subnets_fails_preflight(aws, cli, project):
    _account_project(project, reserved=1, cidr="10.0.0.0/20", eks=False)
    code, checks = _checks(cli, project)
    assert code == 1
    assert checks["subnet-cidr"]["status"] == "FAIL" and "needs a /18 or larger" in checks["subnet-cidr"]["detail"]


def test_eks_subnets_in_an_unsupported_zone_fail_preflight(aws, cli, project, monkeypatch):
    from moto.ec2.models.availability_zones_and_regions import RegionsAndZonesBackend, Zone

    _account_project(project, reserved=1, cidr="10.0.0.0/16", eks=True)
    assert _checks(cli, project)[1]["eks-availability-zones"]["status"] == "PASS"
    # an account whose us-east-1a is the zone EKS does not support (zone names differ per account)
    zones = [Zone(region_name="us-east-1", name="us-east-1a", zone_id="use1-az3"),
             Zone(region_name="us-east-1", name="us-east-1b", zone_id="use1-az1")]
    monkeypatch.setitem(RegionsAndZonesBackend.zones, "us-east-1", zones)
    code, checks = _checks(cli, project)
    assert code == 1
    check = checks["eks-availability-zones"]
    assert check["status"] == "FAIL" and "us-east-1a (use1-az3)" in check["detail"]
    _account_project(project, reserved=1, cidr="10.0.0.0/16", eks=False)  # no cluster, no check
    assert "eks-availability-zones" not in _checks(cli, project)[1]
