"""`candlefish report health` against the emulator with seeded CloudWatch datapoints."""

from __future__ import annotations

import pytest

from candlefish_ops.local.seed.reports import put_traffic


def run_health(cli, config_dir, *args):
    return cli("report", "health", "production", "--config-dir", config_dir, *args)


def find(document, section, figure, item_part=""):
    return next(c for c in document["checks"]
                if c["section"] == section and c["figure"] == figure and item_part in c["item"])


def test_every_target_passing_exits_0(aws, cli, config_dir, reports_env, deployed):
    put_traffic(aws.endpoint, deployed.resources())
    result = run_health(cli, config_dir, "--output", "json")
    assert result.exit_code == 0, result.stdout + result.stderr
    report = result.json()
    assert report["verdict"] == "healthy" and report["data"] == "emulated"
    statuses = {c["status"] for c in report["checks"]}
    assert statuses <= {"PASS", "INFO"}
    p50 = find(report, "api", "latency p50", "eu-west-1")
    p99 = find(report, "api", "latency p99", "eu-west-1")
    assert (p50["value"], p50["target"]) == (25.0, "< 50 ms")       # percentiles from the seeded distribution
    assert (p99["value"], p99["target"]) == (70.0, "< 100 ms")   # rank 990 of 1000
    hit = find(report, "cloudfront", "cache hit ratio")
    assert hit["value"] == 94.2 and hit["target"] == "≥ 92 %"
    assert find(report, "cloudfront", "availability")["value"] == pytest.approx(99.996)
    assert find(report, "cloudfront", "status")["detail"] == "enabled; candlefish.ai"
    assert find(report, "lambda", "error rate")["value"] == 0.0
    assert find(report, "waf", "blocked requests (1 h)")["value"] == 240.0
    assert find(report, "websocket", "integration latency p50")["value"] == 12.0
    stacks = [c for c in report["checks"] if c["section"] == "stacks"]
    assert len(stacks) == 5 and {c["value"] for c in stacks} == {"CREATE_COMPLETE"}
    assert all(c["detail"] == "drift: unknown (not available)" for c in stacks)


def test_one_failing_target_exits_2(aws, cli, config_dir, reports_env, deployed):
    slow = {40.0: 50, 90.0: 40, 180.0: 10}   # p99 180 ms: beyond 100 ms + 20 %
    put_traffic(aws.endpoint, deployed.resources(), overrides={"api.Latency": slow})
    result = run_health(cli, config_dir, "--output", "json")
    assert result.exit_code == 2
    report = result.json()
    assert report["verdict"] == "failing"
    assert find(report, "api", "latency p99", "us-east-1")["status"] == "FAIL"
    assert find(report, "api", "latency p50", "us-east-1")["status"] == "PASS"
    assert find(report, "cloudfront", "cache hit ratio")["status"] == "PASS"


def test_near_miss_is_a_warning_exit_1(aws, cli, config_dir, reports_env, deployed):
    put_traffic(aws.endpoint, deployed.resources(), overrides={"cloudfront.CacheHitRate": 91.0})
    result = run_health(cli, config_dir, "--output", "json")
    assert result.exit_code == 1
    assert find(result.json(), "cloudfront", "cache hit ratio")["status"] == "WARN"


def test_missing_data_is_shown_as_missing_never_a_pass(aws, cli, config_dir, reports_env, deployed):
    put_traffic(aws.endpoint, deployed.resources(), overrides={"cloudfront.CacheHitRate": None, "api.Latency": None})
    result = run_health(cli, config_dir, "--output", "json")
    assert result.exit_code == 1
    report = result.json()
    hit = find(report, "cloudfront", "cache hit ratio")
    assert (hit["value"], hit["shown"], hit["status"]) == (None, "missing", "MISSING")
    assert find(report, "api", "latency p99", "eu-west-1")["status"] == "MISSING"


def test_no_traffic_at_all_is_degraded_not_healthy(aws, cli, config_dir, reports_env, deployed):
    result = run_health(cli, config_dir, "--output", "json")
    assert result.exit_code == 1
    report = result.json()
    assert report["data"] == "aws"   # no emulator marker: nothing seeded
    assert find(report, "cloudfront", "availability")["status"] == "MISSING"


