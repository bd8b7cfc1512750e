"""api. and ws. serve HTTPS from regional custom domains, and the API health checks probe where the API answers.

The shipped configs are deployed through the CLI into the emulator, `candlefish dns update` runs on them, and
everything is read back through API Gateway's, ACM's and Route 53's own APIs.
"""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
CONFIG = ROOT / "config"
# "Amazon API Gateway endpoints and quotas": Route 53 hosted zone ids of the regional endpoints
API_ZONES = {"us-east-1": "Z1UJRXOUMOOFQ8", "eu-west-1": "ZLY8HYME6SFDD", "ap-southeast-1": "ZL327KTPIQFUL"}
ENVIRONMENTS = {"production": ("candlefish.ai", ("us-east-1", "eu-west-1", "ap-southeast-1")),
                "staging": ("staging.candlefish.ai", ("us-east-1",))}


def _outputs(aws, env: str, region: str) -> dict[str, str]:
    stack = aws.client("cloudformation", region).describe_stacks(StackName=f"candlefish-{env}-api")["Stacks"][0]
    return {o["OutputKey"]: o["OutputValue"] for o in stack["Outputs"]}


def _raw(client, operation: str, **arguments) -> dict:
    """The JSON the service answered (the pinned botocore predates IpAddressType and drops it when parsing)."""
    import json

    answers = []
    event = f"after-call.{client.meta.service_model.service_id.hyphenize()}.{operation}"
    client.meta.events.register(event, lambda http_response, **_: answers.append(json.loads(http_response.content)))
    getattr(client, _snake(operation))(**arguments)
    return answers[-1]


def _snake(operation: str) -> str:
    import re

    return re.sub(r"(?<!^)(?=[A-Z])", "_", operation).lower()


def _records(aws, domain: str) -> list[dict]:
    route53 = aws.client("route53")
    zone = next(z for z in route53.list_hosted_zones()["HostedZones"] if z["Name"].rstrip(".") == domain)
    pages = route53.get_paginator("list_resource_record_sets").paginate(HostedZoneId=zone["Id"])
    return [record for page in pages for record in page["ResourceRecordSets"]]


@pytest.fixture(params=sorted(ENVIRONMENTS))
def deployed(request, aws, cli):
    env = request.param
    result = cli("deploy", env, "--yes", "--config-dir", CONFIG)
    assert result.exit_code == 0, result.stderr + result.stdout
    return env


def test_each_api_region_has_regional_custom_domains_with_a_certificate_of_its_region(aws, deployed):
    domain, regions = ENVIRONMENTS[deployed]
    for region in regions:
        outputs, apigateway = _outputs(aws, deployed, region), aws.client("apigateway", region)
        rest = _raw(apigateway, "GetDomainName", domainName=f"api.{domain}")
        assert rest["endpointConfiguration"] == {"types": ["REGIONAL"], "ipAddressType": "dualstack"}
        assert rest["regionalDomainName"].startswith("d-")
        assert rest["regionalDomainName"].endswith(f".execute-api.{region}.amazonaws.com")
        assert rest["regionalHostedZoneId"] == API_ZONES[region] and rest["securityPolicy"] == "TLS_1_2"
        assert (outputs["RestApiRegionalDomainName"], outputs["RestApiRegionalHostedZoneId"]) == \
            (rest["regionalDomainName"], API_ZONES[region])
        [mapping] = apigateway.get_base_path_mappings(domainName=f"api.{domain}")["items"]
        assert (mapping["restApiId"], mapping["stage"]) == (outputs["RestApiId"], "api")

        certificate = aws.client("acm", region).describe_certificate(
            CertificateArn=rest["regionalCertificateArn"])["Certificate"]
        assert certificate["CertificateArn"].split(":")[3] == region
        assert {certificate["DomainName"], *certificate["SubjectAlternativeNames"]} == {f"api.{domain}", f"ws.{domain}"}
        zone = {(r["Name"], r["Type"]): r.get("ResourceRecords") for r in _records(aws, domain)}
        for option in certificate["DomainValidationOptions"]:   # validated in the environment's own zone
            record = option["ResourceRecord"]
            assert zone[(record["Name"], "CNAME")] == [{"Value": record["Value"]}]

        v2 = aws.client("apigatewayv2", region)
        [ws] = _raw(v2, "GetDomainName", DomainName=f"ws.{domain}")["domainNameConfigurations"]
        assert (ws["endpointType"], ws["ipAddressType"], ws["certificateArn"]) == \
            ("REGIONAL", "dualstack", rest["regionalCertificateArn"])
        assert ws["apiGatewayDomainName"].endswith(f".execute-api.{region}.amazonaws.com")
        assert ws["hostedZoneId"] == API_ZONES[region] == outputs["WebSocketRegionalHostedZoneId"]
        assert outputs["WebSocketRegionalDomainName"] == ws["apiGatewayDomainName"]
        [ws_mapping] = v2.get_api_mappings(DomainName=f"ws.{domain}")["Items"]
        assert (ws_mapping["ApiId"], ws_mapping["Stage"]) == (outputs["WebSocketApiId"], "ws")


