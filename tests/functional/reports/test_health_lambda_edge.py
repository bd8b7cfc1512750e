"""`report health` reads Lambda@Edge metrics in every region the functions ran in, and adds them up.

Lambda@Edge publishes a replica's metrics in the region where it ran, under `us-east-1.FUNCTION`
(docs/reports.md). Seeded here in two (then three) regions of the emulator; the report must sum them.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from report_world import _function_template, _template

from candlefish_ops.local.seed.reports import put_traffic

EDGE_FUNCTION = "production-candlefish-edge-viewer-request"


def add_edge_function(aws, deployed) -> None:
    """The edge stack (the one that outputs the distribution) gets a Lambda function, as templates/edge.yaml."""
    resources = _function_template()
    resources["Worker"]["Properties"]["FunctionName"] = EDGE_FUNCTION
    cloudformation = aws.client("cloudformation", "us-east-1")
    cloudformation.update_stack(StackName="candlefish-production-edge", Capabilities=["CAPABILITY_IAM"],
                                TemplateBody=_template({"DistributionId": deployed.distribution_id}, resources))


def seed_edge_metrics(aws, region: str, invocations: float, errors: float) -> None:
    now = datetime.now(timezone.utc)
    dims = [{"Name": "FunctionName", "Value": f"us-east-1.{EDGE_FUNCTION}"}]
    aws.client("cloudwatch", region).put_metric_data(Namespace="AWS/Lambda", MetricData=[
        {"MetricName": name, "Dimensions": dims, "Timestamp": now - timedelta(minutes=7), "Value": value}
        for name, value in (("Invocations", invocations), ("Errors", errors), ("Throttles", 0.0))])


def edge_check(report, figure):
    return next(c for c in report["checks"] if c["section"] == "lambda" and c["figure"] == figure
                and c["item"] == f"{EDGE_FUNCTION} (Lambda@Edge)")


def test_lambda_edge_errors_and_invocations_are_summed_over_the_regions(aws, cli, config_dir, reports_env,
                                                                         deployed):
    add_edge_function(aws, deployed)
    put_traffic(aws.endpoint, deployed.resources())
    seed_edge_metrics(aws, "us-east-1", 1000, 0)
    seed_edge_metrics(aws, "eu-west-1", 3000, 2)  # an API region of the config: read by default
    result = cli("report", "health", "production", "--config-dir", config_dir, "--output", "json")
    assert result.exit_code == 0, result.stdout + result.stderr
    rate = edge_check(result.json(), "error rate")
    assert rate["value"] == 0.05 and rate["status"] == "PASS"  # 2 errors / 4,000 invocations
    assert rate["detail"] == ("2 errors / 4000 invocations; errors/invocations by region: "
                              "eu-west-1 2/3000, us-east-1 0/1000")
    assert edge_check(result.json(), "throttles")["value"] == 0.0
    assert not [c for c in result.json()["checks"] if c["item"].startswith(f"{EDGE_FUNCTION} (us-east-1)")]


def test_configured_edge_regions_are_read_too(aws, cli, config_dir, reports_env, deployed):
    config = config_dir / "production.yaml"
    config.write_text(config.read_text() + "reports:\n  edge_regions: [us-east-1, eu-west-1, ap-southeast-1]\n")
    add_edge_function(aws, deployed)
    put_traffic(aws.endpoint, deployed.resources())
    seed_edge_metrics(aws, "eu-west-1", 3000, 2)
    seed_edge_metrics(aws, "ap-southeast-1", 1000, 10)  # no stack there: only the configured list finds it
    result = cli("report", "health", "production", "--config-dir", config_dir, "--output", "json")
    assert result.exit_code == 2, result.stdout + result.stderr
    rate = edge_check(result.json(), "error rate")
    assert rate["value"] == 0.3 and rate["status"] == "FAIL"  # 12 / 4,000, over 0.1 % + 20 %
    assert "ap-southeast-1 10/1000" in rate["detail"]


def test_an_edge_region_that_is_no_region_is_refused(cli, config_dir, reports_env):
    config = config_dir / "production.yaml"
    config.write_text(config.read_text() + "reports:\n  edge_regions: [eu-west-1, Frankfurt]\n")
    result = cli("report", "health", "production", "--config-dir", config_dir)
    assert result.exit_code == 1
    assert "edge_regions" in result.stderr and "'Frankfurt' is not an AWS region name" in result.stderr
