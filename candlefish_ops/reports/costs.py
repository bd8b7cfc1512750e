"""`report costs`: the Cost Explorer requests (deterministic for a given day), and the pure arithmetic that
turns their answers into budget lines, statuses, a month-end estimate and the biggest movers."""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Iterable

from candlefish_ops.reports.config import ReportsConfig
from candlefish_ops.errors import ValidationError

METRIC = "UnblendedCost"
MAX_HISTORY_MONTHS = 13  # Cost Explorer keeps 13 months (plus the current one)
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_TAG_GROUP = re.compile(r"^tag:([\w .:/=+\-@]{1,128})$")
GROUP_BY_CHOICES = "service, usage-type or tag:KEY"


@dataclass(frozen=True)
class Period:
    """The months a report covers: `months` ending with `month` (the report month); data up to `today`."""

    month: date
    months: int
    today: date

    @property
    def current(self) -> bool:
        return self.month == self.today.replace(day=1)

    @property
    def start(self) -> date:
        return add_months(self.month, -(self.months - 1))

    @property
    def end(self) -> date:
        """Exclusive end: the month's end, or today for the current month (today's costs are incomplete)."""
        return min(add_months(self.month, 1), self.today) if self.current else add_months(self.month, 1)

    @property
    def labels(self) -> tuple[str, ...]:
        return tuple(add_months(self.start, n).strftime("%Y-%m") for n in range(self.months))

    @property
    def days_elapsed(self) -> int:
        return (self.end - self.month).days

    @property
    def days_in_month(self) -> int:
        return calendar.monthrange(self.month.year, self.month.month)[1]


@dataclass(frozen=True)
class Grouping:
    """How costs are grouped: by service (budget lines), usage type, or a cost allocation tag."""

    kind: str            # service | usage-type | tag
    tag_key: str = ""

    @property
    def label(self) -> str:
        return f"tag:{self.tag_key}" if self.kind == "tag" else self.kind

    def group_by(self) -> list[dict[str, str]]:
        if self.kind == "service":
            return [{"Type": "DIMENSION", "Key": "SERVICE"}, {"Type": "DIMENSION", "Key": "USAGE_TYPE"}]
        if self.kind == "usage-type":
            return [{"Type": "DIMENSION", "Key": "USAGE_TYPE"}]
        return [{"Type": "TAG", "Key": self.tag_key}]


def add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def parse_period(month: str | None, last: int | None, today: date) -> Period:
    """Validate --month / --last against today; errors say what to type instead."""
    if month is not None and last is not None:
        raise ValidationError("give either --month YYYY-MM or --last N, not both")
    this_month = today.replace(day=1)
    if last is not None:
        if not 2 <= last <= MAX_HISTORY_MONTHS:
            raise ValidationError(f"--last {last}: give between 2 and {MAX_HISTORY_MONTHS} months")
        return Period(this_month, last, today)
    report_month = this_month if month is None else _parse_month(month, this_month)
    return Period(report_month, 2, today)


def _parse_month(text: str, this_month: date) -> date:
    match = _MONTH.match(text)
    if not match or not 1 <= int(match.group(2)) <= 12:
        raise ValidationError(f"--month {text!r}: use YYYY-MM, e.g. {this_month:%Y-%m}")
    month = date(int(match.group(1)), int(match.group(2)), 1)
    if month > this_month:
        raise ValidationError(f"--month {text}: that month is in the future (the latest is {this_month:%Y-%m})")
    oldest = add_months(this_month, -(MAX_HISTORY_MONTHS - 2))  # its previous month must be in the history too
    if month < oldest:
        raise ValidationError(f"--month {text}: Cost Explorer keeps 13 months; the oldest month with a previous "
                              f"month to compare is {oldest:%Y-%m}")
    return month


def parse_grouping(text: str) -> Grouping:
    if text in ("service", "usage-type"):
        return Grouping(text)
    match = _TAG_GROUP.match(text)
    if match:
        return Grouping("tag", match.group(1))
    raise ValidationError(f"--group-by {text!r}: use {GROUP_BY_CHOICES} (e.g. tag:CostCenter)")


