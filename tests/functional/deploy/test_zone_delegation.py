"""Zone delegation (issue 12, point 4): a first deploy stops after the dns stack, with what to set at the
registrar, instead of hanging on ACM validation; `preflight` checks the delegation; an existing zone given as
the dns stack's HostedZoneId is used and no zone is created.

The public DNS is the emulator's (`candlefish_ops/local/moto/extensions/public_dns.py`): its zones count as
delegated unless the `public_dns` fixture says otherwise. Nothing here reaches the network."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[3]
CONFIG = ROOT / "config"
DOMAIN = "staging.candlefish.ai"


@pytest.fixture
def public_dns():
    """What the emulator's public DNS answers for NS lookups, reset after the test."""
    from candlefish_ops.local.moto.extensions import public_dns as emulated

    emulated.clear_delegations()
    yield emulated
    emulated.clear_delegations()


def _stack(aws, name: str, region: str = "us-east-1") -> dict | None:
    stacks = aws.client("cloudformation", region).list_stacks()["StackSummaries"]
    return next((s for s in stacks if s["StackName"] == name and s["StackStatus"] != "DELETE_COMPLETE"), None)


def _name_servers(aws, zone_id: str) -> list[str]:
    return aws.client("route53").get_hosted_zone(Id=zone_id)["DelegationSet"]["NameServers"]


def test_first_deploy_stops_before_the_certificate_stacks_until_the_zone_is_delegated(aws, cli, public_dns):
    public_dns.set_delegation(DOMAIN, [])  # the registrar does not delegate the new zone yet (NXDOMAIN)

    result = cli("deploy", "staging", "--yes", "--config-dir", CONFIG)

    assert result.exit_code == 1, result.stdout + result.stderr
    zones = aws.client("route53").list_hosted_zones()["HostedZones"]
    assert [z["Name"].rstrip(".") for z in zones] == [DOMAIN]
    zone_id = zones[0]["Id"].rsplit("/", 1)[-1]
    servers = _name_servers(aws, zone_id)
    error = result.stderr.strip().splitlines()[-1]
    assert error.startswith("error: stopped before api (us-east-1), compute (us-east-1): their ACM certificates validate by DNS in "
                            f"zone {DOMAIN} ({zone_id}), which is not delegated")
    assert f"set the name servers of {DOMAIN} at its registrar" in error
    assert all(server in error for server in servers)
    assert f"set the name servers of {DOMAIN} at its registrar" in result.stderr.split("error:")[0]  # after dns
    dns = aws.client("cloudformation").describe_stacks(StackName="candlefish-staging-dns")["Stacks"][0]
    outputs = {o["OutputKey"]: o["OutputValue"] for o in dns["Outputs"]}
    assert outputs["NameServers"].split(",") == servers
    assert _stack(aws, "candlefish-staging-api") is None
    assert _stack(aws, "candlefish-staging-compute") is None
    assert _stack(aws, "candlefish-staging-edge") is None
    assert aws.client("acm").list_certificates()["CertificateSummaryList"] == []

    public_dns.clear_delegations()  # the registrar now lists the zone's name servers
    resumed = cli("deploy", "staging", "--yes", "--config-dir", CONFIG)

    assert resumed.exit_code == 0, resumed.stderr
    assert f"zone {DOMAIN} ({zone_id}) is delegated to its name servers {', '.join(servers)}" in resumed.stderr
    assert _stack(aws, "candlefish-staging-compute")["StackStatus"] == "CREATE_COMPLETE"
    assert _stack(aws, "candlefish-staging-edge")["StackStatus"] == "CREATE_COMPLETE"


def test_preflight_fails_with_the_fix_when_the_zone_is_delegated_elsewhere(aws, cli, public_dns):
    assert cli("deploy", "staging", "--yes", "--config-dir", CONFIG).exit_code == 0
    zone_id = aws.client("route53").list_hosted_zones()["HostedZones"][0]["Id"].rsplit("/", 1)[-1]
    passed = cli("preflight", "staging", "--config-dir", CONFIG, "-o", "json")
    check = next(c for c in passed.json()["checks"] if c["check"] == "zone-delegation")
    assert (passed.exit_code, check["status"], check["data"]["zone_id"]) == (0, "PASS", zone_id)

    public_dns.set_delegation(DOMAIN, ["ns1.old-provider.example", "ns2.old-provider.example"])
    failed = cli("preflight", "staging", "--config-dir", CONFIG, "-o", "json")

    assert failed.exit_code == 1
    check = next(c for c in failed.json()["checks"] if c["check"] == "zone-delegation")
    assert check["status"] == "FAIL"
    assert "ns1.old-provider.example" in check["detail"]
    assert all(server in check["fix"] for server in _name_servers(aws, zone_id))
    before = aws.client("cloudformation").describe_stacks(StackName="candlefish-staging-compute")["Stacks"][0]
    deploy = cli("deploy", "staging", "--yes", "--force", "--config-dir", CONFIG)
    assert deploy.exit_code == 1 and "preflight zone-delegation failed" in deploy.stderr
    after = aws.client("cloudformation").describe_stacks(StackName="candlefish-staging-compute")["Stacks"][0]
    assert after.get("LastUpdatedTime") == before.get("LastUpdatedTime")


