"""`candlefish preflight ENV`: what AWS would refuse (or bill extra) in a deploy, before anything changes."""

from __future__ import annotations

import typer

from candlefish_ops import ui
from candlefish_ops.cli.common import ENV_ARGUMENT, app_context, plain_session, public_dns


def register(app: typer.Typer) -> None:
    app.command("preflight")(preflight)


def preflight(
    ctx: typer.Context,
    env: str = ENV_ARGUMENT,
    only: list[str] = typer.Option([], "--only", help="Check only this stack (repeatable)."),
) -> None:
    """Each check PASS / WARN / FAIL with the fix; exit code 1 when one FAILs. `deploy` runs it too."""
    from candlefish_ops.deploy.plan import plan_deploy
    from candlefish_ops.preflight.render import render_preflight
    from candlefish_ops.preflight.service import run_preflight

    app = app_context(ctx)
    environment = app.environment(env)
    targets = plan_deploy(environment, only, execute=False).targets
    plain_session(app, environment.region)  # under --local: the CLI's local step points the SDK at the emulator
    report = run_preflight(app.checked_session(environment), environment, targets, resolver=public_dns(app))
    ui.emit(report.to_dict(), app.output, lambda _data: render_preflight(report))
    if not report.ok:
        raise typer.Exit(1)
