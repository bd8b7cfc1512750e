"""Every validation rule rejects its bad input through the CLI, with one clear line and nothing changed."""

import copy

import pytest

from tests.functional.dns.site_builder import DNS_SECTION, build_site


def _with(mutate):
    dns = copy.deepcopy(DNS_SECTION)
    mutate(dns)
    return dns


def _record(dns, index, **fields):
    dns["records"][index].update(fields)


def _route(dns, index, route, **fields):
    dns["records"][index]["routes"][route].update(fields)


BAD_CONFIGS = {
    "cname at apex": (lambda d: d["records"].append({"name": "@", "type": "CNAME", "target": "x.example.net"}),
                      "cannot be at the zone apex"),
    "cname beside other records": (
        lambda d: d["records"].append({"name": "www", "type": "CNAME", "target": "x.example.net"}),
        "cannot sit beside other records"),
    "weight out of range": (lambda d: d["canary"].update(weight=300) or d["records"].append(
        {"name": "blue", "type": "CNAME", "routing": "weighted", "routes": [
            {"set_id": "a", "weight": 256, "target": "a.example.net"},
            {"set_id": "b", "weight": 1, "target": "b.example.net"}]}), "weight 256 is outside 0-255"),
    "missing set identifier": (lambda d: _route(d, 3, 0, set_id=None), "has no set_id"),
    "duplicate set identifier": (lambda d: _route(d, 2, 1, set_id="us"), "set_id 'us' is used 2 times"),
    "bad continent": (lambda d: _route(d, 2, 1, location={"continent": "XX"}), "continent 'XX' is unknown"),
    "bad country": (lambda d: _route(d, 2, 0, location={"country": "UK"}), "country 'UK' is not an ISO"),
    "no default location": (lambda d: d["records"][2]["routes"].pop(), "no default location"),
    "failover with two primaries": (lambda d: _route(d, 0, 1, failover="PRIMARY"),
                                    "exactly one PRIMARY and one SECONDARY"),
    "failover without secondary": (lambda d: d["records"][1]["routes"].pop(),
                                   "exactly one PRIMARY and one SECONDARY"),
    "primary without health check": (lambda d: _route(d, 0, 0, health_check=None), "needs a health_check"),
    "alias in another partition": (lambda d: d["records"].append({"name": "cn", "type": "A", "alias": {
        "dns_name": "d1.cloudfront.cn", "hosted_zone_id": "Z3RFFRIM2A3IF5"}}), "CloudFront's in aws-cn"),
    "ttl too small": (lambda d: _record(d, 2, ttl=1), "ttl 1 s is not sane"),
    "unknown health check": (lambda d: _route(d, 2, 1, health_check="nope"), "health_check 'nope' is not declared"),
    "target on an A record that cannot alias": (
        lambda d: d["records"].append({"name": "rest", "type": "A", "target": "rest.example.net"}),
        "needs cloudfront, alb, api, websocket, values or alias"),
    "ambiguous multi-region target": (lambda d: _route(d, 0, 1, target="alb"), "is ambiguous"),
    "dns stack's zone is another": (lambda d: d.update(zone="other.example"), "set dns.zone to match"),
    "zone not found": (lambda d: d.update(zone="other.example", stacks={"dns": "no-dns-stack"}),
                       "no hosted zone named other.example"),
}


def test_each_rule_rejects_its_bad_input_and_changes_nothing(aws, cli, tmp_path):
    site = build_site(aws, tmp_path)
    failures = []
    for case, (mutate, expected) in BAD_CONFIGS.items():
        site.write_config(_with(mutate))
        result = cli("dns", "update", "staging", "--yes", "--config-dir", site.config_dir)
        lines = [line for line in result.stderr.splitlines() if line.startswith("error:")]
        if result.exit_code != 1 or expected not in result.stderr or len(lines) != 1:
            failures.append(f"{case}: exit {result.exit_code}, stderr {result.stderr!r}")
    assert not failures, "\n".join(failures)
    assert {r["Type"] for r in site.records()} == {"NS", "SOA"}
    assert site.route53.list_health_checks()["HealthChecks"] == []


def test_domain_must_be_among_the_distribution_aliases(aws, cli, tmp_path):
    site = build_site(aws, tmp_path, aliases=("example.com", "www.example.com"))
    result = cli("dns", "update", "staging", "--yes", "--config-dir", site.config_dir)
    assert result.exit_code == 1
    assert "app.example.com" in result.stderr and "alternate domain names" in result.stderr
    assert {r["Type"] for r in site.records()} == {"NS", "SOA"}


def test_private_zone_is_refused(aws, cli, tmp_path):
    site = build_site(aws, tmp_path)
    route53 = aws.client("route53")
    route53.create_hosted_zone(Name="private.example", CallerReference="p", HostedZoneConfig={"PrivateZone": True},
                               VPC={"VPCRegion": "us-east-1", "VPCId": "vpc-12345678"})
    site.write_config(_with(lambda d: d.update(zone="private.example", records=[], canary=None,
                                               health_checks={}, stacks={"dns": "no-dns-stack"})))
    result = cli("dns", "update", "staging", "--yes", "--config-dir", site.config_dir)
    assert result.exit_code == 1
    assert "only a private zone" in result.stderr


@pytest.mark.parametrize("args, expected", [
    (("--weight", "101"), "0 to 100"),
    (("--weight", "10", "--abort"), "exactly one of"),
])
def test_canary_arguments_are_checked_before_any_call(site, cli, args, expected):
    result = cli("dns", "canary", "staging", *args, "--yes", "--config-dir", site.config_dir)
    assert result.exit_code == 1 and expected in result.stderr
