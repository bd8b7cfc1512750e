"""`candlefish report costs|health ENV`: what the stack costs against its budget, and whether it meets its
performance targets — as a table, JSON or CSV, with exit codes cron and CI can act on."""

from __future__ import annotations

from dataclasses import replace

import typer

from candlefish_ops import ui
from candlefish_ops.cli.common import ENV_ARGUMENT, app_context, environment_session
from candlefish_ops.errors import ValidationError

app = typer.Typer(help="Cost and health reports of an environment.", no_args_is_help=True)

EXIT_OVER_BUDGET = 3


@app.command("costs")
def costs(
    ctx: typer.Context,
    env: str = ENV_ARGUMENT,
    month: str = typer.Option(None, "--month", metavar="YYYY-MM", help="Report this month (default: the current)."),
    last: int = typer.Option(None, "--last", metavar="N", help="Show the last N months (2-13), ending now."),
    group_by: str = typer.Option("service", "--group-by", metavar="service|usage-type|tag:KEY",
                                 help="Group costs by budget line (service), usage type, or a tag."),
    refresh: bool = typer.Option(False, "--refresh", help="Ask Cost Explorer again instead of using the cache."),
) -> None:
    """Costs per service: this month, last month, change, budget, status, month-end forecast, biggest movers.
    Exit code 3 when over budget."""
    from candlefish_ops.reports import render_costs
    from candlefish_ops.reports.cache import NoCache
    from candlefish_ops.reports.clock import today
    from candlefish_ops.reports.collect_costs import collect_costs
    from candlefish_ops.reports.costs import parse_grouping, parse_period

    context = app_context(ctx, csv=True)
    environment = context.environment(env)
    period = parse_period(month, last, today())
    grouping = parse_grouping(group_by)
    session = environment_session(context, environment)
    # under --local each run has a fresh emulator: nothing worth keeping in the user's cache
    cache = NoCache() if context.local else None
    report = collect_costs(session, environment, period, grouping, refresh, cache=cache)
    report = replace(report, emulated=report.emulated or context.local)
    _emit_costs(report, context.output, render_costs)
    if report.over_budget:
        over = [line.name for line in (*report.lines, report.total) if line.status == "over"]
        ui.warn(f"over budget: {', '.join(over)}")
        raise typer.Exit(EXIT_OVER_BUDGET)


def _emit_costs(report, output: str, render_costs) -> None:
    for warning in report.warnings:
        ui.warn(warning)
    requests = report.requests
    ui.info(f"Cost Explorer requests: {requests} (${requests * render_costs.REQUEST_PRICE_USD:.2f}); "
            + "; ".join(report.notes))
    if report.emulated:
        ui.info("[bold magenta]emulated data[/]: seeded into the local emulator, not a real bill")
    if output == "csv":
        ui.raw(render_costs.to_csv(report))
        return
    ui.emit(render_costs.to_dict(report), output, lambda _data: ui.renderable(render_costs.rich_table(report)))


@app.command("health")
def health(
    ctx: typer.Context,
    env: str = ENV_ARGUMENT,
    watch: float = typer.Option(None, "--watch", metavar="SECONDS", min=1,
                                help="Redraw every SECONDS until Ctrl-C (table output)."),
    count: int = typer.Option(None, "--count", min=1, help="With --watch: stop after this many redraws."),
) -> None:
    """Stacks, CloudFront, API, Lambda, WAF, Route 53 health checks and alarms, each against its target.
    Exit code 0 healthy, 1 degraded (WARN or MISSING), 2 failing."""
    from candlefish_ops.reports.collect_health import HealthClients, collect_health

    context = app_context(ctx)
    if watch is not None and context.json:
        raise ValidationError("--watch redraws a table: drop --output json (or run the report from cron instead)")
    environment = context.environment(env)
    session = environment_session(context, environment)
    clients = HealthClients(session)

    def run_once():
        report = collect_health(session, environment, clients=clients)
        return replace(report, emulated=report.emulated or context.local)

    report = _watch(run_once, watch, count) if watch is not None else run_once()
    if watch is None:
        _emit_health(report, context.output)
    raise typer.Exit(report.exit_code)


def _emit_health(report, output: str) -> None:
    from candlefish_ops.reports import render_health

    if report.emulated:
        ui.info("[bold magenta]emulated data[/]: datapoints seeded into the local emulator, not real traffic")
    ui.emit(render_health.to_dict(report), output, lambda _data: ui.renderable(render_health.rich_table(report)))


def _watch(run_once, seconds: float, count: int | None):
    """Redraw the table every `seconds` in place; Ctrl-C (or `count` redraws) ends with the last verdict."""
    import time

    from rich.live import Live

    from candlefish_ops.reports import render_health

    report, drawn = run_once(), 1
    with Live(render_health.rich_table(report), console=ui.result_console(), auto_refresh=False) as live:
        try:
            while count is None or drawn < count:
                time.sleep(seconds)
                report, drawn = run_once(), drawn + 1
                live.update(render_health.rich_table(report), refresh=True)
        except KeyboardInterrupt:
            pass
    return report
