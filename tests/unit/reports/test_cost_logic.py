"""The arithmetic of `report costs`: periods, requests, grouping, statuses, month-end estimate, movers."""

from datetime import date

import pytest

from candlefish_ops.reports.config import ReportsConfig
from candlefish_ops.errors import ValidationError
from candlefish_ops.reports.costs import (
    CostLine, Grouping, build_lines, cost_filter, forecast_request, grouped_amounts, line_name, month_end, movers,
    parse_grouping, parse_period, status_of, usage_request,
)

TODAY = date(2026, 11, 15)


def test_default_period_is_month_to_date_and_last_month():
    period = parse_period(None, None, TODAY)
    assert (period.start, period.end, period.labels) == (date(2026, 10, 1), TODAY, ("2026-10", "2026-11"))
    assert period.current and period.days_elapsed == 14 and period.days_in_month == 30


def test_past_month_and_last_n():
    october = parse_period("2026-10", None, TODAY)
    assert (october.start, october.end, october.current) == (date(2026, 9, 1), date(2026, 11, 1), False)
    assert parse_period(None, 4, TODAY).labels == ("2026-08", "2026-09", "2026-10", "2026-11")
    january = parse_period("2026-01", None, date(2026, 1, 31))
    assert january.labels == ("2025-12", "2026-01")


@pytest.mark.parametrize("month", ["2026-1", "26-10", "2026-00", "november"])
def test_bad_month_format(month):
    with pytest.raises(ValidationError, match="use YYYY-MM"):
        parse_period(month, None, TODAY)


def test_oldest_month_keeps_its_previous_month_in_the_13_months_of_history():
    assert parse_period("2025-12", None, TODAY).start == date(2025, 11, 1)
    with pytest.raises(ValidationError, match="oldest month with a previous month to compare is 2025-12"):
        parse_period("2025-11", None, TODAY)


def test_future_month_refused():
    with pytest.raises(ValidationError, match="future"):
        parse_period("2027-01", None, TODAY)


def test_requests_are_deterministic_and_forecast_only_for_the_current_month():
    period, filter_ = parse_period(None, None, TODAY), cost_filter("Environment", "production")
    assert usage_request(period, Grouping("service"), filter_) == usage_request(period, Grouping("service"), filter_)
    assert list(usage_request(period, Grouping("service"), filter_)) == ["TimePeriod", "Granularity", "Filter",
                                                                          "Metrics", "GroupBy"]
    forecast = forecast_request(period, filter_)
    assert forecast["TimePeriod"] == {"Start": "2026-11-15", "End": "2026-12-01"}
    assert forecast_request(parse_period("2026-10", None, TODAY), filter_) is None


def test_grouping_choices():
    assert parse_grouping("usage-type").group_by() == [{"Type": "DIMENSION", "Key": "USAGE_TYPE"}]
    assert parse_grouping("tag:CostCenter").group_by() == [{"Type": "TAG", "Key": "CostCenter"}]
    with pytest.raises(ValidationError, match="service, usage-type or tag:KEY"):
        parse_grouping("tag:")


def test_pages_repeating_a_period_are_summed():
    page = lambda keys, amount: {"TimePeriod": {"Start": "2026-11-01"},  # noqa: E731
                                 "Groups": [{"Keys": keys, "Metrics": {"UnblendedCost": {"Amount": str(amount)}}}]}
    amounts = grouped_amounts([page(["A", "x"], 1.5), page(["B", "y"], 2), page(["A", "x"], 0.5)])
    assert amounts == {"2026-11": {("A", "x"): 2.0, ("B", "y"): 2.0}}


def test_line_names_for_each_grouping():
    config = ReportsConfig()
    assert line_name(("AWS Lambda", "USE1-Lambda-Edge-Request"), Grouping("service"), config) == ("Lambda@Edge", 15)
    assert line_name(("Amazon EC2", "BoxUsage"), Grouping("service"), config) == ("Amazon EC2", None)
    assert line_name(("CostCenter$platform",), Grouping("tag", "CostCenter"), config) == ("platform", None)
    assert line_name(("CostCenter$",), Grouping("tag", "CostCenter"), config) == ("(no CostCenter tag)", None)


@pytest.mark.parametrize("estimate, status", [(0, "under"), (79.99, "under"), (80, "near"), (100, "near"),
                                              (100.01, "over")])
def test_status_thresholds(estimate, status):
    assert status_of(estimate, 100, 80) == status
    assert status_of(estimate, None, 80) == "no budget"


def test_lines_project_the_current_month_from_the_run_rate():
    period = parse_period(None, None, TODAY)
    lines = build_lines({"2026-10": {("Amazon CloudFront", "x"): 40}, "2026-11": {("Amazon CloudFront", "x"): 14}},
                        period, Grouping("service"), ReportsConfig())
    cloudfront = next(line for line in lines if line.name == "Amazon CloudFront")
    assert (cloudfront.months, cloudfront.estimate, cloudfront.change, cloudfront.change_percent) == \
        ((40, 14), 30, -10, -25.0)
    assert lines[0] is cloudfront and len(lines) == 12


def test_month_end_on_the_first_day_has_no_projection():
    first = parse_period(None, None, date(2026, 11, 1))
    assert first.days_elapsed == 0
    assert month_end(0.0, first, None, "DataUnavailableException").basis == "unavailable"
    assert month_end(10.0, parse_period(None, None, TODAY), None, "x").amount == pytest.approx(10 / 14 * 30, abs=0.01)


def test_movers_by_absolute_change():
    line = lambda name, change: CostLine(name, (0, 0), 0, None, "no budget", change, None)  # noqa: E731
    assert movers([line("a", 1), line("b", -5), line("c", 3), line("d", 0), line("e", None)]) == ("b", "c", "a")
