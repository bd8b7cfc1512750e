"""A CostReport as data (JSON), as CSV, and as a terminal table: all three carry the same figures."""

from __future__ import annotations

from typing import Any

from candlefish_ops.reports.costs import CostLine, CostReport
from candlefish_ops.ui import safe

REQUEST_PRICE_USD = 0.01
_STATUS_STYLE = {"under": "green", "near": "yellow", "over": "bold red", "no budget": "dim"}
BAR_WIDTH = 10


def _line_dict(line: CostLine, labels: tuple[str, ...]) -> dict[str, Any]:
    return {
        "name": line.name,
        "months": dict(zip(labels, line.months)),
        "this_month": line.months[-1],
        "last_month": line.months[-2] if len(line.months) > 1 else None,
        "month_end_estimate": line.estimate,
        "change": line.change,
        "change_percent": line.change_percent,
        "budget": line.budget,
        "used_percent": None if line.used_percent is None else round(line.used_percent, 1),
        "status": line.status,
    }


def to_dict(report: CostReport) -> dict[str, Any]:
    labels = report.period.labels
    return {
        "environment": report.environment,
        "data": "emulated" if report.emulated else "aws",
        "group_by": report.grouping,
        "month": labels[-1],
        "current_month": report.period.current,
        "as_of": report.period.today.isoformat(),
        "months": list(labels),
        "currency": "USD",
        "lines": [_line_dict(line, labels) for line in report.lines],
        "total": _line_dict(report.total, labels),
        "month_end": {"amount": report.month_end.amount, "basis": report.month_end.basis,
                      "detail": report.month_end.detail},
        "movers": list(report.movers),
        "over_budget": report.over_budget,
        "requests": report.requests,
        "request_cost_usd": round(report.requests * REQUEST_PRICE_USD, 2),
        "pages": report.pages,
        "cached": report.cached,
        "notes": list(report.notes),
        "warnings": list(report.warnings),
    }


def csv_columns(report: CostReport) -> list[str]:
    return ["line", *report.period.labels, "month_end_estimate", "change", "change_percent", "budget",
            "used_percent", "status", "mover_rank", "note"]


def to_csv(report: CostReport) -> str:
    """One row per line, then the total (whose note says how the month end was estimated)."""
    from candlefish_ops.ui import csv_text

    rows = [_csv_row(line, report, "") for line in report.lines]
    return csv_text(csv_columns(report), rows + [_csv_row(report.total, report, report.month_end.detail)])


def _csv_row(line: CostLine, report: CostReport, note: str) -> list[Any]:
    rank = report.movers.index(line.name) + 1 if line.name in report.movers else ""
    used = "" if line.used_percent is None else f"{line.used_percent:.1f}"
    return [line.name, *(f"{m:.2f}" for m in line.months), f"{line.estimate:.2f}", _blank(line.change, "{:.2f}"),
            _blank(line.change_percent, "{:.1f}"), _blank(line.budget, "{:.2f}"), used, line.status, rank, note]


def _blank(value: float | None, pattern: str) -> str:
    return "" if value is None else pattern.format(value)


# --- table -------------------------------------------------------------------------------------------------

def money(value: float | None) -> str:
    return "—" if value is None else f"{value:,.2f}"


def signed(value: float | None, percent: float | None) -> str:
    if value is None:
        return "—"
    text = f"{value:+,.2f}"
    return f"{text} ({percent:+.1f}%)" if percent is not None else text


def bar(line: CostLine, scale: float) -> str:
    """A small bar of the month-end estimate against the budget (or the biggest line without budgets)."""
    reference = line.budget or scale
    if not reference:
        return ""
    filled = min(BAR_WIDTH, round(line.estimate / reference * BAR_WIDTH))
    style = _STATUS_STYLE.get(line.status, "")
    body = "█" * filled + "░" * (BAR_WIDTH - filled)
    overflow = "▶" if line.estimate > reference else ""
    return f"[{style}]{body}{overflow}[/]" if style else body


def table_rows(report: CostReport) -> list[list[str]]:
    scale = max((line.estimate for line in report.lines), default=0.0)
    rows = [_table_row(line, report, scale) for line in report.lines]
    rows.append(_table_row(report.total, report, scale))
    return rows


def _table_row(line: CostLine, report: CostReport, scale: float) -> list[str]:
    from rich.markup import escape

    style = _STATUS_STYLE.get(line.status, "")
    status = f"[{style}]{line.status}[/]" if style else line.status
    used = "—" if line.used_percent is None else f"{line.used_percent:.0f}%"
    name = f"[bold]{escape(line.name)}[/]" if line is report.total else escape(line.name)
    return [name, *(money(m) for m in line.months), money(line.estimate), signed(line.change, line.change_percent),
            money(line.budget), used, status, bar(line, scale)]


def table_columns(report: CostReport) -> list[str]:
    labels = list(report.period.labels)
    if report.period.current:
        labels[-1] = f"{labels[-1]} to date"
    return ["line", *labels, "month-end est.", "change vs last", "budget", "used", "status", ""]


def rich_table(report: CostReport):
    """The table (numbers right-aligned), its month-end note and movers as the caption."""
    from rich.table import Table

    grid = Table(title=title(report), caption=caption(report), title_justify="left", caption_justify="left")
    for index, column in enumerate(table_columns(report)):
        grid.add_column(column, justify="left" if index == 0 or column in ("status", "") else "right")
    for row in table_rows(report):
        grid.add_row(*(safe(cell) for cell in row))  # line names come from the bill: no terminal controls
    return grid


def title(report: CostReport) -> str:
    through = f" (to {report.period.end.isoformat()}, exclusive)" if report.period.current else ""
    label = " — [bold magenta]EMULATED DATA[/]" if report.emulated else ""
    return (f"Costs of {report.environment}, {report.period.labels[-1]}{through}, by {report.grouping}, "
            f"USD{label}")


def caption(report: CostReport) -> str:
    parts = [f"month end: {money(report.month_end.amount)} ({report.month_end.detail})"]
    if report.movers:
        parts.append("biggest movers: " + ", ".join(report.movers))
    return "\n".join(parts)
