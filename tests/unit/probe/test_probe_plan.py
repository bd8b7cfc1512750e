"""The probe's plan and verdicts (pure), and the HDR statistics."""

from __future__ import annotations

import pytest

from candlefish_ops.probe.config import ProbeConfig
from candlefish_ops.reports.config import Targets
from candlefish_ops.errors import ValidationError
from candlefish_ops.probe import plan
from candlefish_ops.probe.stats import KindStats


@pytest.mark.parametrize("text, seconds", [("60s", 60), ("2m", 120), ("500ms", 0.5), ("1h", 3600), ("15", 15),
                                           ("1.5s", 1.5)])
def test_durations(text, seconds):
    assert plan.parse_duration(text, "--duration") == seconds


def test_the_plan_derives_urls_and_the_seeds_thresholds():
    built = plan.build(ProbeConfig(), Targets(), url="https://example.org/", users=10, duration="30s", ramp="5s",
                       target_overrides=["websocket_latency_ms=25"])
    assert built.urls == {"static": "https://example.org/static/css/main.css",
                          "api": "https://example.org/api/health", "websocket": "wss://example.org/ws"}
    limits = {t.name: t.limit for t in built.thresholds}
    assert limits == {"api_latency_p50_ms": 50, "api_latency_p99_ms": 100, "websocket_latency_ms": 25,
                      "error_rate_percent": 0.1, "cache_hit_ratio_percent": 92}
    assert built.origin == ("https", "example.org")


def test_verdicts_pass_fail_and_skip():
    built = plan.build(ProbeConfig(), Targets(), url="http://h", users=1, duration="1s", ramp="0s",
                       target_overrides=[])
    summary = {"static": {"requests": 100, "errors": 0, "cache_hit_percent": 91.0, "probed": True},
               "api": {"requests": 100, "errors": 1, "p50_ms": 20.0, "p99_ms": 150.0, "probed": True},
               "websocket": {"requests": 0, "errors": 0, "probed": False}}
    verdicts = {v["target"]: v["result"] for v in plan.evaluate(summary, built)}
    assert verdicts == {"api_latency_p50_ms": "PASS", "api_latency_p99_ms": "FAIL", "websocket_latency_ms": "SKIPPED",
                        "error_rate_percent": "FAIL", "cache_hit_ratio_percent": "FAIL"}


def test_hdr_statistics_are_bounded_and_accurate_to_three_digits():
    stats = KindStats()
    for value in range(1, 10_001):
        stats.record(value / 1000.0)  # 1 ms .. 10 s
    stats.record(120.0, error="timeout")  # beyond the histogram: clamped, still counted
    summary = stats.summary()
    assert summary["requests"] == 10_001 and summary["errors"] == 1
    assert summary["p50_ms"] == pytest.approx(5000, rel=0.002)
    assert summary["p99_ms"] == pytest.approx(9900, rel=0.002)
    with pytest.raises(ValidationError):
        plan.base_url("https://example.org/?q=1")
