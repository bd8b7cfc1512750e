"""`candlefish waf`: block and allow IP addresses at the edge (WAF IP sets), with a ledger of who, why, until when."""

from __future__ import annotations

from enum import Enum
from pathlib import Path

import typer

from candlefish_ops import ui
from candlefish_ops.cli.common import ENV_ARGUMENT, app_context, environment_session
from candlefish_ops.waf import render

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

        render.report_unwritten(plan.reconciled, "dry run")
        return ui.emit(render.result_data(WafResult(plan, ()), planned=True), app_ctx.output, render.render_changes)
    threshold = environment.waf.confirm_threshold
    if confirm and plan.size > threshold:
        app_ctx.gate.confirm(environment, f"{plan.action}: change {plan.size} entries in {environment.name} "
                                          f"(more than waf.confirm_threshold={threshold})?")
    result = manager.execute(plan)
    render.report_reconciled(result.repaired, result.unrepaired)
    ui.emit(render.result_data(result), app_ctx.output, render.render_changes)


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
    render.report_unwritten(repairs, "read-only command")
    data = {"environment": environment.name, "entries": [e.to_dict() for e in entries]}
    ui.emit(data, app_ctx.output, render.render_entries)


@app.command("export")
def export(ctx: typer.Context, env: str = ENV_ARGUMENT, set_kind: SetKind = SET_OPTION,
           file: Path | None = typer.Option(None, "--file", "-f", help="Write here instead of stdout.")) -> None:
    """The entries of one set as CSV (address, reason, expires_at, ...), ready for `waf import`
    (`--output json`: the same document as `waf list`)."""
    from candlefish_ops.waf.files import export_csv

    app_ctx, environment, manager = _manager(ctx, env, csv=True)  # CSV is what export writes
    entries, repairs = manager.entries([set_kind.value])
    render.report_unwritten(repairs, "read-only command")
    if app_ctx.json and file is None:
        return ui.emit({"environment": environment.name, "entries": [e.to_dict() for e in entries]}, "json", None)
    text = export_csv(entries)
    if file is None:
        typer.echo(text, nl=False)
    else:
        file.write_text(text, encoding="utf-8")
        ui.info(f"wrote {len(entries)} {set_kind.value} entries to {file}")
