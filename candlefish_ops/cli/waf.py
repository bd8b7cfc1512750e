"""`candlefish waf`: block and allow IP addresses at the edge (WAF IP sets), with a ledger of who, why, until when."""

from __future__ import annotations

from enum import Enum
from pathlib import Path

import typer

from candlefish_ops import ui
from candlefish_ops.cli.common import ENV_ARGUMENT, app_context, environment_session

app = typer.Typer(help="Block and allow IP addresses at the edge (WAF IP sets), with an audit ledger.",
                  no_args_is_help=True)


class SetKind(str, Enum):
    block = "block"
    allow = "allow"


ADDRESSES = typer.Argument(..., metavar="IP_OR_CIDR...", help="IPv4/IPv6 addresses or CIDR ranges.")
REASON = typer.Option("", "--reason", "-r", help="Why (kept in the ledger).")
EXPIRES = typer.Option(None, "--expires", help="Expiry: 30m, 24h, 7d, 2w or an ISO date; `waf prune` removes it.")
ALLOW_PRIVATE = typer.Option(False, "--allow-private", help="Allow blocking private/link-local/CGNAT ranges.")
DRY_RUN = typer.Option(False, "--dry-run", "--plan", help="Validate and show the plan; change nothing.")
SET_OPTION = typer.Option(SetKind.block, "--set", help="block or allow.")


def _manager(ctx: typer.Context, env: str, csv: bool = False, check=None):
    """The WafManager; the config (and `check`, the command's arguments) validated first, before any AWS
    call and before --local deploys anything."""
    from candlefish_ops.waf.service import WafManager

    app_ctx = app_context(ctx, csv=csv)
    environment = app_ctx.environment(env)
    if check is not None:
        check(environment)
    session = environment_session(app_ctx, environment, (environment.waf.security_stack,))
    return app_ctx, environment, WafManager(session, environment, gate=app_ctx.gate)


def _check_add(kind: str, requests, expires: str | None, allow_private: bool = False):
    from candlefish_ops.waf.service import check_add

    return lambda environment: check_add(environment, kind, requests, expires, allow_private)


def _check_remove(requests):
    from candlefish_ops.waf.service import check_remove

    return lambda environment: check_remove(environment, requests)


def _requests(addresses: list[str]):
    from candlefish_ops.waf.addresses import Request

    return [Request(text, f"argument {index}") for index, text in enumerate(addresses, start=1)]


def _run(ctx: typer.Context, env: str, make_plan, dry_run: bool = False, confirm: bool = True,
         check=None) -> None:
    """Check the arguments, plan, confirm mass changes in protected environments, execute, render."""
    app_ctx, environment, manager = _manager(ctx, env, check=check)
    plan = make_plan(manager)
    for warning in plan.warnings:
        ui.warn(warning)
    if dry_run:
        from candlefish_ops.waf.service import WafResult

        _report_unwritten(plan.reconciled, "dry run")
        return _render(app_ctx.output, WafResult(plan, ()), planned=True)
    threshold = environment.waf.confirm_threshold
    if confirm and plan.size > threshold:
        app_ctx.gate.confirm(environment, f"{plan.action}: change {plan.size} entries in {environment.name} "
                                          f"(more than waf.confirm_threshold={threshold})?")
    result = manager.execute(plan)
    _report_reconciled(result.repaired, result.unrepaired)
    _render(app_ctx.output, result)


@app.command("block-ip")
def block_ip(ctx: typer.Context, env: str = ENV_ARGUMENT, addresses: list[str] = ADDRESSES, reason: str = REASON,
             expires: str | None = EXPIRES, allow_private: bool = ALLOW_PRIVATE, dry_run: bool = DRY_RUN) -> None:
    """Block addresses/ranges (IPv4 to the v4 set, IPv6 to the v6 set); the whole batch is validated first."""
    requests = _requests(addresses)
    _run(ctx, env, lambda m: m.plan_add("block", requests, reason, expires, allow_private), dry_run,
         check=_check_add("block", requests, expires, allow_private))


@app.command("unblock-ip")
def unblock_ip(ctx: typer.Context, env: str = ENV_ARGUMENT, addresses: list[str] = ADDRESSES,
               dry_run: bool = DRY_RUN) -> None:
    """Remove addresses/ranges from the blocklist."""
    requests = _requests(addresses)
    _run(ctx, env, lambda m: m.plan_remove("block", requests), dry_run, check=_check_remove(requests))


@app.command("allow-ip")
def allow_ip(ctx: typer.Context, env: str = ENV_ARGUMENT, addresses: list[str] = ADDRESSES, reason: str = REASON,
             expires: str | None = EXPIRES, dry_run: bool = DRY_RUN) -> None:
    """Allowlist addresses/ranges (the allowlist rule has priority 0: it wins over every block)."""
    requests = _requests(addresses)
    _run(ctx, env, lambda m: m.plan_add("allow", requests, reason, expires), dry_run,
         check=_check_add("allow", requests, expires))