def test_an_existing_zone_given_as_hosted_zone_id_is_used_and_none_is_created(aws, cli, tmp_path, public_dns):
    route53 = aws.client("route53")
    zone_id = route53.create_hosted_zone(Name=DOMAIN, CallerReference="registrar-delegated")["HostedZone"]["Id"]
    zone_id = zone_id.rsplit("/", 1)[-1]
    config_dir = tmp_path / "config"
    config_dir.mkdir()
    shutil.copytree(ROOT / "templates", tmp_path / "templates")
    document = yaml.safe_load((CONFIG / "staging.yaml").read_text())
    document["stacks"]["dns"]["parameters"]["HostedZoneId"] = zone_id
    (config_dir / "staging.yaml").write_text(yaml.safe_dump(document, sort_keys=False))

    preflight = cli("preflight", "staging", "--config-dir", config_dir, "-o", "json")
    deployed = cli("deploy", "staging", "--yes", "--config-dir", config_dir)
    updated = cli("dns", "update", "staging", "--yes", "--config-dir", config_dir)

    check = next(c for c in preflight.json()["checks"] if c["check"] == "zone-delegation")
    assert (check["status"], check["data"]["zone_id"]) == ("PASS", zone_id)
    assert deployed.exit_code == 0, deployed.stderr
    assert updated.exit_code == 0, updated.stderr
    assert [z["Id"].rsplit("/", 1)[-1] for z in route53.list_hosted_zones()["HostedZones"]] == [zone_id]
    dns = aws.client("cloudformation").describe_stacks(StackName="candlefish-staging-dns")["Stacks"][0]
    assert {o["OutputKey"]: o["OutputValue"] for o in dns["Outputs"]}["HostedZoneId"] == zone_id
    names = {(r["Name"].rstrip("."), r["Type"]) for r in route53.list_resource_record_sets(HostedZoneId=zone_id)["ResourceRecordSets"]}
    assert (f"origin.{DOMAIN}", "A") in names           # compute stack's record, through ${dns.HostedZoneId}
    assert (DOMAIN, "AAAA") in names and (f"www.{DOMAIN}", "A") in names   # candlefish dns update


def test_a_hosted_zone_id_that_is_another_domain_fails_preflight_before_any_change(aws, cli, tmp_path):
    zone_id = aws.client("route53").create_hosted_zone(Name="example.org", CallerReference="x")["HostedZone"]["Id"]
    zone_id = zone_id.rsplit("/", 1)[-1]
    config_dir = tmp_path / "config"
    config_dir.mkdir()
    shutil.copytree(ROOT / "templates", tmp_path / "templates")
    document = yaml.safe_load((CONFIG / "staging.yaml").read_text())
    document["stacks"]["dns"]["parameters"]["HostedZoneId"] = zone_id
    (config_dir / "staging.yaml").write_text(yaml.safe_dump(document, sort_keys=False))

    result = cli("deploy", "staging", "--yes", "--config-dir", config_dir)

    assert result.exit_code == 1
    assert f"hosted zone {zone_id} is zone example.org, not {DOMAIN}" in result.stderr
    assert aws.client("cloudformation").describe_stacks()["Stacks"] == []


def test_deploying_only_the_dns_stack_says_what_to_set_at_the_registrar(aws, cli, public_dns):
    public_dns.set_delegation(DOMAIN, [])

    result = cli("deploy", "staging", "--only", "dns", "--yes", "--config-dir", CONFIG)

    assert result.exit_code == 0, result.stderr
    zone_id = aws.client("route53").list_hosted_zones()["HostedZones"][0]["Id"].rsplit("/", 1)[-1]
    servers = ", ".join(_name_servers(aws, zone_id))
    assert (f"zone {DOMAIN} ({zone_id}): set the name servers of {DOMAIN} at its registrar (for a subdomain: NS "
            f"records for it in the parent zone) to {servers} (the public DNS has no NS records for it)") in result.stderr
