"""Plans and results as data (for JSON) and as diff rows (for the table)."""

from __future__ import annotations

from candlefish_ops.dns.model import host
from candlefish_ops.dns.plan import DnsPlan, RecordChange

_SIGNS = {"CREATE": "+ create", "UPSERT": "~ change", "DELETE": "- delete", "UPDATE": "~ update"}


def diff_rows(plan: DnsPlan) -> list[tuple[str, str, str, str]]:
    """(action, what, before, after) per change, health checks first, in the order they are applied."""
    rows = []
    for change in plan.health_checks_before():
        rows.append((_SIGNS[change.action], f"health check {change.name}",
                     change.current.settings.describe() if change.current else "",
                     change.desired.describe() + (f" [{change.reason}]" if change.reason != "new" else "")))
    for change in plan.record_changes:
        rows.append(_record_row(change))
    for change in plan.health_checks_after():
        rows.append((_SIGNS["DELETE"], f"health check {change.name} ({change.current.id})",
                     change.current.settings.describe(), f"[{change.reason}]"))
    return rows


def _record_row(change: RecordChange) -> tuple[str, str, str, str]:
    before = change.before.describe() if change.before else ""
    after = "" if change.action == "DELETE" else change.record.describe()
    if change.record.type == "TXT" and change.record.name.startswith("_candlefish-"):
        before = "ownership marker" if change.before else ""
        after = "" if change.action == "DELETE" else "ownership marker (managed record keys)"
    return _SIGNS[change.action], str(change.key), before, after


def plan_data(plan: DnsPlan) -> dict:
    return {
        "environment": plan.environment,
        "zone": host(plan.zone),
        "changes": [{"action": a.strip("+~- ").split(" ")[-1], "what": w, "before": b, "after": f}
                    for a, w, b, f in diff_rows(plan)],
        "unchanged": plan.unchanged,
        "adopted": [str(key) for key in plan.adopted],
        "kept_canary_weights": [{"record": str(key), "live": live, "config": configured}
                                for key, live, configured in plan.kept_canary_weights],
    }


def summary(plan: DnsPlan) -> str:
    counts: dict[str, int] = {}
    for change in plan.changes:
        counts[change.action] = counts.get(change.action, 0) + 1
    checks = len(plan.health_checks)
    parts = [f"{n} {action.lower()}" for action, n in sorted(counts.items())]
    if checks:
        parts.append(f"{checks} health-check change(s)")
    if plan.marker and not plan.changes:
        parts.append("ownership marker only")
    return ", ".join(parts) or "no changes"