def cost_filter(tag_key: str, tag_value: str) -> dict[str, Any]:
    """Only the environment's resources: those carrying its cost allocation tag."""
    return {"Tags": {"Key": tag_key, "Values": [tag_value], "MatchOptions": ["EQUALS"]}}


def usage_request(period: Period, grouping: Grouping, filter_: dict[str, Any]) -> dict[str, Any]:
    """The get_cost_and_usage request (key order fixed: the same day gives the same request body)."""
    return {"TimePeriod": {"Start": period.start.isoformat(), "End": period.end.isoformat()},
            "Granularity": "MONTHLY", "Filter": filter_, "Metrics": [METRIC], "GroupBy": grouping.group_by()}


def forecast_request(period: Period, filter_: dict[str, Any]) -> dict[str, Any] | None:
    """The get_cost_forecast request for the rest of the current month (None for a closed month)."""
    if not period.current:
        return None
    return {"TimePeriod": {"Start": period.today.isoformat(), "End": add_months(period.month, 1).isoformat()},
            "Metric": "UNBLENDED_COST", "Granularity": "MONTHLY", "Filter": filter_,
            "PredictionIntervalLevel": 80}


# --- answers -> amounts ------------------------------------------------------------------------------------

def grouped_amounts(results_by_time: Iterable[dict[str, Any]]) -> dict[str, dict[tuple[str, ...], float]]:
    """{"YYYY-MM": {group keys: amount}} summed over pages (each page repeats the periods it covers)."""
    amounts: dict[str, dict[tuple[str, ...], float]] = {}
    for period in results_by_time:
        month = amounts.setdefault(period["TimePeriod"]["Start"][:7], {})
        for group in period.get("Groups", []):
            keys = tuple(group.get("Keys", []))
            month[keys] = month.get(keys, 0.0) + _amount(group.get("Metrics", {}))
    return amounts


def _amount(metrics: dict[str, Any]) -> float:
    return float(metrics.get(METRIC, {}).get("Amount", 0.0))


def line_name(keys: tuple[str, ...], grouping: Grouping, config: ReportsConfig) -> tuple[str, float | None]:
    """The line a group's cost is reported on, and that line's budget (None: no budget)."""
    if grouping.kind == "service":
        service, usage_type = (keys + ("", ""))[:2]
        line = config.budget_line(service, usage_type)
        return (line.name, line.amount) if line else (service or "(no service)", None)
    if grouping.kind == "tag":
        value = keys[0].split("$", 1)[1] if keys and "$" in keys[0] else (keys[0] if keys else "")
        return (value or f"(no {grouping.tag_key} tag)", None)
    return (keys[0] if keys else "(no usage type)", None)


# --- the report --------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class CostLine:
    name: str
    months: tuple[float, ...]
    estimate: float              # the report month's month-end estimate (its actual when closed)
    budget: float | None
    status: str                  # under | near | over | no budget
    change: float | None         # estimate minus the previous month
    change_percent: float | None

    @property
    def used_percent(self) -> float | None:
        return self.estimate / self.budget * 100 if self.budget else None


@dataclass(frozen=True)
class MonthEnd:
    """The month-end estimate of the total, and how it was made."""

    amount: float | None
    basis: str                   # actual | forecast | projection | unavailable
    detail: str


@dataclass(frozen=True)
class CostReport:
    environment: str
    grouping: str
    period: Period
    lines: tuple[CostLine, ...]
    total: CostLine
    month_end: MonthEnd
    movers: tuple[str, ...]
    requests: int = 0
    pages: int = 0
    cached: bool = False
    emulated: bool = False
    notes: tuple[str, ...] = field(default_factory=tuple)
    warnings: tuple[str, ...] = field(default_factory=tuple)   # e.g. cache entries refused as untrusted

    @property
    def over_budget(self) -> bool:
        return self.total.status == "over" or any(line.status == "over" for line in self.lines)


def status_of(estimate: float, budget: float | None, near_percent: float) -> str:
    if budget is None:
        return "no budget"
    if estimate > budget:
        return "over"
    return "near" if estimate >= budget * near_percent / 100 else "under"


