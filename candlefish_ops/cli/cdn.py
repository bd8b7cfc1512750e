"""`candlefish cdn`: invalidate the environment's CloudFront distribution, and list its invalidations."""

from __future__ import annotations

from pathlib import Path

import typer

from candlefish_ops import ui
from candlefish_ops.cli.common import ENV_ARGUMENT, app_context, environment_session

app = typer.Typer(help="CloudFront: invalidate cached paths, list invalidations.", no_args_is_help=True)

PATHS = typer.Argument(None, metavar="PATH...", help="Paths such as /index.html or /images/* (a '*' only at the end).")
FILE = typer.Option(None, "--file", "-f", help="Read paths from FILE (one per line, # comments; - for stdin).")
STACK = typer.Option(None, "--stack", help="Stack key whose DistributionId output is the distribution (default: edge).")
WAIT = typer.Option(False, "--wait", help="Wait until CloudFront reports the invalidation Completed.")
TIMEOUT = typer.Option(1800, "--timeout", min=1, help="With --wait: give up waiting after this many seconds.")
POLL = typer.Option(20, "--poll", min=1, hidden=True, help="With --wait: seconds between checks.")
DRY_RUN = typer.Option(False, "--dry-run", "--plan", help="Validate and show the plan; invalidate nothing.")


def _entries(paths: list[str] | None, file: str | None) -> list[tuple[str, str]]:
    from candlefish_ops.cdn.paths import read_file
    from candlefish_ops.errors import ValidationError

    entries = [(text, f"argument {index}") for index, text in enumerate(paths or [], start=1)]
    if file is not None:
        try:
            text = typer.get_text_stream("stdin").read() if file == "-" else Path(file).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            raise ValidationError(f"cannot read paths from {file}: {error}") from error
        entries.extend(read_file(text, "stdin" if file == "-" else file))
    return entries


def _service(ctx: typer.Context, env: str, stack: str | None):
    """The environment's CdnService; the stack key is checked before the session (and, under --local, the
    emulator) is made."""
    from candlefish_ops.cdn.service import CdnService, edge_stack

    app_ctx = app_context(ctx)
    environment = app_ctx.environment(env)
    key = edge_stack(environment, stack).key
    return CdnService(environment_session(app_ctx, environment, (key,)), environment, key)


@app.command("invalidate")
def invalidate(ctx: typer.Context, env: str = ENV_ARGUMENT, paths: list[str] = PATHS, file: str | None = FILE,
               stack: str | None = STACK, wait: bool = WAIT, timeout: int = TIMEOUT, poll: int = POLL,
               dry_run: bool = DRY_RUN) -> None:
    """Invalidate paths on the environment's distribution (validated first; a running identical one is reused)."""
    from candlefish_ops.cdn import paths as path_rules
    from candlefish_ops.cdn.render import render_plan, render_result

    app_ctx = app_context(ctx)
    environment = app_ctx.environment(env)
    request = path_rules.build(_entries(paths, file))  # every path checked before any AWS call
    service = _service(ctx, env, stack)
    plan = service.plan(request)
    if dry_run:
        return render_plan(plan, app_ctx.output)
    if plan.sends:
        app_ctx.gate.confirm(environment, f"invalidate {len(plan.request.paths)} paths on distribution "
                                          f"{plan.distribution_id} ({environment.name})?")
    result = service.execute(plan)
    if wait:
        ui.info(f"waiting for invalidation {result.invalidation_id} (CloudFront takes minutes)...")
        result = service.wait(result, poll, timeout)
    render_result(result, app_ctx.output)


@app.command("invalidations")
def invalidations(ctx: typer.Context, env: str = ENV_ARGUMENT, stack: str | None = STACK,
                  limit: int = typer.Option(20, "--limit", min=1, help="Show the newest N.")) -> None:
    """The distribution's newest invalidations: id, status, when."""
    from candlefish_ops.cdn.render import render_invalidations

    service = _service(ctx, env, stack)
    render_invalidations(service.distribution_id, service.recent(limit), app_context(ctx).output)