def test_alarm_in_alarm_and_missing_stack_fail(aws, cli, config_dir, reports_env, deployed):
    put_traffic(aws.endpoint, deployed.resources())
    cloudwatch = aws.client("cloudwatch")
    cloudwatch.put_metric_alarm(AlarmName="production-candlefish-api-5xx", MetricName="5XXError",
                                Namespace="AWS/ApiGateway", Statistic="Sum", Period=60, EvaluationPeriods=1,
                                Threshold=1, ComparisonOperator="GreaterThanThreshold")
    cloudwatch.set_alarm_state(AlarmName="production-candlefish-api-5xx", StateValue="ALARM",
                               StateReason="Threshold Crossed: 1 datapoint [4.0]")
    aws.client("cloudformation", "eu-west-1").delete_stack(StackName="candlefish-production-api")
    result = run_health(cli, config_dir, "--output", "json")
    assert result.exit_code == 2
    report = result.json()
    alarm = find(report, "alarms", "state")
    assert alarm["item"] == "production-candlefish-api-5xx (us-east-1)" and alarm["status"] == "FAIL"
    missing = find(report, "stacks", "status", "eu-west-1")
    assert (missing["value"], missing["status"]) == ("not deployed", "FAIL")


def test_route53_health_checks_of_the_environment(aws, cli, config_dir, reports_env, deployed):
    put_traffic(aws.endpoint, deployed.resources())
    route53 = aws.client("route53")
    mine = route53.create_health_check(CallerReference="a", HealthCheckConfig={
        "Type": "HTTPS", "FullyQualifiedDomainName": "api.candlefish.ai", "ResourcePath": "/health"})["HealthCheck"]
    route53.create_health_check(CallerReference="b", HealthCheckConfig={
        "Type": "HTTPS", "FullyQualifiedDomainName": "other.example.com"})
    tagged = route53.create_health_check(CallerReference="c", HealthCheckConfig={
        "Type": "TCP", "IPAddress": "192.0.2.10", "Port": 443})["HealthCheck"]
    route53.change_tags_for_resource(ResourceType="healthcheck", ResourceId=tagged["Id"],
                                     AddTags=[{"Key": "Environment", "Value": "production"}])
    report = run_health(cli, config_dir, "--output", "json").json()
    checks = {c["item"]: c for c in report["checks"] if c["section"] == "route53"}
    assert set(checks) == {mine["Id"], tagged["Id"]}
    assert (checks[mine["Id"]]["value"], checks[mine["Id"]]["status"]) == ("healthy", "PASS")
    assert checks[mine["Id"]]["figure"] == "HTTPS api.candlefish.ai/health"
    assert checks[tagged["Id"]]["figure"] == "TCP 192.0.2.10"


def test_table_shows_every_figure_with_target_and_label(aws, cli, config_dir, reports_env, deployed):
    put_traffic(aws.endpoint, deployed.resources())
    result = run_health(cli, config_dir)
    assert result.exit_code == 0
    assert "HEALTHY" in result.stdout and "EMULATED DATA" in result.stdout
    assert "70.0 ms" in result.stdout and "< 100 ms" in result.stdout and "94.20 %" in result.stdout
    assert "99.996 %" in result.stdout and "18,000 " in result.stdout


def test_watch_redraws_and_exits_with_last_verdict(aws, cli, config_dir, reports_env, deployed):
    put_traffic(aws.endpoint, deployed.resources())
    result = run_health(cli, config_dir, "--watch", "1", "--count", "2")
    assert result.exit_code == 0
    assert result.stdout.count("Health of production") >= 1


def test_bad_output_choices(aws, cli, config_dir, reports_env):
    assert "table or JSON" in run_health(cli, config_dir, "--output", "csv").stderr
    watch_json = run_health(cli, config_dir, "--output", "json", "--watch", "5")
    assert watch_json.exit_code == 1 and "--watch" in watch_json.stderr
    unknown = cli("report", "health", "nope", "--config-dir", config_dir)
    assert unknown.exit_code == 1 and "no such environment file" in unknown.stderr


def test_disabled_distribution_fails(aws, cli, config_dir, reports_env, deployed):
    put_traffic(aws.endpoint, deployed.resources())
    cloudfront = aws.client("cloudfront")
    current = cloudfront.get_distribution_config(Id=deployed.distribution_id)
    config = {**current["DistributionConfig"], "Enabled": False}
    cloudfront.update_distribution(Id=deployed.distribution_id, IfMatch=current["ETag"], DistributionConfig=config)
    result = run_health(cli, config_dir, "--output", "json")
    assert result.exit_code == 2
    status = find(result.json(), "cloudfront", "status")
    assert status["status"] == "FAIL" and status["detail"].startswith("DISABLED")
