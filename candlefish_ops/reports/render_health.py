"""A HealthReport as data (JSON) and as a terminal table (the same figures)."""

from __future__ import annotations

from typing import Any

from candlefish_ops.reports.health import Check, HealthReport
from candlefish_ops.ui import safe

_STYLE = {"PASS": "green", "WARN": "yellow", "FAIL": "bold red", "MISSING": "magenta", "INFO": "dim"}


def value_text(check: Check) -> str:
    if check.value is None:
        return "missing"
    if isinstance(check.value, float):
        text = f"{check.value:,.{_digits(check)}f}"
    else:
        text = str(check.value)
    return f"{text} {check.unit}".strip()


def _digits(check: Check) -> int:
    """Enough decimals to tell 99.996 % from 100 % and 0.004 % from 0; counts as whole numbers."""
    if check.unit == "%":
        return 3 if check.value < 1 or check.value >= 99 else 2
    if check.unit == "" and float(check.value).is_integer():
        return 0
    return 1


def to_dict(report: HealthReport) -> dict[str, Any]:
    return {
        "environment": report.environment,
        "data": "emulated" if report.emulated else "aws",
        "verdict": report.verdict,
        "exit_code": report.exit_code,
        "window": {"start": report.window_start.isoformat(), "end": report.window_end.isoformat()},
        "requests": report.requests,
        "checks": [{"section": c.section, "item": c.item, "figure": c.figure, "value": c.value, "unit": c.unit,
                    "shown": value_text(c), "target": c.target, "status": c.status, "detail": c.detail}
                   for c in report.checks],
    }


COLUMNS = ["section", "item", "figure", "value", "target", "status", "detail"]


def rows(report: HealthReport) -> list[list[str]]:
    return [[c.section, c.item, c.figure, value_text(c), c.target or "—",
             f"[{_STYLE[c.status]}]{c.status}[/]", c.detail] for c in report.checks]


def title(report: HealthReport) -> str:
    label = " — [bold magenta]EMULATED DATA[/]" if report.emulated else ""
    style = {"healthy": "green", "degraded": "yellow", "failing": "bold red"}[report.verdict]
    return (f"Health of {report.environment}: [{style}]{report.verdict.upper()}[/] "
            f"(last hour {report.window_start:%H:%M}–{report.window_end:%H:%M} UTC){label}")


def rich_table(report: HealthReport):
    """The table as a rich renderable (for `--watch`, which redraws it)."""
    from rich.table import Table

    grid = Table(title=title(report), title_justify="left",
                 caption=f"{report.requests} API requests; exit code {report.exit_code}")
    for column in COLUMNS:
        grid.add_column(column)
    for row in rows(report):
        grid.add_row(*(safe(cell) for cell in row))  # details quote AWS answers: no terminal controls
    return grid