def test_health_is_a_deployed_get_without_api_key_or_authorizer(aws, deployed):
    _, regions = ENVIRONMENTS[deployed]
    for region in regions:
        apigateway, api_id = aws.client("apigateway", region), _outputs(aws, deployed, region)["RestApiId"]
        resources = {r["path"]: r for r in apigateway.get_resources(restApiId=api_id)["items"]}
        method = apigateway.get_method(restApiId=api_id, resourceId=resources["/health"]["id"], httpMethod="GET")
        assert (method["apiKeyRequired"], method["authorizationType"]) == (False, "NONE")
        assert method["methodIntegration"]["type"] == "MOCK"
        assert method["methodIntegration"]["integrationResponses"]["200"]["statusCode"] == "200"
        # every other method still needs the key
        keyed = [apigateway.get_method(restApiId=api_id, resourceId=r["id"], httpMethod=verb)["apiKeyRequired"]
                 for path, r in resources.items() if path != "/health" for verb in r.get("resourceMethods", {})]
        assert keyed and all(keyed)
        stage = apigateway.get_stage(restApiId=api_id, stageName="api")
        assert any(d["id"] == stage["deploymentId"] for d in apigateway.get_deployments(restApiId=api_id)["items"])


def test_dns_update_aliases_api_and_ws_and_probes_the_stage_health(aws, cli, deployed):
    domain, regions = ENVIRONMENTS[deployed]
    result = cli("dns", "update", deployed, "--yes", "--config-dir", CONFIG)
    assert result.exit_code == 0, result.stderr + result.stdout
    records = _records(aws, domain)
    for name, kind in ((f"api.{domain}.", "RestApi"), (f"ws.{domain}.", "WebSocket")):
        assert not [r for r in records if r["Name"] == name and r["Type"] == "CNAME"]
        for record_type in ("A", "AAAA"):
            found = [r for r in records if r["Name"] == name and r["Type"] == record_type]
            targets = {(r["AliasTarget"]["DNSName"].rstrip("."), r["AliasTarget"]["HostedZoneId"]) for r in found}
            expected = {(_outputs(aws, deployed, region)[f"{kind}RegionalDomainName"], API_ZONES[region])
                        for region in regions}
            assert found and targets == expected, (name, record_type, targets)
            assert all("TTL" not in r and "ResourceRecords" not in r for r in found)
    if deployed == "production":   # routing across regions survives: geolocation for api., latency for ws.
        api_a = {r["SetIdentifier"]: r for r in records if r["Name"] == f"api.{domain}." and r["Type"] == "A"}
        assert api_a["eu"]["GeoLocation"] == {"ContinentCode": "EU"} and api_a["default"]["GeoLocation"] == {
            "CountryCode": "*"}
        assert api_a["eu"]["AliasTarget"]["HostedZoneId"] == API_ZONES["eu-west-1"]
        ws_a = [r for r in records if r["Name"] == f"ws.{domain}." and r["Type"] == "A"]
        assert {r["Region"] for r in ws_a} == set(regions)
        assert all(API_ZONES[r["Region"]] == r["AliasTarget"]["HostedZoneId"] for r in ws_a)

    route53 = aws.client("route53")
    checks = {c["Id"]: c["HealthCheckConfig"] for c in route53.list_health_checks()["HealthChecks"]}
    api_checks = [c for c in checks.values() if ".execute-api." in c["FullyQualifiedDomainName"]]
    assert {c["FullyQualifiedDomainName"] for c in api_checks} == {_outputs(aws, deployed, region)["RestApiDomainName"]
                                                                   for region in regions}
    assert {(c["ResourcePath"], c["Type"], c["EnableSNI"]) for c in api_checks} == {("/api/health", "HTTPS", True)}
    if deployed == "production":   # each region's records are guarded by that region's own check
        for set_id, region in (("us", "us-east-1"), ("eu", "eu-west-1"), ("ap", "ap-southeast-1")):
            check = checks[api_a[set_id]["HealthCheckId"]]
            assert check["FullyQualifiedDomainName"] == _outputs(aws, deployed, region)["RestApiDomainName"]

    again = cli("dns", "update", deployed, "--yes", "--config-dir", CONFIG, "-o", "json")
    assert again.exit_code == 0, again.stderr
    assert again.json()["applied"] is False and again.json()["changes"] == []


def test_the_seed_cnames_become_aliases_in_one_atomic_batch(aws, cli, tmp_path, change_batches):
    """An environment whose api./ws. records are the seed's CNAMEs moves to the aliases with one `dns update`."""
    import shutil

    result = cli("deploy", "staging", "--yes", "--config-dir", CONFIG)
    assert result.exit_code == 0, result.stderr + result.stdout
    (tmp_path / "config").mkdir()
    shutil.copytree(ROOT / "templates", tmp_path / "templates")
    seed = (CONFIG / "staging.yaml").read_text()
    for name in ("api", "ws"):
        seed = seed.replace(f"    - name: {name}\n      type: [A, AAAA]\n", f"    - name: {name}\n      type: CNAME\n")
    (tmp_path / "config" / "staging.yaml").write_text(seed)
    assert cli("dns", "update", "staging", "--yes", "--config-dir", tmp_path / "config").exit_code == 0
    names = {"api.staging.candlefish.ai.", "ws.staging.candlefish.ai."}
    assert {r["Type"] for r in _records(aws, "staging.candlefish.ai") if r["Name"] in names} == {"CNAME"}

    change_batches.clear()
    result = cli("dns", "update", "staging", "--yes", "--config-dir", CONFIG)
    assert result.exit_code == 0, result.stderr + result.stdout
    [batch] = [b for b in change_batches if any(c["ResourceRecordSet"]["Name"] in names for c in b)]
    moved = {(c["Action"], c["ResourceRecordSet"]["Name"], c["ResourceRecordSet"]["Type"]) for c in batch
             if c["ResourceRecordSet"]["Name"] in names}
    assert moved == {(action, name, record_type) for name in names
                     for action, record_type in (("DELETE", "CNAME"), ("CREATE", "A"), ("CREATE", "AAAA"))}
    assert {r["Type"] for r in _records(aws, "staging.candlefish.ai") if r["Name"] in names} == {"A", "AAAA"}
