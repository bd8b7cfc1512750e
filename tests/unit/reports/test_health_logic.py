"""The verdicts of `report health`: targets, warn margins, missing data, stack states, exit codes."""

from datetime import datetime

import pytest

from candlefish_ops.reports.health import (
    FAIL, INFO, MISSING, PASS, WARN, Check, HealthReport, drift_text, judge_at_least_percent, judge_at_most,
    rate_percent, stack_verdict, sum_present, summarise,
)


@pytest.mark.parametrize("value, verdict", [(99.9, PASS), (100, WARN), (120, WARN), (120.1, FAIL), (None, MISSING)])
def test_at_most(value, verdict):
    assert judge_at_most(value, 100, 20) == verdict


@pytest.mark.parametrize("value, verdict", [(92, PASS), (99, PASS), (90.4, WARN), (90.39, FAIL), (None, MISSING)])
def test_at_least_judges_the_shortfall(value, verdict):
    assert judge_at_least_percent(value, 92, 20) == verdict


def test_availability_margin_is_relative_to_the_allowed_downtime():
    assert judge_at_least_percent(99.988, 99.99, 20) == WARN
    assert judge_at_least_percent(99.98, 99.99, 20) == FAIL


@pytest.mark.parametrize("status, verdict", [("CREATE_COMPLETE", PASS), ("UPDATE_COMPLETE", PASS),
                                             ("UPDATE_IN_PROGRESS", WARN), ("ROLLBACK_COMPLETE", FAIL),
                                             ("UPDATE_ROLLBACK_COMPLETE", FAIL), ("CREATE_FAILED", FAIL), (None, FAIL)])
def test_stack_verdicts(status, verdict):
    assert stack_verdict(status) == verdict


def test_drift_is_never_a_pass_unless_detected_in_sync():
    assert drift_text("IN_SYNC") == "drift: in sync"
    assert drift_text("") == drift_text("UNKNOWN") == "drift: unknown (not available)"


def test_rates_and_summaries():
    assert rate_percent(1, 1000) == 0.1
    assert rate_percent(0, 0) is None and rate_percent(None, 10) is None
    assert summarise([1, 2, 3], "Sum") == 6 and summarise([10, 30], "p99") == 30 and summarise([1, 2], "Average") == 1.5
    assert summarise([], "Sum") is None


def report(*statuses):
    checks = tuple(Check("s", "i", "f", 1, "", "", status) for status in statuses)
    return HealthReport("production", checks, datetime(2026, 1, 1), datetime(2026, 1, 1))


def test_exit_codes():
    assert report(PASS, INFO).exit_code == 0
    assert report(PASS, WARN).exit_code == 1 and report(PASS, MISSING).exit_code == 1
    assert report(WARN, FAIL, MISSING).exit_code == 2 and report(FAIL).verdict == "failing"


def test_one_metric_over_regions_sums_what_exists_and_is_missing_only_when_nothing_does():
    assert sum_present([None, 3.0, None, 1.5]) == 4.5
    assert sum_present([0.0, None]) == 0.0  # a region that reported zero is data, not missing
    assert sum_present([None, None]) is None and sum_present([]) is None
