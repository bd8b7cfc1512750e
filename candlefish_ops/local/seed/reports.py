"""Emulated bills and traffic for `candlefish report costs|health` in local mode.

The emulator holds no bill and no traffic. After a local bootstrap deploy, `seed(endpoint, environment)` posts
thirteen months of a plausible bill per budget line (the current month to date, from the reports' clock), and
puts an hour of CloudWatch datapoints for the distribution, web ACL, APIs and functions the stacks' outputs
name. Both are marked as emulated: a Cost Explorer DimensionValueAttributes entry and a CloudWatch metric
(`candlefish_ops.reports.emulated`); the reports print "EMULATED DATA" when they see either (real AWS never
carries them), besides whenever `--local` is given. The bill is answered per request by the emulator's Cost
Explorer extension (`candlefish_ops.local.moto.extensions.report_data`), reached over HTTP like any client.
The builders (`post_cost_results`, `put_traffic`) are used by tests and the bench as well.
"""

from __future__ import annotations

import hashlib
import json
import urllib.request
from datetime import date, datetime, timedelta, timezone
from typing import Any, Iterable

from candlefish_ops.reports.emulated import EMULATED_METRIC, EMULATED_NAMESPACE

BILL_KEY = "CandlefishBill"  # the extension keeps a result posted under this key as the account's bill

def post_cost_results(endpoint: str, results: list[dict[str, Any]]) -> None:
    """Queue answers: each answers the next distinct get_cost_and_usage request body (moto's static API)."""
    body = json.dumps({"results": results}).encode()
    request = urllib.request.Request(f"{endpoint}/moto-api/static/ce/cost-and-usage-results", data=body,
                                     method="POST", headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10):
        pass


def realistic_amounts(environment, period) -> dict[str, dict[tuple[str, ...], float]]:
    """A plausible bill for each budget line: last month 70-95 % of budget, this month on a similar run
    rate to date; deterministic per environment and month (usage types as AWS names them)."""
    amounts: dict[str, dict[tuple[str, ...], float]] = {}
    for index, label in enumerate(period.labels):
        closed = index < period.months - 1 or not period.current
        share = 1.0 if closed else period.days_elapsed / period.days_in_month
        amounts[label] = {_keys(line): round(line.amount * _ratio(environment.name, line.name, label) * share, 4)
                          for line in environment.reports.budgets}
    return amounts


def _ratio(*parts: str) -> float:
    digest = hashlib.sha256("|".join(parts).encode()).digest()
    return 0.70 + digest[0] / 255 * 0.25


def _keys(line) -> tuple[str, str]:
    """(SERVICE, USAGE_TYPE) as Cost Explorer names them, on the budget line's side of the mapping."""
    if line.usage_type_contains:
        return line.service, f"USE1-{line.usage_type_contains}-Request"
    if line.service == "AWS Data Transfer":
        return line.service, "USE1-DataTransfer-Out-Bytes"
    return line.service, f"USE1-{line.service.split()[-1]}-Usage"


def realistic_bill(environment, today: date) -> list[dict[str, Any]]:
    """Thirteen months of plausible costs per budget line (the current month to date), tagged with the
    environment's cost allocation tag and a Layer tag."""
    from candlefish_ops.reports.emulated import MAX_HISTORY_MONTHS, environment_tag, parse_period

    key, value = environment_tag(environment)
    period = parse_period(None, MAX_HISTORY_MONTHS, today)
    items = []
    for label, month in realistic_amounts(environment, period).items():
        for (service, usage_type), amount in month.items():
            tags = {key: value, "Layer": _LAYERS.get(service, "platform")}
            items.append({"month": label, "service": service, "usage_type": usage_type, "tags": tags,
                          "amount": amount})
    return items


_LAYERS = {"Amazon CloudFront": "edge", "AWS WAF": "edge", "AWS Lambda": "edge", "Amazon API Gateway": "api",
           "Amazon Simple Storage Service": "storage", "Amazon DynamoDB": "data", "Amazon ElastiCache": "data",
           "Amazon Relational Database Service": "data", "Amazon Elastic Container Service for Kubernetes": "compute"}


def seed_costs(endpoint: str, environment) -> None:
    """Post the environment's emulated bill: every `report costs` request (any month, grouping, page) is
    then answered from it, consistently."""
    from candlefish_ops.reports.emulated import today

    post_cost_results(endpoint, [{BILL_KEY: realistic_bill(environment, today())}])


# --- CloudWatch datapoints ---------------------------------------------------------------------------------

# 100 requests per 5 minutes: p50 25 ms, p99 70 ms (nearest rank).
HEALTHY_LATENCIES = {18.0: 30, 25.0: 40, 32.0: 18, 41.0: 8, 55.0: 2, 70.0: 1, 85.0: 1}


def put_traffic(endpoint: str, resources: dict[str, Any], now: datetime | None = None,
                overrides: dict[str, Any] | None = None) -> None:
    """An hour of healthy datapoints (12 x 5 min) for the resources; `overrides` replaces a series:
    keys cloudfront.<Metric>, api.<Metric>, websocket.IntegrationLatency, lambda.<Metric>, waf.<Metric>
    with a number (each datapoint) or {value: count} (a distribution); None leaves the series out."""
    now = (now or datetime.now(timezone.utc)).replace(microsecond=0)
    series = {**_healthy_series(), **(overrides or {})}
    clients: dict[str, Any] = {}
    for region, namespace, dims, metric, key in _series_targets(resources):
        if series.get(key) is None:
            continue
        cloudwatch = clients.setdefault(region, _client(endpoint, "cloudwatch", region))
        _put_series(cloudwatch, namespace, metric, dims, series[key], now)
    _client(endpoint, "cloudwatch", "us-east-1").put_metric_data(
        Namespace=EMULATED_NAMESPACE, MetricData=[{"MetricName": EMULATED_METRIC, "Value": 1.0,
                                                   "Timestamp": now - timedelta(minutes=1)}])


