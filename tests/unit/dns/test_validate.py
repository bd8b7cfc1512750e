"""Validation rules on config alone (no AWS): each names the record and the fix."""

import copy

import pytest
import yaml

from candlefish_ops.config import load_environment
from candlefish_ops.dns.validate import problems_of
from candlefish_ops.errors import ConfigError
from tests.functional.dns.site_builder import DNS_SECTION

STACKS = {"edge": {"template": "e.yaml"}, "compute": {"template": "c.yaml", "regions": ["us-east-1", "eu-west-1"]},
          "api": {"template": "a.yaml", "regions": ["us-east-1", "eu-west-1", "ap-southeast-1"]}}


def environment(tmp_path, dns, region="us-east-1"):
    document = {"project": "candlefish", "domain": "example.com", "region": region, "stacks": STACKS, "dns": dns}
    (tmp_path / "staging.yaml").write_text(yaml.safe_dump(document))
    return load_environment(tmp_path, "staging")


def problems(tmp_path, mutate=lambda d: None, region="us-east-1"):
    dns = copy.deepcopy(DNS_SECTION)
    mutate(dns)
    env = environment(tmp_path, dns, region)
    return problems_of(env.dns, env.dns.zone or env.domain, env)


def test_the_seed_design_is_valid(tmp_path):
    assert problems(tmp_path) == []


def test_the_docs_configs_are_valid(tmp_path):
    from pathlib import Path

    docs = Path(__file__).resolve().parents[3] / "docs" / "config"
    for env, domain in (("production", "candlefish.ai"), ("staging", "staging.candlefish.ai")):
        section = yaml.safe_load((docs / f"dns.{env}.yaml").read_text())["dns"]
        stacks = {**STACKS, "dns": {"template": "d.yaml"}}
        document = {"project": "candlefish", "domain": domain, "stacks": stacks, "dns": section}
        (tmp_path / f"{env}.yaml").write_text(yaml.safe_dump(document))
        loaded = load_environment(tmp_path, env)
        assert problems_of(loaded.dns, loaded.dns.zone or loaded.domain, loaded) == [], env


@pytest.mark.parametrize("mutate, expected", [
    (lambda d: d["records"][2]["routes"][0].update(location={"country": "US", "subdivision": "XX"}),
     "not a US state"),
    (lambda d: d["records"][2]["routes"][0].update(location={"continent": "EU", "country": "DE"}), "not both"),
    (lambda d: d["records"][2]["routes"][1].update(location={"country": "US"}), "routed twice"),
    (lambda d: d["records"][3]["routes"][0].update(weight=5), "weight belongs to weighted routing"),
    (lambda d: d["records"][3]["routes"][1].update(target="websocket@us-east-1"), "two latency routes"),
    (lambda d: d["health_checks"]["site"].update(interval=20), "every 10 or 30 s"),
    (lambda d: d["health_checks"]["site"].update(failure_threshold=11), "use 1-10"),
    (lambda d: d["records"].append({"name": "www.other.org.", "type": "A", "values": ["192.0.2.1"]}),
     "outside the zone"),
    (lambda d: d["records"].append({"name": "v6", "type": "AAAA", "values": ["192.0.2.1"]}), "IPv4 address"),
    (lambda d: d["records"].append({"name": "www", "type": "A", "values": ["192.0.2.1"]}), "also declared"),
    (lambda d: d["records"][0]["routes"][0].update(set_id="bad\nid"), "set_id must be"),
    (lambda d: d.update(ttl=999999), "dns.ttl"),
    (lambda d: d["canary"].update(weight=101), "not a percentage"),
    (lambda d: d["records"][0]["routes"][1].update(target="alb:nope@us-east-1"), "does not declare"),
    (lambda d: d["records"][0]["routes"][1].update(target="alb@ap-southeast-1"), "does not deploy to"),
])
def test_rule(tmp_path, mutate, expected):
    found = problems(tmp_path, mutate)
    assert any(expected in p for p in found), found
    assert all(p.startswith(("record ", "dns.")) for p in found)


def test_alias_targets_must_share_the_partition(tmp_path):
    found = problems(tmp_path, lambda d: d["records"][0]["routes"][1].update(target="alb@cn-north-1"))
    assert any("does not deploy to" in p for p in found)   # stacks are checked first
    found = problems(tmp_path, lambda d: d["records"].append(
        {"name": "x", "type": "A", "alias": {"dns_name": "d.cloudfront.net", "hosted_zone_id": "Z2FDTNDATAQYW2"}}),
        region="cn-north-1")
    assert any("CloudFront's in aws" in p and "aws-cn" in p for p in found)


@pytest.mark.parametrize("section, expected", [
    ({"records": [{"name": "a", "type": "A", "routing": "random"}]}, "not a routing policy"),
    ({"records": [{"name": "a", "type": "A", "routing": "weighted", "target": "cloudfront"}]}, "under routes"),
    ({"records": [{"name": "a", "type": "A"}]}, "exactly one of target, values or alias"),
    ({"health_checks": {"x": {"path": "/"}}}, "exactly one of target"),
    ({"bogus": 1}, "unknown key"),
])
def test_config_shape_errors_name_file_and_key(tmp_path, section, expected):
    with pytest.raises(ConfigError, match=expected) as caught:
        environment(tmp_path, section)
    assert "staging.yaml: dns" in str(caught.value)
