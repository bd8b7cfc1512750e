"""A deployed-looking environment on the emulator: hosted zone, stacks with literal outputs (the outputs
`candlefish dns` reads), and a CloudFront distribution whose aliases cover the site's names."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import yaml

REGIONS = ("us-east-1", "eu-west-1", "ap-southeast-1")
ALB_ZONES = {"us-east-1": "Z35SXDOTRQ7X7K", "eu-west-1": "Z32O12XQLNTSW2", "ap-southeast-1": "Z1LMS91P8CMLE5"}
API_ZONES = {"us-east-1": "Z1UJRXOUMOOFQ8", "eu-west-1": "ZLY8HYME6SFDD", "ap-southeast-1": "ZL327KTPIQFUL"}

DNS_SECTION = {
    "ttl": 300,
    "dnssec": True,
    "health_checks": {"site": {"target": "cloudfront", "path": "/healthz"},
                      "api-us": {"target": "api@us-east-1", "path": "/health", "failure_threshold": 2}},
    "records": [
        {"name": "@", "type": ["A", "AAAA"], "routing": "failover", "routes": [
            {"set_id": "primary", "failover": "PRIMARY", "target": "cloudfront", "health_check": "site"},
            {"set_id": "secondary", "failover": "SECONDARY", "target": "alb@us-east-1"}]},
        {"name": "www", "type": ["A", "AAAA"], "routing": "failover", "routes": [
            {"set_id": "primary", "failover": "PRIMARY", "target": "cloudfront", "health_check": "site"},
            {"set_id": "secondary", "failover": "SECONDARY", "target": "alb@us-east-1"}]},
        {"name": "api", "type": "CNAME", "ttl": 60, "routing": "geolocation", "routes": [
            {"set_id": "us", "location": {"country": "US"}, "target": "api@us-east-1", "health_check": "api-us"},
            {"set_id": "eu", "location": {"continent": "EU"}, "target": "api@eu-west-1"},
            {"set_id": "ap", "location": {"continent": "AS"}, "target": "api@ap-southeast-1"},
            {"set_id": "default", "location": "*", "target": "api@us-east-1"}]},
        {"name": "ws", "type": "CNAME", "ttl": 60, "routing": "latency", "routes": [
            {"set_id": region, "target": f"websocket@{region}"} for region in REGIONS]},
    ],
    "canary": {"name": "app", "type": ["A", "AAAA"], "stable": "cloudfront", "canary": "alb@us-east-1",
               "weight": 10},
}


@dataclass
class Site:
    aws: object
    config_dir: Path
    zone_id: str
    distribution_id: str
    distribution_domain: str

    @property
    def route53(self):
        return self.aws.client("route53")

    def records(self) -> list[dict]:
        paginator = self.route53.get_paginator("list_resource_record_sets")
        return [r for page in paginator.paginate(HostedZoneId=self.zone_id) for r in page["ResourceRecordSets"]]

    def record(self, name: str, record_type: str, set_id: str | None = None) -> dict | None:
        return next((r for r in self.records() if r["Name"] == name and r["Type"] == record_type
                     and r.get("SetIdentifier") == set_id), None)

    def write_config(self, dns: dict | None = None, env: str = "staging", **top) -> None:
        document = {
            "project": "candlefish", "domain": "example.com", "region": "us-east-1",
            "stacks": {"edge": {"template": "edge.yaml"},
                       "compute": {"template": "compute.yaml", "regions": ["us-east-1", "eu-west-1"]},
                       "api": {"template": "api.yaml", "regions": list(REGIONS)},
                       "dns": {"template": "dns.yaml"}},
            "dns": DNS_SECTION if dns is None else dns, **top}
        (self.config_dir / f"{env}.yaml").write_text(yaml.safe_dump(document, sort_keys=False))

    def add_unrelated(self, count: int) -> None:
        changes = [{"Action": "CREATE", "ResourceRecordSet": {"Name": f"host{i}.example.com", "Type": "A", "TTL": 60,
                                                              "ResourceRecords": [{"Value": "192.0.2.1"}]}}
                   for i in range(count)]
        for start in range(0, len(changes), 500):
            self.route53.change_resource_record_sets(HostedZoneId=self.zone_id,
                                                     ChangeBatch={"Changes": changes[start:start + 500]})


def _stack(cfn, name: str, outputs: dict[str, str]) -> None:
    template = {"Resources": {"Topic": {"Type": "AWS::SNS::Topic"}},
                "Outputs": {key: {"Value": value} for key, value in outputs.items()}}
    cfn.create_stack(StackName=name, TemplateBody=json.dumps(template))


def _distribution(cloudfront, aliases: list[str]) -> dict:
    config = {
        "CallerReference": "site", "Comment": "", "Enabled": True,
        "Aliases": {"Quantity": len(aliases), "Items": aliases},
        "Origins": {"Quantity": 1, "Items": [{"Id": "o", "DomainName": "assets.s3.amazonaws.com",
                                              "S3OriginConfig": {"OriginAccessIdentity": ""}}]},
        "DefaultCacheBehavior": {"TargetOriginId": "o", "ViewerProtocolPolicy": "redirect-to-https",
                                 "ForwardedValues": {"QueryString": False, "Cookies": {"Forward": "none"}},
                                 "MinTTL": 0, "TrustedSigners": {"Enabled": False, "Quantity": 0}},
    }
    return cloudfront.create_distribution(DistributionConfig=config)["Distribution"]


def build_site(aws, config_dir: Path, aliases=("example.com", "www.example.com", "app.example.com")) -> Site:
    route53 = aws.client("route53")
    zone_id = route53.create_hosted_zone(Name="example.com", CallerReference="zone")["HostedZone"]["Id"]
    zone_id = zone_id.rsplit("/", 1)[-1]
    distribution = _distribution(aws.client("cloudfront"), list(aliases))
    _stack(aws.client("cloudformation"), "candlefish-staging-edge",
           {"DistributionId": distribution["Id"], "DistributionDomainName": distribution["DomainName"]})
    _stack(aws.client("cloudformation"), "candlefish-staging-dns", {"HostedZoneId": zone_id})
    for region in ("us-east-1", "eu-west-1"):
        _stack(aws.client("cloudformation", region), "candlefish-staging-compute",
               {"LoadBalancerDnsName": f"alb-{region}.{region}.elb.amazonaws.com",
                "LoadBalancerHostedZoneId": ALB_ZONES[region]})
    for region in REGIONS:
        _stack(aws.client("cloudformation", region), "candlefish-staging-api",
               {"RestApiDomainName": f"rest.{region}.execute-api.example.net", "RestApiStageName": "api",
                "WebSocketDomainName": f"ws.{region}.execute-api.example.net",
                "RestApiRegionalDomainName": f"d-rest.execute-api.{region}.amazonaws.com",
                "RestApiRegionalHostedZoneId": API_ZONES[region],
                "WebSocketRegionalDomainName": f"d-ws.execute-api.{region}.amazonaws.com",
                "WebSocketRegionalHostedZoneId": API_ZONES[region]})
    site = Site(aws, config_dir, zone_id, distribution["Id"], distribution["DomainName"])
    site.write_config()
    return site
