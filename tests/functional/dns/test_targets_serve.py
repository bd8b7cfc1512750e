"""Records send clients only where they can be served (issue 12, point 3): the ALB is CloudFront's origin, its
certificate covers origin.DOMAIN and it is IPv4-only, so no shipped record sends it apex, www, app or AAAA; and
`dns update` refuses a record that would (an AAAA alias to an IPv4-only load balancer, a name its certificate
does not cover), with one line and nothing changed. Everything is read back from the emulator with boto3."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from candlefish_ops.dns.serving import covered

ROOT = Path(__file__).resolve().parents[3]
CONFIG = ROOT / "config"


def _load_balancers(aws, region: str) -> dict[str, dict]:
    """DNS name -> {ip_address_type, certificate_names} of every load balancer, from ELB and ACM."""
    elbv2, acm = aws.client("elbv2", region), aws.client("acm", region)
    found = {}
    for balancer in elbv2.describe_load_balancers()["LoadBalancers"]:
        names = []
        for listener in elbv2.describe_listeners(LoadBalancerArn=balancer["LoadBalancerArn"])["Listeners"]:
            for certificate in listener.get("Certificates") or []:
                detail = acm.describe_certificate(CertificateArn=certificate["CertificateArn"])["Certificate"]
                names += [detail["DomainName"], *detail.get("SubjectAlternativeNames", [])]
        found[balancer["DNSName"].lower().rstrip(".")] = {"ip": balancer["IpAddressType"], "names": names}
    return found


def _records(aws) -> list[dict]:
    route53 = aws.client("route53")
    zone = route53.list_hosted_zones()["HostedZones"][0]["Id"]
    return route53.list_resource_record_sets(HostedZoneId=zone)["ResourceRecordSets"]


@pytest.mark.parametrize("env", ["production", "staging"])
def test_every_record_aliasing_the_load_balancer_is_one_it_serves(aws, cli, env):
    assert cli("deploy", env, "--yes", "--config-dir", CONFIG).exit_code == 0
    updated = cli("dns", "update", env, "--yes", "--config-dir", CONFIG)
    assert updated.exit_code == 0, updated.stderr

    balancers = _load_balancers(aws, "us-east-1")
    assert balancers and all(b["names"] for b in balancers.values())
    sent = [(r["Name"].rstrip("."), r["Type"], balancers[r["AliasTarget"]["DNSName"].lower().rstrip(".")])
            for r in _records(aws) if "AliasTarget" in r
            and r["AliasTarget"]["DNSName"].lower().rstrip(".") in balancers]
    assert sent, "the compute stack's origin record aliases the load balancer"
    assert [(name, kind) for name, kind, balancer in sent if not covered(name, balancer["names"])] == []
    assert [(name, kind) for name, kind, balancer in sent if kind == "AAAA" and balancer["ip"] != "dualstack"] == []


def _staging_with(tmp_path, records: list[dict]) -> Path:
    config_dir = tmp_path / "config"
    config_dir.mkdir()
    shutil.copytree(ROOT / "templates", tmp_path / "templates")
    document = yaml.safe_load((CONFIG / "staging.yaml").read_text())
    document["dns"]["records"] += records
    (config_dir / "staging.yaml").write_text(yaml.safe_dump(document, sort_keys=False))
    return config_dir


def _state(aws) -> tuple:
    return (sorted(str(r) for r in _records(aws)),
            sorted(c["Id"] for c in aws.client("route53").list_health_checks()["HealthChecks"]))


@pytest.mark.parametrize("record, expected", [
    ({"name": "origin", "type": "AAAA", "target": "alb@us-east-1"},
     "origin.staging.candlefish.ai. AAAA sends clients to the load balancer of stack compute (us-east-1), which is "
     "IPv4-only (LoadBalancerIpAddressType ipv4): the AAAA alias would answer no address"),
    ({"name": "shop", "type": "A", "target": "alb@us-east-1"},
     "shop.staging.candlefish.ai. A sends clients to the load balancer of stack compute (us-east-1), whose "
     "certificate covers only origin.staging.candlefish.ai: clients would fail TLS for shop.staging.candlefish.ai"),
], ids=["aaaa-to-ipv4-only", "name-not-in-certificate"])
def test_dns_update_refuses_a_record_the_load_balancer_cannot_serve(aws, cli, tmp_path, record, expected):
    config_dir = _staging_with(tmp_path, [record])
    assert cli("deploy", "staging", "--yes", "--config-dir", config_dir).exit_code == 0
    before = _state(aws)

    result = cli("dns", "update", "staging", "--yes", "--config-dir", config_dir)

    assert result.exit_code == 1
    assert result.stderr.count("\n") == 1 and result.stderr.startswith(f"error: {expected}")
    assert result.stderr.rstrip().endswith("nothing was changed")
    assert _state(aws) == before


def test_emulated_load_balancer_is_dualstack_only_on_ipv6_subnets(aws, cli, tmp_path):
    """As on AWS, IpAddressType dualstack needs subnets with IPv6 CIDR blocks (network.yaml has none)."""
    config_dir = _staging_with(tmp_path, [])
    document = yaml.safe_load((config_dir / "staging.yaml").read_text())
    document["stacks"]["compute"]["parameters"]["LoadBalancerIpAddressType"] = "dualstack"
    (config_dir / "staging.yaml").write_text(yaml.safe_dump(document, sort_keys=False))

    result = cli("deploy", "staging", "--yes", "--config-dir", config_dir)

    assert result.exit_code == 1
    assert "no IPv6 CIDR block" in result.stdout + result.stderr
    assert aws.client("elbv2").describe_load_balancers()["LoadBalancers"] == []
