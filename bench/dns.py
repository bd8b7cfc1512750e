"""Benchmark `candlefish dns`: API calls and wall time of a no-op update and of a canary move, on a zone with
0 and with N unrelated records (Route 53 lists 300 record sets a page), side by side; the no-op update also
with each way of reading the zone forced (`full` listing vs `by-name`: the marker, then each managed name).

Run: /work/venv/bin/python bench/dns.py [--repeat 5] [--unrelated 1000 5000]
Uses the in-process emulator (moto); medians of --repeat runs. Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import boto3  # noqa: E402
import yaml  # noqa: E402

from candlefish_ops.aws.base import CallCounter  # noqa: E402
from candlefish_ops.config import load_environment  # noqa: E402
from candlefish_ops.dns import service  # noqa: E402
from candlefish_ops.local.emulator import Emulator, point_sdk_at, reset_endpoint  # noqa: E402

REGIONS = ("us-east-1", "eu-west-1", "ap-southeast-1")
API_ZONES = {"us-east-1": "Z1UJRXOUMOOFQ8", "eu-west-1": "ZLY8HYME6SFDD", "ap-southeast-1": "ZL327KTPIQFUL"}
CONFIG = Path(__file__).resolve().parents[1] / "docs" / "config" / "dns.production.yaml"


def write_config(directory: Path) -> None:
    document = {
        "project": "candlefish", "domain": "candlefish.ai", "region": "us-east-1", "protected": False,
        "stacks": {"edge": {"template": "edge.yaml"}, "compute": {"template": "compute.yaml"},
                   "api": {"template": "api.yaml", "regions": list(REGIONS)}, "dns": {"template": "dns.yaml"}},
        "dns": yaml.safe_load(CONFIG.read_text())["dns"],
    }
    (directory / "production.yaml").write_text(yaml.safe_dump(document))


def stack(region: str, name: str, outputs: dict[str, str]) -> None:
    template = {"Resources": {"Topic": {"Type": "AWS::SNS::Topic"}},
                "Outputs": {k: {"Value": v} for k, v in outputs.items()}}
    boto3.client("cloudformation", region_name=region).create_stack(StackName=name, TemplateBody=json.dumps(template))


def deploy_site(unrelated: int) -> None:
    route53 = boto3.client("route53", region_name="us-east-1")
    zone_id = route53.create_hosted_zone(Name="candlefish.ai", CallerReference="z")["HostedZone"]["Id"].split("/")[-1]
    aliases = ["candlefish.ai", "www.candlefish.ai", "app.candlefish.ai"]
    distribution = boto3.client("cloudfront", region_name="us-east-1").create_distribution(DistributionConfig={
        "CallerReference": "d", "Comment": "", "Enabled": True, "Aliases": {"Quantity": 3, "Items": aliases},
        "Origins": {"Quantity": 1, "Items": [{"Id": "o", "DomainName": "b.s3.amazonaws.com",
                                              "S3OriginConfig": {"OriginAccessIdentity": ""}}]},
        "DefaultCacheBehavior": {"TargetOriginId": "o", "ViewerProtocolPolicy": "allow-all", "MinTTL": 0,
                                 "ForwardedValues": {"QueryString": False, "Cookies": {"Forward": "none"}},
                                 "TrustedSigners": {"Enabled": False, "Quantity": 0}}})["Distribution"]
    stack("us-east-1", "candlefish-production-edge", {"DistributionId": distribution["Id"],
                                                       "DistributionDomainName": distribution["DomainName"]})
    stack("us-east-1", "candlefish-production-dns", {"HostedZoneId": zone_id})
    stack("us-east-1", "candlefish-production-compute", {"LoadBalancerDnsName": "alb.us-east-1.elb.amazonaws.com",
                                                          "LoadBalancerHostedZoneId": "Z35SXDOTRQ7X7K"})
    for region in REGIONS:
        stack(region, "candlefish-production-api", {
            "RestApiDomainName": f"rest.{region}.example.net", "RestApiStageName": "api",
            "WebSocketDomainName": f"ws.{region}.example.net",
            "RestApiRegionalDomainName": f"d-rest.execute-api.{region}.amazonaws.com",
            "RestApiRegionalHostedZoneId": API_ZONES[region],
            "WebSocketRegionalDomainName": f"d-ws.execute-api.{region}.amazonaws.com",
            "WebSocketRegionalHostedZoneId": API_ZONES[region]})
    changes = [{"Action": "CREATE", "ResourceRecordSet": {"Name": f"host{i}.candlefish.ai", "Type": "A", "TTL": 60,
                                                          "ResourceRecords": [{"Value": "192.0.2.10"}]}}
               for i in range(unrelated)]
    for start in range(0, len(changes), 500):
        route53.change_resource_record_sets(HostedZoneId=zone_id, ChangeBatch={"Changes": changes[start:start + 500]})


def measure(environment, action, strategy: str = "auto") -> tuple[float, dict[str, int]]:
    session = boto3.Session(region_name="us-east-1")
    counter = CallCounter(session)
    dns = service.DnsSession(environment, session, sleep=lambda _s: None, read_strategy=strategy)
    started = time.perf_counter()
    action(dns)
    return time.perf_counter() - started, dict(counter.calls)


def noop_update(dns) -> None:
    plan, result = service.update(dns, lambda _p: None, lambda _p: None, yes=True)
    assert plan.empty and result is None, "the benchmark's update was expected to be a no-op"


def canary_mover():
    percents = iter([20, 30] * 100)

    def move(dns) -> None:
        plan = service.plan_canary(dns, next(percents), False, False)
        assert plan.changes and service.apply_canary(dns, plan)
    return move


def scenario(endpoint: str, environment, unrelated: int, repeat: int) -> dict[str, tuple[float, dict]]:
    reset_endpoint(endpoint)
    deploy_site(unrelated)
    first = service.update(service.DnsSession(environment, boto3.Session(region_name="us-east-1"), sleep=lambda _s: None),
                           lambda _p: None, lambda _p: None, yes=True)
    assert first[1] is not None
    results = {}
    cases = (("no-op update (auto)", noop_update, "auto"), ("no-op update (full listing)", noop_update, "full"),
             ("no-op update (by name)", noop_update, "by-name"), ("canary move", canary_mover(), "auto"))
    for name, action, strategy in cases:
        runs = [measure(environment, action, strategy) for _ in range(repeat)]
        results[name] = (statistics.median(t for t, _ in runs), runs[0][1])
    return results


def main() -> None:
    import logging

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--unrelated", type=int, nargs="+", default=[1000, 5000])
    args = parser.parse_args()
    emulator = Emulator()
    endpoint = emulator.start()
    point_sdk_at(endpoint, "us-east-1")
    try:
        with tempfile.TemporaryDirectory() as directory:
            write_config(Path(directory))
            environment = load_environment(Path(directory), "production")
            table = {size: scenario(endpoint, environment, size, args.repeat) for size in (0, *args.unrelated)}
    finally:
        emulator.stop()
    print(f"| operation | unrelated records | API calls | calls by operation | median wall time ({args.repeat} runs) |")
    print("|---|---:|---:|---|---:|")
    for size, results in table.items():
        for name, (seconds, calls) in results.items():
            detail = ", ".join(f"{op.split('.')[-1]} {n}" for op, n in sorted(calls.items()) if n)
            print(f"| {name} | {size:,} | {sum(calls.values())} | {detail} | {seconds * 1000:.0f} ms |")


if __name__ == "__main__":
    main()
