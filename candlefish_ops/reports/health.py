"""`report health`: the figures it reads, the targets it holds them to, and the verdicts (pure logic).

Verdicts: PASS (meets the target), WARN (misses it by at most `warn_margin_percent` of the target — for
"at least" percentages, of the allowed shortfall, e.g. 99.99 % availability allows 0.01 %, so WARN up to
0.012 %), FAIL (misses it by more), MISSING (no data where a figure was expected: never a pass), INFO (a
figure without a target). The exit code: 0 all PASS/INFO, 1 any WARN or MISSING, 2 any FAIL.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

PASS, WARN, FAIL, MISSING, INFO = "PASS", "WARN", "FAIL", "MISSING", "INFO"
EXIT_HEALTHY, EXIT_DEGRADED, EXIT_FAILING = 0, 1, 2


@dataclass(frozen=True)
class Check:
    """One figure of the report, next to its target, with its verdict."""

    section: str          # stacks | cloudfront | api | websocket | lambda | waf | route53 | alarms
    item: str             # what it is about (stack, distribution id, API, function, ...)
    figure: str           # what is measured
    value: Any            # a number, a status text, or None when missing
    unit: str
    target: str           # e.g. "< 100 ms", "≥ 92 %", "" for INFO
    status: str
    detail: str = ""


@dataclass(frozen=True)
class HealthReport:
    environment: str
    checks: tuple[Check, ...]
    window_start: datetime
    window_end: datetime
    emulated: bool = False
    requests: int = 0

    @property
    def exit_code(self) -> int:
        statuses = {check.status for check in self.checks}
        if FAIL in statuses:
            return EXIT_FAILING
        return EXIT_DEGRADED if statuses & {WARN, MISSING} else EXIT_HEALTHY

    @property
    def verdict(self) -> str:
        return {EXIT_HEALTHY: "healthy", EXIT_DEGRADED: "degraded", EXIT_FAILING: "failing"}[self.exit_code]


def judge_at_most(value: float | None, target: float, margin_percent: float) -> str:
    """Lower is better (latency, error rate): value must be below the target."""
    if value is None:
        return MISSING
    if value < target or (target == 0 and value == 0):
        return PASS
    return WARN if value <= target * (1 + margin_percent / 100) else FAIL


def judge_at_least_percent(value: float | None, target: float, margin_percent: float) -> str:
    """Higher is better (cache hit ratio, availability): judged on the shortfall from 100 %."""
    if value is None:
        return MISSING
    if value >= target:
        return PASS
    allowed_shortfall = 100.0 - target
    return WARN if 100.0 - value <= allowed_shortfall * (1 + margin_percent / 100) else FAIL


def stack_verdict(status: str | None) -> str:
    """A stack is healthy when its last operation completed (not a rollback)."""
    if status is None:
        return FAIL
    if status.endswith("_IN_PROGRESS") or status == "REVIEW_IN_PROGRESS":
        return WARN
    if "ROLLBACK" in status or status.endswith("_FAILED"):
        return FAIL
    return PASS if status.endswith("_COMPLETE") else WARN


def drift_text(drift_status: str) -> str:
    """What AWS said about drift; anything but a detection result is 'unknown', never a pass."""
    if drift_status == "IN_SYNC":
        return "drift: in sync"
    if drift_status == "DRIFTED":
        return "drift: DRIFTED"
    if drift_status == "NOT_CHECKED":
        return "drift: unknown (never detected)"
    return "drift: unknown (not available)"


def rate_percent(part: float | None, whole: float | None) -> float | None:
    """part/whole as a percentage; None (missing) when there is no traffic to divide by."""
    if part is None or whole is None or whole <= 0:
        return None
    return part / whole * 100


def sum_present(values: list[float | None]) -> float | None:
    """The sum of the figures that exist; None (missing) when none does (e.g. one metric over regions)."""
    present = [value for value in values if value is not None]
    return round(float(sum(present)), 6) if present else None


def summarise(values: list[float], stat: str) -> float | None:
    """One figure for the window from its datapoints (Sum adds up; others: the worst period for
    percentiles and maxima, the mean for averages)."""
    if not values:
        return None
    if stat == "Sum":
        figure = sum(values)
    elif stat.startswith("p") or stat == "Maximum":
        figure = max(values)
    else:
        figure = sum(values) / len(values)
    return round(float(figure), 6)
