"""Blocked addresses survive every deploy of the security stack: the stack never owns the IP sets' addresses
(the deploy creates the sets outside CloudFormation and passes their ARNs). The emulator models AWS here: a
stack update touching an AWS::WAFv2::IPSet resource sends the template's addresses, and stack tags propagate
to resources, so with the sets in the stack a tag change would wipe them."""

from __future__ import annotations

from pathlib import Path

TEMPLATES = Path(__file__).resolve().parents[3] / "templates"


def _config(directory: Path, rate_limit: int, cost_center: str, templates: Path = TEMPLATES) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "staging.yaml").write_text(f"""
project: candlefish
protected: false
templates_dir: {templates}
tags: {{CostCenter: {cost_center}}}
stacks:
  security:
    template: security.yaml
    parameters:
      Environment: staging
      GlobalRateLimit: {rate_limit}
      LogBucketArn: arn:aws:s3:::staging-candlefish-analytics
""", encoding="utf-8")


def _blocked(aws) -> list[str]:
    wafv2 = aws.client("wafv2")
    summary = next(s for s in wafv2.list_ip_sets(Scope="CLOUDFRONT")["IPSets"] if s["Name"] == "staging-candlefish-block-v4")
    return wafv2.get_ip_set(Name=summary["Name"], Scope="CLOUDFRONT", Id=summary["Id"])["IPSet"]["Addresses"]


def test_a_blocked_address_survives_a_redeploy_with_changed_parameters_and_tags(aws, cli, tmp_path):
    config = tmp_path / "config"
    _config(config, 10000, "platform")
    first = cli("deploy", "staging", "--config-dir", config, "-o", "json")
    assert first.exit_code == 0, first.stderr + first.stdout
    resources = aws.client("cloudformation").describe_stack_resources(StackName="candlefish-staging-security")
    assert "AWS::WAFv2::IPSet" not in {r["ResourceType"] for r in resources["StackResources"]}

    blocked = cli("waf", "block-ip", "staging", "203.0.113.7", "--reason", "INC-1", "--config-dir", config)
    assert blocked.exit_code == 0, blocked.stderr
    assert _blocked(aws) == ["203.0.113.7/32"]

    _config(config, 5000, "security")  # a security-stack parameter and the stack tags change
    again = cli("deploy", "staging", "--config-dir", config, "-o", "json")
    assert again.exit_code == 0, again.stderr + again.stdout
    assert [s["result"] for s in again.json()["stacks"]] == ["updated"]

    assert _blocked(aws) == ["203.0.113.7/32"]
    listed = cli("waf", "list", "staging", "--config-dir", config, "-o", "json")
    assert listed.exit_code == 0, listed.stderr
    [entry] = [e for e in listed.json()["entries"] if e["address"] == "203.0.113.7/32"]
    assert entry["status"] == "active" and entry["reason"] == "INC-1" and entry["origin"] != "unknown"


def test_the_deploy_adopts_existing_ip_sets_and_plans_without_creating_any(aws, cli, tmp_path):
    config = tmp_path / "config"
    _config(config, 10000, "platform")
    planned = cli("deploy", "staging", "--plan", "--config-dir", config, "-o", "json")
    assert planned.exit_code == 0, planned.stderr
    assert "wait for the WAF IP sets" in planned.json()["stacks"][0]["message"]
    assert aws.client("wafv2").list_ip_sets(Scope="CLOUDFRONT")["IPSets"] == []

    wafv2 = aws.client("wafv2")
    existing = wafv2.create_ip_set(Name="staging-candlefish-block-v4", Scope="CLOUDFRONT", IPAddressVersion="IPV4",
                                   Addresses=["198.51.100.0/24"])["Summary"]
    assert cli("deploy", "staging", "--config-dir", config).exit_code == 0
    outputs = {o["OutputKey"]: o["OutputValue"] for o in aws.client("cloudformation").describe_stacks(
        StackName="candlefish-staging-security")["Stacks"][0]["Outputs"]}
    assert outputs["BlockListV4Arn"] == existing["ARN"]
    assert _blocked(aws) == ["198.51.100.0/24"]
    assert len(wafv2.list_ip_sets(Scope="CLOUDFRONT")["IPSets"]) == 4
