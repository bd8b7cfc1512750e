"""Invalidation plans and results as data (JSON) or as lines and tables (stdout); notices on stderr."""

from __future__ import annotations

from typing import Any

from candlefish_ops import ui
from candlefish_ops.cdn.plan import (
    FREE_PATHS_PER_MONTH,
    PRICE_PER_PATH_USD,
    InvalidationPlan,
)


def plan_data(plan: InvalidationPlan) -> dict[str, Any]:
    return {
        "environment": plan.environment,
        "distribution_id": plan.distribution_id,
        "paths": list(plan.request.paths),
        "dropped": [{"path": d.path, "reason": d.reason} for d in plan.request.dropped],
        "already_in_progress": plan.already_in_progress,
        "in_progress": {"file_paths": plan.in_progress_files, "wildcards": plan.in_progress_wildcards},
        "billable_paths": plan.billable_paths,
    }


def render_plan(plan: InvalidationPlan, output: str) -> None:
    ui.emit({**plan_data(plan), "planned": True}, output, lambda _: _plan_lines(plan, planned=True))


def render_result(result, output: str) -> None:
    data = {**plan_data(result.plan), "invalidation_id": result.invalidation_id, "status": result.status,
            "created": result.created}
    ui.emit(data, output, lambda _: _result_lines(result))


def _plan_lines(plan: InvalidationPlan, planned: bool) -> None:
    for dropped in plan.request.dropped:
        ui.info(f"[dim]skipped {dropped.path}: {dropped.reason}[/dim]")
    if not plan.sends:
        ui.out(f"= already in progress as invalidation {plan.already_in_progress} on {plan.distribution_id}: "
               "nothing new to send")
        return
    verb = "would invalidate" if planned else "invalidating"
    ui.out(f"{verb} {len(plan.request.paths)} paths on distribution {plan.distribution_id} "
           f"({plan.request.wildcards} wildcard)")
    for path in plan.request.paths:
        ui.out(f"  + {path}")
    ui.info(f"[dim]cost: {plan.billable_paths} paths; the first {FREE_PATHS_PER_MONTH:,} paths a month are free "
            f"per account, then ${PRICE_PER_PATH_USD} a path[/dim]")


def _result_lines(result) -> None:
    _plan_lines(result.plan, planned=False)
    state = "created" if result.created else "reused"
    ui.out(f"invalidation {result.invalidation_id}: {result.status} ({state})")


def render_invalidations(distribution_id: str, items, output: str) -> None:
    data = {"distribution_id": distribution_id,
            "invalidations": [{"id": i.invalidation_id, "status": i.status,
                               "created": i.created.isoformat() if i.created else None} for i in items]}
    ui.emit(data, output, lambda d: ui.table(
        f"Invalidations of {distribution_id}", ("id", "status", "created"),
        [(i["id"], i["status"], i["created"]) for i in d["invalidations"]]))
