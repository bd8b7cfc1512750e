"""The emulator extension's `seed` hook (what a local bootstrap runs after deploying): both reports then
show data true to their shape, labelled as emulated, through the same AWS queries as against a real account."""

from candlefish_ops.local.extensions import report_data

from conftest import load


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
