"""What `candlefish report costs|health` query, answered by the emulator as AWS answers.

`install()` closes three moto gaps in-process, so the report code queries exactly as against AWS:
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
The seeded bill and traffic themselves are put in by `candlefish_ops.local.seed.reports`. Answers carry
the marker the reports recognise as emulated (`candlefish_ops.reports.emulated`).
"""

from __future__ import annotations

import json
import math
import re
from datetime import date
from typing import Any

from candlefish_ops.reports.emulated import EMULATED_MARKER
from candlefish_ops.local.moto.compat import add, backend, patch

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

    patch(Statistics, "get_statistics_for_type", get_statistics_for_type)


def _install_cost_forecast() -> None:
    from moto.ce.models import CostExplorerBackend
    from moto.ce.responses import CostExplorerResponse

    def get_cost_forecast_response(self) -> str:
        return json.dumps(self.ce_backend.get_cost_forecast(json.loads(self.body)))

    add(CostExplorerResponse, "get_cost_forecast", get_cost_forecast_response)
    add(CostExplorerBackend, "get_cost_forecast", _forecast)


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

        backend("ce", account_id, "global").candlefish_bill = result[BILL_KEY]

    def get_cost_and_usage(self, body: str) -> dict[str, Any]:
        bill = getattr(self, "candlefish_bill", None)
        if bill is None or body in self.cost_usage_results or self.cost_usage_results_queue:
            return answer(self, body)
        self.cost_usage_results[body] = bill_answer(json.loads(body), bill)
        return self.cost_usage_results[body]

    patch(MotoAPIBackend, "set_ce_cost_usage", set_ce_cost_usage)
    patch(CostExplorerBackend, "get_cost_and_usage", get_cost_and_usage)


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
