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
        [check] = result.json()["checks"]
        assert (check["check"], check["status"]) == ("waf-capacity", "PASS")
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
