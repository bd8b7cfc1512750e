"""`candlefish site`: publish a website build to the static-assets bucket, list releases, roll back."""

from __future__ import annotations

from pathlib import Path

import typer

from candlefish_ops import ui
from candlefish_ops.cli.common import ENV_ARGUMENT, app_context, environment_session

app = typer.Typer(help="Website builds: publish (changed files only, in a safe order), releases, rollback.",
                  no_args_is_help=True)

DIR_ARGUMENT = typer.Argument(..., metavar="DIR", help="The build output folder (holds index.html).")
PLAN = typer.Option(False, "--plan", "--dry-run", help="Show uploads, header changes, invalidation and prune; change nothing.")
PRUNE_AFTER = typer.Option(None, "--prune-after", metavar="AGE",
                           help="Also delete objects absent from DIR that no release referenced for AGE (7d, 12h).")


def _service(ctx: typer.Context, env: str):
    from candlefish_ops.site.service import SiteService

    app_ctx = app_context(ctx)
    environment = app_ctx.environment(env)
    needs = (environment.site.storage_stack, environment.site.edge_stack)
    return app_ctx, environment, SiteService(environment_session(app_ctx, environment, needs), environment)


@app.command("publish")
def publish(ctx: typer.Context, env: str = ENV_ARGUMENT, folder: Path = DIR_ARGUMENT, plan_only: bool = PLAN,
            prune_after: str | None = PRUNE_AFTER) -> None:
    """Upload new and changed files (assets, then pages), invalidate the changed pages, optionally prune."""
    from candlefish_ops.site.files import read_build
    from candlefish_ops.site.plan import parse_duration
    from candlefish_ops.site.render import BarProgress, render_plan, render_result

    app_ctx = app_context(ctx)
    environment = app_ctx.environment(env)
    grace = parse_duration(prune_after) if prune_after is not None else None
    build = read_build(folder, environment.site)          # every file checked before any AWS call
    app_ctx, environment, service = _service(ctx, env)
    plan = service.plan(build, grace)
    cdn_plan = service.invalidation_plan(plan)            # the cdn planner's checks, before any change
    problem = service.reachability_problem()
    if problem:
        ui.warn(problem)
    if plan_only:
        return render_plan(plan, cdn_plan, app_ctx.output)
    if not plan.empty:
        app_ctx.gate.confirm(environment, f"publish {len(plan.uploads)} file(s) to {env}, invalidate "
                                          f"{len(plan.invalidation)} path(s), delete {len(plan.deletes)} object(s)?")
    result = service.publish(plan, BarProgress())
    render_result(result, cdn_plan, app_ctx.output)


@app.command("releases")
def releases(ctx: typer.Context, env: str = ENV_ARGUMENT) -> None:
    """The recorded releases, oldest first: time, files changed, invalidation."""
    from candlefish_ops.site.render import render_releases

    app_ctx, _environment, service = _service(ctx, env)
    render_releases(env, service.releases(), app_ctx.output)


@app.command("rollback")
def rollback(ctx: typer.Context, env: str = ENV_ARGUMENT,
             to: str | None = typer.Option(None, "--to", metavar="RELEASE",
                                           help="Release id (or unique prefix); default: the newest with other pages."),
             plan_only: bool = PLAN) -> None:
    """Put a previous release's pages and fixed-name files back (its assets are still there) and invalidate them."""
    from candlefish_ops.site.render import render_plan, render_result

    app_ctx, environment, service = _service(ctx, env)
    target, plan, files = service.rollback_plan(to)
    cdn_plan = service.invalidation_plan(plan)
    ui.info(f"rolling {env} back to site release {target.release_id} ({target.time.isoformat(timespec='seconds')})")
    if plan_only:
        return render_plan(plan, cdn_plan, app_ctx.output)
    if not plan.empty:
        app_ctx.gate.confirm(environment,
                             f"restore {len(plan.uploads)} file(s) of release {target.release_id} on {env}?")
    render_result(service.rollback(target, plan, files), cdn_plan, app_ctx.output)
