"""Emulated bills and traffic for `candlefish report costs|health` in local mode.

The emulator holds no bill and no traffic. This extension:
- `install()`: closes three moto gaps in-process, so the report code queries exactly as against AWS:
  * CloudWatch percentile statistics (`p50`, `p99`, `p99.9`, ...) computed from the stored datapoints
    (nearest-rank; moto answers HTTP 500 for them);
  * Cost Explorer `GetCostForecast`, answered from the cost-and-usage results already served for the same
    filter and month (the month-to-date run rate x the days left; +/-10 % as the 80 % prediction interval);
    `DataUnavailableException` when there are none, as AWS says with too little history.
  * Cost Explorer answers computed from a seeded bill: a result posted as `{"CandlefishBill": [...]}` to
    moto's static endpoint (`/moto-api/static/ce/cost-and-usage-results`) is kept as the account's bill,
    and any get_cost_and_usage request that no queued result answers is computed from it (tag filter,
    SERVICE / USAGE_TYPE / TAG grouping, monthly periods, NextPageToken pages of 8 groups). Queued results
    (moto's own mechanism: each answers the next distinct request body) keep priority, so tests can still
    script exact answers.
- `seed(endpoint, environment)`: after a local bootstrap deploy, posts thirteen months of a plausible bill
  per budget line (the current month to date, from `reports.clock.today()`), and puts an hour of CloudWatch
  datapoints for the distribution, web ACL, APIs and functions the stacks' outputs name.
Both mark the data as emulated: a Cost Explorer DimensionValueAttributes entry `candlefish-emulated-data`
and a CloudWatch metric `Candlefish/Emulator EmulatedData`; the reports print "EMULATED DATA" when they see
either (real AWS never carries them), besides whenever `--local` is given.
The builders (`cost_results`, `post_cost_results`, `put_traffic`) are used by tests and the bench as well.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import urllib.request
from datetime import date, datetime, timedelta, timezone
from typing import Any, Iterable

from candlefish_ops.reports.collect_costs import EMULATED_MARKER
from candlefish_ops.reports.collect_health import EMULATED_METRIC, EMULATED_NAMESPACE

_PERCENTILE = re.compile(r"^p(\d{1,2}(\.\d+)?)$")
_installed = False


# --- install: fill moto's gaps -----------------------------------------------------------------------------

def install() -> None:
    global _installed
    if _installed:
        return
    _install_percentiles()
    _install_cost_forecast()
    _install_bill()
    _installed = True


def percentile(values: list[float], level: float) -> float | None:
    """Nearest-rank percentile."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(level / 100 * len(ordered)))
    return ordered[min(rank, len(ordered)) - 1]


def _install_percentiles() -> None:
    from moto.cloudwatch.models import Statistics

    original = Statistics.get_statistics_for_type

    def get_statistics_for_type(self, stat: str):
        match = _PERCENTILE.match(stat or "")
        if not match:
            return original(self, stat)
        values = list(self.metric_single_values_list)
        for aggregated in self.metric_aggregated_list:  # only its mean is known
            values.extend([aggregated.sum / aggregated.sample_count] * int(aggregated.sample_count or 0))
        return percentile(values, float(match.group(1)))

    Statistics.get_statistics_for_type = get_statistics_for_type


def _install_cost_forecast() -> None:
    from moto.ce.models import CostExplorerBackend
    from moto.ce.responses import CostExplorerResponse

    def get_cost_forecast_response(self) -> str:
        return json.dumps(self.ce_backend.get_cost_forecast(json.loads(self.body)))

    CostExplorerResponse.get_cost_forecast = get_cost_forecast_response
    CostExplorerBackend.get_cost_forecast = _forecast


def _forecast(backend, params: dict[str, Any]) -> dict[str, Any]:
    from moto.core.exceptions import JsonRESTError

    start = date.fromisoformat(params["TimePeriod"]["Start"])
    end = date.fromisoformat(params["TimePeriod"]["End"])
    month_first = start.replace(day=1)
    to_date = _served_month_to_date(backend, params.get("Filter"), month_first, start)
    elapsed = (start - month_first).days
    if to_date is None or elapsed <= 0:
        raise JsonRESTError("DataUnavailableException", "Insufficient amount of historical data to generate forecast.")
    mean = to_date / elapsed * (end - start).days
    bound = lambda factor: f"{mean * factor:.10f}"  # noqa: E731
    return {"Total": {"Amount": bound(1.0), "Unit": "USD"},
            "ForecastResultsByTime": [{"TimePeriod": params["TimePeriod"], "MeanValue": bound(1.0),
                                       "PredictionIntervalLowerBound": bound(0.9),
                                       "PredictionIntervalUpperBound": bound(1.1)}]}


def _served_month_to_date(backend, filter_: Any, month_first: date, today: date) -> float | None:
    """The month-to-date cost from the usage answers served for requests with this filter ending today
    (summed over the pages of one request); None when those answers hold no earlier month (like AWS,
    no forecast without history) or there are none."""
    families: dict[str, list[float]] = {}
    for body, result in backend.cost_usage_results.items():
        request = json.loads(body)
        if request.get("Filter") != filter_ or request.get("TimePeriod", {}).get("End") != today.isoformat():
            continue
        family = json.dumps({k: v for k, v in request.items() if k != "NextPageToken"}, sort_keys=True)
        sums = families.setdefault(family, [0.0, 0.0])
        sums[0] += _amount(result, lambda month: month == f"{month_first:%Y-%m}")
        sums[1] += _amount(result, lambda month: month < f"{month_first:%Y-%m}")
    with_history = [to_date for to_date, history in families.values() if history > 0]
    return with_history[0] if with_history else None


