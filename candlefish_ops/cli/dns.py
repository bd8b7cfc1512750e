"""`candlefish dns`: Route 53 for the whole site — update (planned, diffed, atomic), canary, status."""

from __future__ import annotations

from typing import Optional

import typer

from candlefish_ops import ui
from candlefish_ops.cli.common import ENV_ARGUMENT, app_context, environment_session

app = typer.Typer(help="Route 53 records and health checks of an environment, from config.", no_args_is_help=True)

TIMEOUT_OPTION = typer.Option(None, "--timeout", min=1, help="Seconds to wait for INSYNC (default: dns.wait_timeout).")


def _table(title: str, columns: list[str], rows) -> None:
    """A table whose cells are shown literally (set identifiers like [us] are not rich markup)."""
    from rich.markup import escape

    ui.table(escape(title), columns, [tuple(escape(str(cell)) for cell in row) for row in rows])


def _dns_session(ctx: typer.Context, env: str, check=None):
    """The DnsSession; config (and `check`, the command's arguments) validated first, before any AWS
    call and before --local deploys anything."""
    from candlefish_ops.dns.service import DnsSession, check_config

    app_ctx = app_context(ctx)
    environment = app_ctx.environment(env)
    check_config(environment)          # every rule that needs no AWS call, before any call
    if check is not None:
        check(environment)
    needs = tuple(key for key in environment.dns.stacks.values() if key in environment.stacks)
    return app_ctx, DnsSession(environment, environment_session(app_ctx, environment, needs), progress=ui.info)


@app.command("update")
def update(
    ctx: typer.Context,
    env: str = ENV_ARGUMENT,
    plan: bool = typer.Option(False, "--plan", help="Show the diff, change nothing."),
    adopt: bool = typer.Option(False, "--adopt", help="Take over declared records that exist unmanaged."),
    timeout: Optional[float] = TIMEOUT_OPTION,
) -> None:
    """Make the zone's managed records and health checks match config, as one atomic change batch."""
    from candlefish_ops.dns import report, service

    app_ctx, dns = _dns_session(ctx, env)
    asked = []

    def confirm(current_plan) -> None:
        app_ctx.gate.confirm(dns.environment, f"Apply these DNS changes to {env} ({report.summary(current_plan)})?",
                             always=bool(asked))
        asked.append(True)

    final, result = service.update(dns, lambda p: _show_plan(p, app_ctx.json), confirm, app_ctx.yes, plan, adopt,
                                   timeout)
    data = {**report.plan_data(final), "applied": result is not None,
            "change_ids": list(result.change_ids) if result else []}
    ui.emit(data, app_ctx.output, lambda d: _render_update_result(final, result, plan))


def _show_plan(plan, as_json: bool) -> None:
    from candlefish_ops.dns import report

    from rich.markup import escape

    rows = report.diff_rows(plan)
    for key, live, configured in plan.kept_canary_weights:
        ui.info(escape(f"canary {key}: keeping the live weight {live} (config's initial weight is {configured}; "
                "use `candlefish dns canary` to move it)"))
    if not rows:
        return
    if as_json:
        for action, what, before, after in rows:
            ui.info(escape(f"{action} {what}: {before or '-'} -> {after or '-'}"))
    else:
        _table(f"DNS changes for {plan.environment} ({plan.zone})", ["Action", "Record", "Before", "After"], rows)


def _render_update_result(plan, result, plan_only: bool) -> None:
    from candlefish_ops.dns import report

    if plan.empty:
        ui.out(f"{plan.zone}: up to date ({plan.unchanged} managed record set(s)); no change batch sent")
    elif plan_only:
        ui.out(f"plan only: {report.summary(plan)}; nothing was changed")
    else:
        ids = ", ".join(result.change_ids) or "none"
        ui.out(f"applied: {report.summary(plan)} (change {ids}, INSYNC after {result.waited_seconds:.1f}s)")


@app.command("canary")
def canary(
    ctx: typer.Context,
    env: str = ENV_ARGUMENT,
    weight: Optional[int] = typer.Option(None, "--weight", help="Percentage of traffic to the canary (0-100)."),
    promote: bool = typer.Option(False, "--promote", help="Make the canary's target the stable one (canary 0 %)."),
    abort: bool = typer.Option(False, "--abort", help="Send 0 % to the canary."),
    plan: bool = typer.Option(False, "--plan", help="Show before/after, change nothing."),
    timeout: Optional[float] = TIMEOUT_OPTION,
) -> None:
    """Move the weighted canary: --weight N, --promote or --abort."""
    from candlefish_ops.dns import service

    app_ctx, dns = _dns_session(ctx, env, lambda e: service.check_canary(e, weight, promote, abort))
    canary_plan = service.plan_canary(dns, weight, promote, abort)
    rows = [(c.action.lower(), str(c.key), c.before.describe(), c.record.describe()) for c in canary_plan.changes]
    if rows and not app_ctx.json:
        _table(f"canary {canary_plan.name}", ["Action", "Record", "Before", "After"], rows)
    change_id = None
    if rows and not plan:
        app_ctx.gate.confirm(dns.environment, f"Move the canary of {env}?")
        change_id = service.apply_canary(dns, canary_plan, timeout)
    data = {"environment": env, "record": canary_plan.name,
            "before_percent": round(canary_plan.before[0].percent, 1), "after_percent": canary_plan.after_percent,
            "promoted": promote, "changes": [{"action": a, "record": r, "before": b, "after": f} for a, r, b, f in rows],
            "applied": change_id is not None, "change_id": change_id}
    ui.emit(data, app_ctx.output, lambda d: _render_canary(d, plan))
    if promote and change_id:
        ui.warn(f"promoted: set dns.canary.stable to {dns.config.canary.canary!r} in config, or the next "
                "`dns update` will move the stable records back")


def _render_canary(data: dict, plan_only: bool) -> None:
    moved = f"canary {data['record']}: {data['before_percent']:g}% -> {data['after_percent']:g}%"
    if not data["changes"]:
        ui.out(f"{moved}: already there; no change batch sent")
    elif plan_only:
        ui.out(f"plan only: {moved}; nothing was changed")
    else:
        ui.out(f"{moved} (change {data['change_id']}, INSYNC)")


@app.command("status")
def status(ctx: typer.Context, env: str = ENV_ARGUMENT) -> None:
    """The managed records, their targets and routing, health-check states, DNSSEC status."""
    from candlefish_ops.dns import service

    app_ctx, dns = _dns_session(ctx, env)
    ui.emit(service.status(dns), app_ctx.output, _render_status)


def _render_status(data: dict) -> None:
    zone = data["zone"]
    rows = [(r["name"], r["type"], r.get("set_identifier") or "", r.get("routing", ""), r.get("target", ""),
             r.get("health", ""), r["state"]) for r in data["records"]]
    _table(f"{data['environment']}: zone {zone['name']} ({zone['id']})",
             ["Name", "Type", "Set", "Routing", "Target", "Health", "State"], rows)
    if data["health_checks"]:
        _table("Health checks", ["Name", "Id", "Check", "Status"],
                 [(c["name"], c["id"], c["check"], c["status"]) for c in data["health_checks"]])
    canary = data.get("canary")
    if canary:
        ui.out(f"canary {canary['name']}: " + (f"{canary['percent']:g}% to the canary" if canary["state"] == "present"
                                               else "not created yet (run dns update)"))
    dnssec = data["dnssec"]
    ui.out(f"DNSSEC: {dnssec['status']}" + (" (config expects signing)" if dnssec["expected"] else ""))
