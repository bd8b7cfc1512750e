"""From config and stack outputs to records and health checks: API targets alias the regional custom domains,
API health checks probe the region's execute-api host under the stage (pure, no AWS)."""

import copy

import yaml

from candlefish_ops.config import load_environment
from candlefish_ops.dns.resolve import desired_health_checks, desired_records

REGIONS = {"us-east-1": "Z1UJRXOUMOOFQ8", "eu-west-1": "ZLY8HYME6SFDD"}
DNS = {
    "health_checks": {"api-eu": {"target": "api@eu-west-1", "path": "/health"},
                      "ws-eu": {"target": "websocket@eu-west-1", "path": "/"},
                      "legacy": {"fqdn": "legacy.example.net", "path": "/health"}},
    "records": [
        {"name": "api", "type": ["A", "AAAA"], "routing": "latency", "routes": [
            {"set_id": region, "target": f"api@{region}", "health_check": "api-eu"} for region in REGIONS]},
        {"name": "ws", "type": "CNAME", "target": "websocket@eu-west-1"},
        {"name": "ws2", "type": "A", "target": "websocket@eu-west-1"},
    ],
}
OUTPUTS = {("api", region): {"RestApiDomainName": f"abc{i}.execute-api.{region}.amazonaws.com",
                             "RestApiStageName": "api", "WebSocketDomainName": f"ws{i}.execute-api.{region}.amazonaws.com",
                             "RestApiRegionalDomainName": f"d-rest{i}.execute-api.{region}.amazonaws.com",
                             "RestApiRegionalHostedZoneId": zone,
                             "WebSocketRegionalDomainName": f"d-ws{i}.execute-api.{region}.amazonaws.com",
                             "WebSocketRegionalHostedZoneId": zone}
           for i, (region, zone) in enumerate(REGIONS.items())}


def _environment(tmp_path, dns=DNS):
    document = {"project": "candlefish", "domain": "example.com", "region": "us-east-1", "dns": dns,
                "stacks": {"api": {"template": "a.yaml", "regions": list(REGIONS)}}}
    (tmp_path / "staging.yaml").write_text(yaml.safe_dump(document))
    return load_environment(tmp_path, "staging")


def test_api_records_alias_each_regional_custom_domain_with_its_zone(tmp_path):
    env = _environment(tmp_path)
    records = {(r.name, r.type, r.set_id): r for r in desired_records(env.dns, "example.com", env, OUTPUTS, {})}
    for i, (region, zone) in enumerate(REGIONS.items()):
        for record_type in ("A", "AAAA"):
            record = records[("api.example.com.", record_type, region)]
            assert (record.alias.dns_name, record.alias.hosted_zone_id) == (
                f"d-rest{i}.execute-api.{region}.amazonaws.com", zone)
            assert record.alias.evaluate_target_health is False and record.ttl is None and record.region == region
    assert records[("ws2.example.com.", "A", None)].alias.hosted_zone_id == "ZLY8HYME6SFDD"
    assert records[("ws.example.com.", "CNAME", None)].values == ("d-ws1.execute-api.eu-west-1.amazonaws.com",)


def test_api_health_checks_probe_the_regions_execute_api_host_under_the_stage(tmp_path):
    env = _environment(tmp_path)
    checks = {c.name: c for c in desired_health_checks(env.dns, env, OUTPUTS)}
    assert (checks["api-eu"].fqdn, checks["api-eu"].path) == ("abc1.execute-api.eu-west-1.amazonaws.com", "/api/health")
    assert (checks["ws-eu"].fqdn, checks["ws-eu"].path) == ("ws1.execute-api.eu-west-1.amazonaws.com", "/")
    assert (checks["legacy"].fqdn, checks["legacy"].path) == ("legacy.example.net", "/health")


def test_a_path_too_long_with_the_stage_is_refused_before_any_change(tmp_path):
    import pytest

    from candlefish_ops.errors import ValidationError

    dns = copy.deepcopy(DNS)
    dns["health_checks"]["api-eu"]["path"] = "/" + "p" * 253   # 254 characters: valid alone, 258 with /api
    env = _environment(tmp_path, dns)
    with pytest.raises(ValidationError, match="health check of api@eu-west-1: path .* is 258 characters"):
        desired_health_checks(env.dns, env, OUTPUTS)
