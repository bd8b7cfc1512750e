"""The emulator layer's percentile statistic, and the Cost Explorer client's reading of a refused forecast."""

import boto3
from botocore.stub import Stubber

from candlefish_ops.aws.ce import CostExplorer
from candlefish_ops.local.moto.extensions.report_data import percentile


def test_nearest_rank_percentile():
    values = list(range(1, 101))
    assert percentile(values, 50) == 50 and percentile(values, 99) == 99 and percentile(values, 100) == 100
    assert percentile([7.0], 99) == 7.0 and percentile([], 50) is None


def _explorer_with(error_code: str, status: int) -> CostExplorer:
    explorer = CostExplorer(boto3.Session(aws_access_key_id="x", aws_secret_access_key="y", region_name="us-east-1"))
    stubber = Stubber(explorer._client)  # the client the explorer will use
    stubber.add_client_error("get_cost_forecast", service_error_code=error_code, http_status_code=status)
    stubber.activate()
    return explorer


REQUEST = {"TimePeriod": {"Start": "2026-11-15", "End": "2026-12-01"}, "Metric": "UNBLENDED_COST",
           "Granularity": "MONTHLY"}


def test_forecast_refusals_become_unavailable():
    for code, status in (("DataUnavailableException", 400), ("InternalFailure", 500), ("", 500)):
        forecast = _explorer_with(code, status).forecast(REQUEST)
        assert not forecast.available and forecast.unavailable_reason
