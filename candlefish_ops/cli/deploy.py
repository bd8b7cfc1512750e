"""`candlefish deploy ENV` and `candlefish status ENV`: the stacks of an environment."""

from __future__ import annotations

import typer

from candlefish_ops.cli.common import ENV_ARGUMENT, app_context


def register(app: typer.Typer) -> None:
    app.command("deploy")(deploy)
    app.command("status")(status)


def deploy(
    ctx: typer.Context,
    env: str = ENV_ARGUMENT,
    plan: bool = typer.Option(False, "--plan", help="Create and show every change set, execute none."),
    only: list[str] = typer.Option([], "--only", help="Deploy only this stack (repeatable)."),
    parallel: int = typer.Option(4, "--parallel", min=1, max=16, help="Stacks deployed at once."),
    recreate_failed: bool = typer.Option(False, "--recreate-failed",
                                         help="Delete and recreate stacks left in ROLLBACK_COMPLETE."),
) -> None:
    """Deploy the environment's stacks in dependency order, each through a change set."""
    raise NotImplementedError


def status(ctx: typer.Context, env: str = ENV_ARGUMENT) -> None:
    """Each stack of the environment: region, status, last update, outputs."""
    raise NotImplementedError