def _healthy_series() -> dict[str, Any]:
    return {"cloudfront.Requests": 1500.0, "cloudfront.CacheHitRate": 94.2, "cloudfront.4xxErrorRate": 0.8,
            "cloudfront.5xxErrorRate": 0.004, "api.Latency": HEALTHY_LATENCIES, "api.Count": 100.0,
            "api.4XXError": 3.0, "api.5XXError": 0.0, "websocket.IntegrationLatency": {12.0: 50, 19.0: 20},
            "lambda.Invocations": 900.0, "lambda.Errors": 0.0, "lambda.Throttles": 0.0,
            "waf.AllowedRequests": 1480.0, "waf.BlockedRequests": 20.0}


def _series_targets(resources: dict[str, Any]) -> Iterable[tuple[str, str, list, str, str]]:
    if resources.get("distribution_id"):
        dims = [{"Name": "DistributionId", "Value": resources["distribution_id"]}, {"Name": "Region", "Value": "Global"}]
        for metric in ("Requests", "CacheHitRate", "4xxErrorRate", "5xxErrorRate"):
            yield "us-east-1", "AWS/CloudFront", dims, metric, f"cloudfront.{metric}"
    if resources.get("web_acl_name"):
        dims = [{"Name": "WebACL", "Value": resources["web_acl_name"]}, {"Name": "Rule", "Value": "ALL"}]
        for metric in ("AllowedRequests", "BlockedRequests"):
            yield "us-east-1", "AWS/WAFV2", dims, metric, f"waf.{metric}"
    for region, name in resources.get("rest_apis", []):
        for metric in ("Latency", "Count", "4XXError", "5XXError"):
            yield region, "AWS/ApiGateway", [{"Name": "ApiName", "Value": name}], metric, f"api.{metric}"
    for region, api_id in resources.get("websocket_apis", []):
        yield (region, "AWS/ApiGateway", [{"Name": "ApiId", "Value": api_id}], "IntegrationLatency",
               "websocket.IntegrationLatency")
    for region, function in resources.get("functions", []):
        for metric in ("Invocations", "Errors", "Throttles"):
            yield region, "AWS/Lambda", [{"Name": "FunctionName", "Value": function}], metric, f"lambda.{metric}"


def _put_series(cloudwatch, namespace: str, metric: str, dims: list, value: Any, now: datetime) -> None:
    data = []
    for step in range(12):
        timestamp = now - timedelta(minutes=5 * step + 2)
        datum = {"MetricName": metric, "Dimensions": dims, "Timestamp": timestamp}
        if isinstance(value, dict):
            datum.update(Values=list(value), Counts=[float(c) for c in value.values()])
        else:
            datum["Value"] = float(value)
        data.append(datum)
    cloudwatch.put_metric_data(Namespace=namespace, MetricData=data)


def _client(endpoint: str, service: str, region: str):
    import boto3

    return boto3.client(service, region_name=region, endpoint_url=endpoint, aws_access_key_id="local",
                        aws_secret_access_key="local")


def discover_resources(endpoint: str, environment) -> dict[str, Any]:
    """What the deployed stacks' outputs name (as `report health` finds them), for seeding."""
    found: dict[str, Any] = {"rest_apis": [], "websocket_apis": [], "functions": []}
    for stack in environment.stacks.values():
        for region in stack.regions:
            _discover_stack(endpoint, region, stack.stack_name, found)
    return found


def _discover_stack(endpoint: str, region: str, name: str, found: dict[str, Any]) -> None:
    from botocore.exceptions import BotoCoreError, ClientError

    cloudformation = _client(endpoint, "cloudformation", region)
    try:
        outputs = {o["OutputKey"]: o["OutputValue"] for o in
                   cloudformation.describe_stacks(StackName=name)["Stacks"][0].get("Outputs", [])}
        _collect(endpoint, region, name, outputs, cloudformation, found)
    except (ClientError, BotoCoreError):  # a stack the bootstrap did not create has nothing to seed
        return


def _collect(endpoint: str, region: str, name: str, outputs: dict, cloudformation, found: dict[str, Any]) -> None:
    for key, output in (("distribution_id", "DistributionId"), ("web_acl_name", "WebAclName")):
        found[key] = found.get(key) or outputs.get(output)
    if outputs.get("RestApiId"):
        api_name = _client(endpoint, "apigateway", region).get_rest_api(restApiId=outputs["RestApiId"])["name"]
        found["rest_apis"].append((region, api_name))
    if outputs.get("WebSocketApiId"):
        found["websocket_apis"].append((region, outputs["WebSocketApiId"]))
    resources = cloudformation.list_stack_resources(StackName=name)["StackResourceSummaries"]
    found["functions"].extend((region, r["PhysicalResourceId"]) for r in resources
                              if r["ResourceType"] == "AWS::Lambda::Function")


def seed(endpoint: str, environment) -> None:
    """After a local bootstrap deploy: a month of bills and an hour of traffic, marked as emulated.
    (A config `report costs` would refuse, e.g. an unknown cost tag, seeds no bill: the report says why.)"""
    from candlefish_ops.errors import CandlefishError

    try:
        seed_costs(endpoint, environment)
    except CandlefishError:
        pass
    put_traffic(endpoint, discover_resources(endpoint, environment))