def _amount(result: dict[str, Any], month_matches) -> float:
    total = 0.0
    for period in result.get("ResultsByTime", []):
        if not month_matches(period["TimePeriod"]["Start"][:7]):
            continue
        groups = period.get("Groups") or [{"Metrics": period.get("Total", {})}]
        total += sum(float(m.get("Amount", 0)) for g in groups for m in g.get("Metrics", {}).values())
    return total


# --- a seeded bill: Cost Explorer answers computed for any request ----------------------------------------

BILL_KEY = "CandlefishBill"
BILL_PAGE_SIZE = 8


def _install_bill() -> None:
    """A result posted as {"CandlefishBill": [items]} to moto's static CE endpoint is kept as the account's
    bill; requests no queued result answers are then computed from it (filter by tag, group by SERVICE /
    USAGE_TYPE / TAG, monthly periods, NextPageToken pages). Queued results keep priority."""
    from moto.ce.models import CostExplorerBackend
    from moto.moto_api._internal.models import MotoAPIBackend

    keep_result = MotoAPIBackend.set_ce_cost_usage
    answer = CostExplorerBackend.get_cost_and_usage

    def set_ce_cost_usage(self, result: dict[str, Any], account_id: str) -> None:
        if BILL_KEY not in result:
            return keep_result(self, result, account_id)
        from moto.ce.models import ce_backends

        ce_backends[account_id]["global"].candlefish_bill = result[BILL_KEY]

    def get_cost_and_usage(self, body: str) -> dict[str, Any]:
        bill = getattr(self, "candlefish_bill", None)
        if bill is None or body in self.cost_usage_results or self.cost_usage_results_queue:
            return answer(self, body)
        self.cost_usage_results[body] = bill_answer(json.loads(body), bill)
        return self.cost_usage_results[body]

    MotoAPIBackend.set_ce_cost_usage = set_ce_cost_usage
    CostExplorerBackend.get_cost_and_usage = get_cost_and_usage


def bill_answer(request: dict[str, Any], bill: list[dict[str, Any]]) -> dict[str, Any]:
    """One page of the answer to `request` from bill items {month, service, usage_type, tags, amount}."""
    items = [item for item in bill if _bill_item_matches(item, request.get("Filter"))]
    amounts: dict[str, dict[tuple[str, ...], float]] = {}
    for item in items:
        keys = tuple(_group_key(item, group) for group in request.get("GroupBy", []))
        month = amounts.setdefault(item["month"], {})
        month[keys] = month.get(keys, 0.0) + float(item["amount"])
    pages = cost_results(request, amounts, pages=max(1, math.ceil(_group_count(amounts) / BILL_PAGE_SIZE)))
    token = request.get("NextPageToken")
    index = int(token.rsplit("-", 1)[1]) - 1 if token and token.startswith("page-") else 0
    return pages[min(index, len(pages) - 1)]


def _group_count(amounts: dict[str, dict[tuple[str, ...], float]]) -> int:
    return len({keys for month in amounts.values() for keys in month})


def _bill_item_matches(item: dict[str, Any], filter_: dict[str, Any] | None) -> bool:
    tags = (filter_ or {}).get("Tags")
    if not tags:
        return True
    return item.get("tags", {}).get(tags["Key"]) in tags.get("Values", [])


def _group_key(item: dict[str, Any], group: dict[str, str]) -> str:
    if group["Type"] == "TAG":
        return f"{group['Key']}${item.get('tags', {}).get(group['Key'], '')}"
    return item["service"] if group["Key"] == "SERVICE" else item["usage_type"]


# --- Cost Explorer answers ---------------------------------------------------------------------------------

def cost_results(request: dict[str, Any], amounts: dict[str, dict[tuple[str, ...], float]],
                 pages: int = 1) -> list[dict[str, Any]]:
    """The answer to `request` as `pages` pages (NextPageToken-chained), from {"YYYY-MM": {keys: USD}};
    groups are spread over the pages the way AWS does, each page repeating the periods."""
    periods = _periods(request)
    groups = sorted({keys for month in amounts.values() for keys in month})
    size = max(1, math.ceil(len(groups) / pages))
    chunks = [groups[i:i + size] for i in range(0, len(groups), size)] or [[]]
    results = []
    for index, chunk in enumerate(chunks):
        result = {"GroupDefinitions": request.get("GroupBy", []),
                  "ResultsByTime": [_period_result(start, end, amounts.get(start[:7], {}), chunk)
                                    for start, end in periods],
                  "DimensionValueAttributes": [{"Value": EMULATED_MARKER,
                                                "Attributes": {"source": "candlefish local emulator"}}]}
        if index + 1 < len(chunks):
            result["NextPageToken"] = f"page-{index + 2}"
        results.append(result)
    return results


def _periods(request: dict[str, Any]) -> list[tuple[str, str]]:
    start = date.fromisoformat(request["TimePeriod"]["Start"])
    end = date.fromisoformat(request["TimePeriod"]["End"])
    periods = []
    while start < end:
        following = date(start.year + start.month // 12, start.month % 12 + 1, 1)
        periods.append((start.isoformat(), min(following, end).isoformat()))
        start = following
    return periods


def _period_result(start: str, end: str, month: dict[tuple[str, ...], float], chunk) -> dict[str, Any]:
    groups = [{"Keys": list(keys), "Metrics": {"UnblendedCost": {"Amount": f"{month[keys]:.10f}", "Unit": "USD"}}}
              for keys in chunk if keys in month]
    return {"TimePeriod": {"Start": start, "End": end}, "Total": {}, "Groups": groups, "Estimated": True}


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
    from candlefish_ops.reports.collect_costs import environment_tag
    from candlefish_ops.reports.costs import MAX_HISTORY_MONTHS, parse_period

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
    from candlefish_ops.reports.clock import today

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
