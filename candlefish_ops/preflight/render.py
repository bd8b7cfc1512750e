"""How preflight looks: one line per check (status, check, what, detail), then its fix; never wrapped."""

from __future__ import annotations

from rich.markup import escape

from candlefish_ops import ui
from candlefish_ops.preflight import PreflightReport

_COLOURS = {"PASS": "green", "WARN": "yellow", "FAIL": "red"}


def render_preflight(report: PreflightReport) -> None:
    if not report.checks:
        ui.out(f"preflight {report.environment}: no check applies to these stacks")
        return
    ui.out(f"preflight {report.environment}:")
    for check in report.checks:
        colour = _COLOURS[check.status]
        ui.out(f"  [{colour}]{check.status}[/{colour}] {check.name} {escape(check.target)}: {escape(check.detail)}")
        if check.fix:
            ui.out(f"       fix: {escape(check.fix)}")
