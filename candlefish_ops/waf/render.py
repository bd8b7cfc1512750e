"""What `candlefish waf` shows: the result of a change (or its plan) as data and lines, the entries as a table,
and the ledger repairs a command made or found."""

from __future__ import annotations

from candlefish_ops import ui

def report_reconciled(repairs, skipped=()) -> None:
    for repair in repairs:
        if repair.action != "archived":
            ui.info(f"ledger reconciled with WAF: {repair.address}: {repair.action}")
    archived = sum(1 for repair in repairs if repair.action == "archived")
    if archived:
        ui.info(f"ledger: moved {archived} removed entries to its history partition")
    for repair in skipped:
        ui.info(f"ledger not reconciled: {repair.address}: {repair.action} skipped, the entry changed since it "
                "was read (the next command decides again)")


def report_unwritten(repairs, why: str) -> None:
    """Repairs a read-only or dry run finds: shown as the listing assumes them, written by the next change."""
    for repair in repairs:
        if repair.action != "archived":
            ui.info(f"ledger differs from WAF: {repair.address}: {repair.action} (not written: {why}; the next "
                    "changing command, e.g. `waf prune`, repairs it)")


def result_data(result, planned: bool = False) -> dict:
    """The result as data; for a dry run, also what would change and what the ledger would reconcile."""
    data = result.to_dict()
    if planned:
        data["planned"] = [{"set": c.kind, "version": c.version, "ip_set": c.name,
                            "add": [e.address for e in c.add], "remove": [e.address for e in c.remove]}
                           for c in result.plan.changes]
        data["would_reconcile"] = [{"address": r.address, "action": r.action} for r in result.plan.reconciled]
    return data


def render_changes(data: dict) -> None:
    for change in data.get("planned", []):
        for address in change["add"]:
            ui.out(f"would add {address} to {change['ip_set']}")
        for address in change["remove"]:
            ui.out(f"would remove {address} from {change['ip_set']}")
    for change in data["changes"]:
        for address in change["added"]:
            ui.out(f"added {address} to {change['ip_set']}")
        for address in change["removed"]:
            ui.out(f"removed {address} from {change['ip_set']}")
        if change["lock_conflicts"]:
            ui.out(f"({change['ip_set']} changed concurrently {change['lock_conflicts']}x; re-read and re-applied)")
    for skipped in data["skipped"]:
        ui.out(f"unchanged {skipped['address']}: {skipped['why']}")
    for name, left in data["capacity_left"].items():
        ui.out(f"{name}: room for {left:,} more entries")
    if not data["changes"] and not data.get("planned"):
        ui.out("nothing to change")


def render_entries(data: dict) -> None:
    """The entries as a table; reasons and authors are shown literally (no rich markup such as [link=...]),
    and `ui` escapes their control characters."""
    from rich.markup import escape

    rows = [(e["set"], _address_cell(e), escape(e["reason"]), escape(_who(e["added_by"])), _when(e["added_at"]),
             _when(e["expires_at"]) or "never") for e in data["entries"]]
    ui.table(f"WAF IP set entries of {data['environment']}", ("set", "address", "reason", "added by", "added (UTC)",
                                                              "expires (UTC)"), rows, caption=f"{len(rows)} entries")


def _address_cell(entry: dict) -> str:
    return entry["address"] if entry["status"] == "active" else f"{entry['address']} ({entry['status']})"


def _who(arn: str) -> str:
    """The readable end of an ARN (`assumed-role/Ops/alice`); the JSON output keeps the whole ARN."""
    return arn.rsplit(":", 1)[-1] if arn.startswith("arn:") else arn


def _when(stamp: str | None) -> str:
    return stamp.replace("T", " ")[:16] if stamp else ""