@app.command("unallow-ip")
def unallow_ip(ctx: typer.Context, env: str = ENV_ARGUMENT, addresses: list[str] = ADDRESSES,
               dry_run: bool = DRY_RUN) -> None:
    """Remove addresses/ranges from the allowlist."""
    requests = _requests(addresses)
    _run(ctx, env, lambda m: m.plan_remove("allow", requests), dry_run, check=_check_remove(requests))


@app.command("import")
def import_file(ctx: typer.Context, env: str = ENV_ARGUMENT,
                file: Path = typer.Argument(..., metavar="FILE", help="One address/CIDR a line, or CSV."),
                set_kind: SetKind = SET_OPTION, reason: str = REASON, expires: str | None = EXPIRES,
                allow_private: bool = ALLOW_PRIVATE, dry_run: bool = DRY_RUN) -> None:
    """Add every entry of FILE to the blocklist (or --set allow); rows may carry their own reason/expires."""
    from candlefish_ops.waf.files import read_import_file

    requests = read_import_file(file)
    _run(ctx, env, lambda m: m.plan_add(set_kind.value, requests, reason or f"imported from {file.name}",
                                        expires, allow_private), dry_run,
         check=_check_add(set_kind.value, requests, expires, allow_private))


@app.command("prune")
def prune(ctx: typer.Context, env: str = ENV_ARGUMENT, dry_run: bool = DRY_RUN) -> None:
    """Remove expired entries from WAF and the ledger (safe to run from cron: no confirmation)."""
    _run(ctx, env, lambda m: m.plan_prune(), dry_run, confirm=False)


@app.command("list")
def list_entries(ctx: typer.Context, env: str = ENV_ARGUMENT,
                 set_kind: SetKind | None = typer.Option(None, "--set", help="Only block or allow."),
                 include_removed: bool = typer.Option(False, "--all", help="Include removed entries (history).")) -> None:
    """Every entry with its reason, who added it, when, and its expiry (WAF is the truth; the ledger is
    reconciled first)."""
    app_ctx, environment, manager = _manager(ctx, env)
    kinds = [set_kind.value] if set_kind else ["block", "allow"]
    entries, repairs = manager.entries(kinds, include_removed)
    _report_unwritten(repairs, "read-only command")
    data = {"environment": environment.name, "entries": [e.to_dict() for e in entries]}
    ui.emit(data, app_ctx.output, _render_entries)


@app.command("export")
def export(ctx: typer.Context, env: str = ENV_ARGUMENT, set_kind: SetKind = SET_OPTION,
           file: Path | None = typer.Option(None, "--file", "-f", help="Write here instead of stdout.")) -> None:
    """The entries of one set as CSV (address, reason, expires_at, ...), ready for `waf import`
    (`--output json`: the same document as `waf list`)."""
    from candlefish_ops.waf.files import export_csv

    app_ctx, environment, manager = _manager(ctx, env, csv=True)  # CSV is what export writes
    entries, repairs = manager.entries([set_kind.value])
    _report_unwritten(repairs, "read-only command")
    if app_ctx.json and file is None:
        return ui.emit({"environment": environment.name, "entries": [e.to_dict() for e in entries]}, "json", None)
    text = export_csv(entries)
    if file is None:
        typer.echo(text, nl=False)
    else:
        file.write_text(text, encoding="utf-8")
        ui.info(f"wrote {len(entries)} {set_kind.value} entries to {file}")


# ---- rendering -------------------------------------------------------------------------------------------------

def _report_reconciled(repairs, skipped=()) -> None:
    for repair in repairs:
        if repair.action != "archived":
            ui.info(f"ledger reconciled with WAF: {repair.address}: {repair.action}")
    archived = sum(1 for repair in repairs if repair.action == "archived")
    if archived:
        ui.info(f"ledger: moved {archived} removed entries to its history partition")
    for repair in skipped:
        ui.info(f"ledger not reconciled: {repair.address}: {repair.action} skipped, the entry changed since it "
                "was read (the next command decides again)")


def _report_unwritten(repairs, why: str) -> None:
    """Repairs a read-only or dry run finds: shown as the listing assumes them, written by the next change."""
    for repair in repairs:
        if repair.action != "archived":
            ui.info(f"ledger differs from WAF: {repair.address}: {repair.action} (not written: {why}; the next "
                    "changing command, e.g. `waf prune`, repairs it)")


def _render(output: str, result, planned: bool = False) -> None:
    data = result.to_dict()
    if planned:
        data["planned"] = [{"set": c.kind, "version": c.version, "ip_set": c.name,
                            "add": [e.address for e in c.add], "remove": [e.address for e in c.remove]}
                           for c in result.plan.changes]
        data["would_reconcile"] = [{"address": r.address, "action": r.action} for r in result.plan.reconciled]
    ui.emit(data, output, _render_changes)


def _render_changes(data: dict) -> None:
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


def _render_entries(data: dict) -> None:
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