def projection(amount: float, period: Period) -> float | None:
    """Month-end amount from the daily run rate (None before the first full day of the month)."""
    if not period.current:
        return amount
    if period.days_elapsed <= 0:
        return None
    return amount / period.days_elapsed * period.days_in_month


def build_lines(amounts: dict[str, dict[tuple[str, ...], float]], period: Period, grouping: Grouping,
                config: ReportsConfig) -> list[CostLine]:
    """One line per budget line / group, biggest first; budget lines with no cost still appear."""
    by_line: dict[str, list[float]] = {}
    budgets: dict[str, float | None] = {}
    if grouping.kind == "service":
        for budget_line in config.budgets:
            by_line[budget_line.name] = [0.0] * period.months
            budgets[budget_line.name] = budget_line.amount
    for index, label in enumerate(period.labels):
        for keys, amount in amounts.get(label, {}).items():
            name, budget = line_name(keys, grouping, config)
            by_line.setdefault(name, [0.0] * period.months)[index] += amount
            budgets.setdefault(name, budget)
    lines = [_line(name, months, budgets[name], period, config) for name, months in by_line.items()]
    return sorted(lines, key=lambda line: (-line.estimate, line.name))


def _line(name: str, months: list[float], budget: float | None, period: Period, config: ReportsConfig) -> CostLine:
    rounded = tuple(round(amount, 2) for amount in months)
    estimate = projection(months[-1], period)
    estimate = round(estimate if estimate is not None else months[-1], 2)
    previous = rounded[-2] if len(rounded) > 1 else None
    change = round(estimate - previous, 2) if previous is not None else None
    change_percent = round(change / previous * 100, 1) if change is not None and previous else None
    return CostLine(name, rounded, estimate, budget, status_of(estimate, budget, config.near_threshold_percent),
                    change, change_percent)


def month_totals(amounts: dict[str, dict[tuple[str, ...], float]], period: Period) -> list[float]:
    """Each month's total, summed before rounding (so every grouping gives the same total)."""
    return [sum(amounts.get(label, {}).values()) for label in period.labels]


def total_line(totals: list[float], month_end: MonthEnd, period: Period, config: ReportsConfig) -> CostLine:
    months = [round(amount, 2) for amount in totals]
    estimate = month_end.amount if month_end.amount is not None else months[-1]
    budget = round(config.total_budget, 2)
    previous = months[-2] if len(months) > 1 else None
    change = round(estimate - previous, 2) if previous is not None else None
    change_percent = round(change / previous * 100, 1) if change is not None and previous else None
    return CostLine("Total", tuple(months), round(estimate, 2), budget,
                    status_of(estimate, budget, config.near_threshold_percent), change, change_percent)


def month_end(actual: float, period: Period, forecast_amount: float | None, unavailable_reason: str) -> MonthEnd:
    """Cost Explorer's forecast where it gave one, else a stated projection from the daily run rate."""
    if not period.current:
        return MonthEnd(round(actual, 2), "actual", f"{period.month:%Y-%m} is closed: actual cost")
    if forecast_amount is not None:
        return MonthEnd(round(actual + forecast_amount, 2), "forecast",
                        f"Cost Explorer forecast: {actual:.2f} to date + {forecast_amount:.2f} to month end")
    projected = projection(actual, period)
    if projected is None:
        return MonthEnd(None, "unavailable", "no forecast and no full day of data yet this month")
    rate = actual / period.days_elapsed
    return MonthEnd(round(projected, 2), "projection",
                    f"projected from the daily run rate ({rate:.2f} USD/day over {period.days_elapsed} days "
                    f"x {period.days_in_month}); Cost Explorer forecast unavailable ({unavailable_reason})")


def movers(lines: list[CostLine], count: int = 3) -> tuple[str, ...]:
    """The lines whose month-end estimate moved most against the previous month (in USD, either way)."""
    moved = [line for line in lines if line.change]
    moved.sort(key=lambda line: (-abs(line.change or 0.0), line.name))
    return tuple(line.name for line in moved[:count])
