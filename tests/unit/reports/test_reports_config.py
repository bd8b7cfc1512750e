"""The `reports:` config section: the seed's defaults, budget lines, validation naming file and key."""

from pathlib import Path

import pytest

from candlefish_ops.config import load_environment
from candlefish_ops.errors import ConfigError

BASE = "project: candlefish\nstacks:\n  edge:\n    template: edge.yaml\n"


def write(tmp_path: Path, section: str = "") -> Path:
    (tmp_path / "production.yaml").write_text(BASE + section, encoding="utf-8")
    return tmp_path


def test_defaults_are_the_seed_budgets_and_targets(tmp_path):
    reports = load_environment(write(tmp_path), "production").reports
    assert reports.total_budget == 254
    assert reports.budget_line("Amazon CloudFront", "US-DataTransfer-Out-Bytes").amount == 50
    assert reports.budget_line("AWS Lambda", "USE1-Lambda-Edge-Request").name == "Lambda@Edge"
    assert reports.budget_line("AWS Lambda", "USE1-Lambda-GB-Second").name == "AWS Lambda"
    assert reports.budget_line("Amazon EC2", "BoxUsage") is None
    targets = reports.targets
    assert (targets.api_latency_p50_ms, targets.api_latency_p99_ms, targets.websocket_latency_ms) == (50, 100, 30)
    assert (targets.error_rate_percent, targets.cache_hit_ratio_percent, targets.availability_percent) == (0.1, 92, 99.99)
    assert (reports.near_threshold_percent, reports.cost_tag_key, reports.cache_ttl_hours) == (80, "Environment", 6)
    assert reports.edge_regions is None  # report health then reads the stacks' regions


def test_custom_section(tmp_path):
    section = """reports:
  budgets:
    Amazon CloudFront: 20
    Edge functions: {amount: 5, service: AWS Lambda, usage_type_contains: Lambda-Edge}
  near_threshold_percent: 90
  targets: {api_latency_p99_ms: 150}
  cost_tag_key: CostCenter
  cache_ttl_hours: 1.5
  edge_regions: [us-east-1, ap-southeast-1]
"""
    reports = load_environment(write(tmp_path, section), "production").reports
    assert [(line.name, line.amount) for line in reports.budgets] == [("Amazon CloudFront", 20), ("Edge functions", 5)]
    assert reports.targets.api_latency_p99_ms == 150 and reports.targets.api_latency_p50_ms == 50
    assert (reports.near_threshold_percent, reports.cost_tag_key, reports.cache_ttl_hours) == (90, "CostCenter", 1.5)
    assert reports.edge_regions == ("us-east-1", "ap-southeast-1")


@pytest.mark.parametrize("section, message", [
    ("reports:\n  budget: {}\n", "reports.budget: unknown key"),
    ("reports:\n  budgets:\n    Amazon CloudFront: -5\n", "reports.budgets.Amazon CloudFront: a budget is a positive"),
    ("reports:\n  budgets:\n    X: {amount: 5}\n", "reports.budgets.X.service: is required"),
    ("reports:\n  targets: {latency: 5}\n", "reports.targets.latency: unknown key"),
    ("reports:\n  targets: {availability_percent: 120}\n", "must be between 0 and 100"),
    ("reports:\n  near_threshold_percent: fast\n", "reports.near_threshold_percent: must be a number"),
    ("reports:\n  edge_regions: [eu-west-1, Frankfurt]\n", "reports.edge_regions: 'Frankfurt' is not an AWS region"),
    ("reports:\n  edge_regions: [eu-west-1, eu-west-1]\n", "reports.edge_regions: lists a region twice"),
    ("reports:\n  edge_regions: []\n", "reports.edge_regions: lists no region"),
])
def test_bad_values_name_file_and_key(tmp_path, section, message):
    with pytest.raises(ConfigError) as error:
        load_environment(write(tmp_path, section), "production")
    assert "production.yaml" in str(error.value) and message in str(error.value)


@pytest.mark.parametrize("name, total", [("production", 254), ("staging", 86)])
def test_documented_sections_parse(tmp_path, name, total):
    docs = Path(__file__).resolve().parents[3] / "docs" / "config" / f"reports.{name}.yaml"
    (tmp_path / f"{name}.yaml").write_text(BASE + docs.read_text(encoding="utf-8"), encoding="utf-8")
    reports = load_environment(tmp_path, name).reports
    assert reports.total_budget == total
    assert reports.budget_line("AWS Lambda", "USE1-Lambda-Edge-Request").name == "Lambda@Edge"
