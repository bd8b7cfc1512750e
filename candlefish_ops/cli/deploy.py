"""`candlefish deploy ENV` and `candlefish status ENV`: the stacks of an environment."""

from __future__ import annotations

import typer

from candlefish_ops import ui
from candlefish_ops.cli.common import (ENV_ARGUMENT, app_context, complete_stack, environment_session,
                                       plain_session, public_dns)


def register(app: typer.Typer) -> None:
    app.command("deploy")(deploy)
    app.command("status")(status)


def deploy(
    ctx: typer.Context,
    env: str = ENV_ARGUMENT,
    plan: bool = typer.Option(False, "--plan", help="Create and show every change set, execute none."),
    only: list[str] = typer.Option([], "--only", help="Deploy only this stack (repeatable).",
                                   autocompletion=complete_stack),
    parallel: int = typer.Option(4, "--parallel", min=1, max=16, help="Stacks deployed at once."),
    recreate_failed: bool = typer.Option(False, "--recreate-failed",
                                         help="Delete and recreate stacks left in ROLLBACK_COMPLETE."),
    timeout: int = typer.Option(1800, "--timeout", min=1, help="Longest wait for one stack, in seconds."),
    force: bool = typer.Option(False, "--force", help="Create a change set even for stacks that match what is deployed."),
    allow_replacement: list[str] = typer.Option(
        [], "--allow-replacement", metavar="TYPE/LOGICAL_ID",
        help="Let this stateful resource be replaced or removed (repeatable); otherwise such a change set is refused."),
) -> None:
    """Deploy the environment's stacks in dependency order, each through a change set."""
    from candlefish_ops.deploy.plan import plan_deploy
    from candlefish_ops.deploy.render import DeployView
    from candlefish_ops.deploy.service import run_deploy

    from candlefish_ops.deploy.delegation_gate import DelegationGate
    from candlefish_ops.deploy.guard import parse_allowed

    app = app_context(ctx)
    allowed = parse_allowed(allow_replacement)
    environment = app.environment(env)
    deploy_plan = plan_deploy(environment, only, execute=not plan, protected=app.protected(environment))
    plain_session(app, environment.region)  # under --local: the CLI's local step points the SDK at the emulator
    session, resolver = app.checked_session(environment), public_dns(app)
    options = {"parallel": parallel, "recreate_failed": recreate_failed, "force": force,
               "release_options": {"local": app.targets_emulator}}
    survey, preflight = _before_any_change(app, session, environment, deploy_plan, resolver, options)
    gate = DelegationGate(session, environment, resolver, deploy_plan.execute, ui.info, unchanged=survey.unchanged)
    with DeployView(deploy_plan, show_diffs=not app.json, assume_yes=app.yes) as view:
        report = run_deploy(session, environment, deploy_plan, view, assume_yes=app.yes, wait_timeout=timeout,
                            allow_replacement=allowed, survey=survey, before_batch=gate, **options)
    _emit(app, deploy_plan, report, preflight)
    if report.failed or not preflight.ok:
        raise typer.Exit(1)


def _before_any_change(app, session, environment, deploy_plan, resolver, options: dict):
    """The survey (which stacks are unchanged), then the preflight of the others: shown, and a FAIL stops here."""
    from candlefish_ops.deploy.service import refuse_failed_preflight, survey_deploy
    from candlefish_ops.preflight.render import render_preflight
    from candlefish_ops.preflight.service import run_preflight

    survey = survey_deploy(session, environment, deploy_plan, **options)
    changing = survey.changed(deploy_plan)
    if survey.unchanged:
        ui.info(f"{len(survey.unchanged)} of {len(deploy_plan.targets)} stacks match what is deployed (read back): "
                + ("nothing to check or change" if not changing else
                   f"preflight and change sets for the other {len(changing)}"))
    preflight = run_preflight(session, environment, changing, resolver=resolver)
    if not app.json and preflight.checks:
        render_preflight(preflight)
    refuse_failed_preflight(preflight, deploy_plan)
    return survey, preflight


def _emit(app, deploy_plan, report, preflight) -> None:
    from candlefish_ops.deploy.render import render_summary

    not_emulated = _not_emulated(deploy_plan) if app.local else {}
    document = {**report.to_dict(), "preflight": preflight.to_dict()}
    if app.local:
        document["not_emulated"] = not_emulated
    ui.emit(document, app.output, lambda _data: render_summary(report, not_emulated))


def _not_emulated(deploy_plan) -> dict[str, list[str]]:
    from candlefish_ops.cli.local_step import not_emulated

    return {target.key: not_emulated(set(target.template.resource_types)) for target in deploy_plan.targets}


def status(ctx: typer.Context, env: str = ENV_ARGUMENT) -> None:
    """Each stack of the environment: region, status, last update, outputs."""
    from candlefish_ops.deploy.render import render_status
    from candlefish_ops.stack_outputs import StackOutputs

    app = app_context(ctx)
    environment = app.environment(env)
    session = environment_session(app, environment)
    stacks = StackOutputs(session, environment)
    rows = []
    for key, stack in environment.stacks.items():
        for region in stack.regions:
            info = stacks.stack(key, region)
            rows.append({"stack": key, "region": region, "stack_name": stack.stack_name,
                         "status": info.status if info else "NOT_DEPLOYED",
                         "last_updated": info.last_updated.isoformat() if info and info.last_updated else None,
                         "outputs": dict(info.outputs) if info else {}})
    ui.emit({"environment": env, "stacks": rows}, app.output, lambda data: render_status(data["stacks"]))
