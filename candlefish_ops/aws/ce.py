"""Cost Explorer (one endpoint, us-east-1; every request, each page included, is billed $0.01)."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, Callable

import boto3
from botocore.exceptions import ClientError

from candlefish_ops.aws.base import aws_errors, client, error_code
from candlefish_ops.errors import AwsError

CE_REGION = "us-east-1"
# A forecast AWS cannot make (too little history) or an endpoint that does not implement it: the report
# then projects from the daily run rate and says so.
_FORECAST_UNAVAILABLE = {"DataUnavailableException", "InternalFailure", "InternalServerError",
                         "NotImplemented", "500"}
MAX_PAGES = 100


@dataclass(frozen=True)
class CostPages:
    """Every page of one get_cost_and_usage answer."""

    results_by_time: tuple[dict[str, Any], ...]
    dimension_value_attributes: tuple[dict[str, Any], ...]
    pages: int


@dataclass(frozen=True)
class Forecast:
    """A forecast of the period's cost, or why there is none."""

    amount: float | None
    unit: str = "USD"
    unavailable_reason: str = ""

    @property
    def available(self) -> bool:
        return self.amount is not None


class CostExplorer:
    """get_cost_and_usage (all pages) and get_cost_forecast."""

    def __init__(self, session: boto3.Session, sleep: Callable[[float], None] = time.sleep):
        self._session = session
        self._sleep = sleep
        self._ce = None

    @property
    def _client(self):
        """Created on first use: a report answered from the cache makes no client (and no request)."""
        if self._ce is None:
            self._ce = client(self._session, "ce", CE_REGION)
        return self._ce

    def cost_and_usage(self, request: dict[str, Any]) -> CostPages:
        """All pages of the answer to `request` (following NextPageToken)."""
        results: list[dict[str, Any]] = []
        attributes: list[dict[str, Any]] = []
        page_request = dict(request)
        pages = 0
        with aws_errors("reading costs from Cost Explorer"):
            while True:
                answer = self._client.get_cost_and_usage(**page_request)
                pages += 1
                results.extend(answer.get("ResultsByTime", []))
                attributes.extend(answer.get("DimensionValueAttributes", []))
                token = answer.get("NextPageToken")
                if not token:
                    break
                if pages >= MAX_PAGES:
                    raise AwsError(f"Cost Explorer is still paging after {MAX_PAGES} pages (${MAX_PAGES * 0.01:.2f}); "
                                   "narrow the report (--group-by service, a shorter --last)")
                page_request = {**request, "NextPageToken": token}
        return CostPages(tuple(results), tuple(attributes), pages)

    def forecast(self, request: dict[str, Any]) -> Forecast:
        """The forecast for `request`'s period, or an unavailable Forecast saying why."""
        try:
            answer = self._client.get_cost_forecast(**request)
        except ClientError as error:
            code = error_code(error)
            status = str(error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", ""))
            if code in _FORECAST_UNAVAILABLE or status in _FORECAST_UNAVAILABLE:
                return Forecast(None, unavailable_reason=f"{code or status}: {_message(error)}")
            with aws_errors("reading the cost forecast from Cost Explorer"):
                raise
        total = answer.get("Total", {})
        return Forecast(float(total.get("Amount", 0.0)), total.get("Unit", "USD"))


def _message(error: ClientError) -> str:
    return error.response.get("Error", {}).get("Message", "") or "no forecast"
