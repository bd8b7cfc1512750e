"""The emulator's `seed` (local/seed/reports.py, (what a local bootstrap runs after deploying): both reports then
show data true to their shape, labelled as emulated, through the same AWS queries as against a real account."""

from candlefish_ops.local.moto.extensions.report_data import cost_results
from candlefish_ops.local.seed import reports as report_data

from report_world import load


def test_seeded_environment_gives_both_reports(aws, cli, config_dir, reports_env, deployed):
    report_data.seed(aws.endpoint, load(config_dir))
    costs = cli("report", "costs", "production", "--config-dir", config_dir, "--output", "json")
    assert costs.exit_code == 0, costs.stderr
    document = costs.json()
    assert document["data"] == "emulated" and "emulated data" in costs.stderr
    assert document["pages"] == 2 and document["requests"] == 3            # two pages + the forecast
    assert document["month_end"]["basis"] == "forecast"
    assert all(line["this_month"] > 0 and line["last_month"] > 0 for line in document["lines"])
    assert {line["status"] for line in document["lines"]} <= {"under", "near"}

    health = cli("report", "health", "production", "--config-dir", config_dir, "--output", "json")
    assert health.exit_code == 0, health.stdout
    report = health.json()
    assert report["data"] == "emulated" and report["verdict"] == "healthy"
    figures = {(c["section"], c["figure"]) for c in report["checks"] if c["value"] is not None}
    assert {("api", "latency p50"), ("api", "latency p99"), ("cloudfront", "cache hit ratio"),
            ("websocket", "integration latency p50"), ("lambda", "error rate"), ("waf", "blocked requests (1 h)")} <= figures


def test_seed_reads_back_through_moto_percentiles(aws, reports_env, deployed):
    from datetime import datetime, timedelta, timezone

    report_data.put_traffic(aws.endpoint, deployed.resources())
    end = datetime.now(timezone.utc)
    answer = aws.client("cloudwatch", "eu-west-1").get_metric_data(
        MetricDataQueries=[{"Id": "p", "MetricStat": {"Metric": {"Namespace": "AWS/ApiGateway", "MetricName": "Latency",
                                                                 "Dimensions": [{"Name": "ApiName",
                                                                                 "Value": deployed.rest_api_name}]},
                                                      "Period": 3600, "Stat": "p99"}}],
        StartTime=end - timedelta(hours=1), EndTime=end)
    assert answer["MetricDataResults"][0]["Values"] == [70.0]


def test_seeded_bill_answers_every_grouping_and_month_consistently(aws, cli, config_dir, reports_env, deployed):
    report_data.seed(aws.endpoint, load(config_dir))

    def costs(*args):
        result = cli("report", "costs", "production", "--config-dir", config_dir, "--output", "json", *args)
        assert result.exit_code in (0, 3), result.stderr
        return result.json()

    by_service, by_usage, by_layer = costs(), costs("--group-by", "usage-type"), costs("--group-by", "tag:Layer")
    assert by_service["total"]["months"] == by_usage["total"]["months"] == by_layer["total"]["months"]
    assert {line["name"] for line in by_layer["lines"]} == {"edge", "api", "storage", "data", "compute", "platform"}
    assert "USE1-Lambda-Edge-Request" in {line["name"] for line in by_usage["lines"]}
    october = costs("--month", "2026-10")
    assert october["total"]["this_month"] == by_service["total"]["last_month"]
    assert october["month_end"]["basis"] == "actual"
    assert len(costs("--last", "13")["total"]["months"]) == 13


def test_queued_answers_keep_priority_over_the_bill(aws, cli, config_dir, reports_env, deployed):
    report_data.seed(aws.endpoint, load(config_dir))
    request = {"TimePeriod": {"Start": "2026-10-01", "End": "2026-11-15"}}
    report_data.post_cost_results(aws.endpoint, cost_results(
        request, {"2026-11": {("Amazon CloudFront", "x"): 1.0}}))
    document = cli("report", "costs", "production", "--config-dir", config_dir, "--output", "json").json()
    assert document["total"]["this_month"] == 1.0
