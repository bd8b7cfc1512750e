"""`candlefish probe ENV`: the seed's load test against the live site (or any --url), with its targets."""

from __future__ import annotations

import typer

from candlefish_ops import ui
from candlefish_ops.cli.common import ENV_ARGUMENT, app_context


def register(app: typer.Typer) -> None:
    app.command("probe")(probe)


def probe(
    ctx: typer.Context,
    env: str = ENV_ARGUMENT,
    url: str | None = typer.Option(None, "--url", help="Base URL to probe (default https://DOMAIN)."),
    users: int | None = typer.Option(None, "--users", help="Virtual users (default: probe.users, 1000)."),
    duration: str | None = typer.Option(None, "--duration", help="How long, e.g. 60s (default: probe.duration_seconds)."),
    ramp: str | None = typer.Option(None, "--ramp", help="Time to start all users, e.g. 10s."),
    think: str | None = typer.Option(None, "--think", help="Pause between a user's iterations (default 1s; 0s: flat out)."),
    target: list[str] = typer.Option([], "--target", help="Override a threshold: NAME=VALUE (repeatable)."),
) -> None:
    """N virtual users loop over a static asset, an API call and a WebSocket ping; each of the environment's
    targets is checked (exit 1 when one fails)."""
    from candlefish_ops.errors import ValidationError
    from candlefish_ops.probe.render import ProgressLine, render
    from candlefish_ops.probe.service import run_probe

    app = app_context(ctx)
    environment = app.environment(env)
    if app.local and url is None:
        raise ValidationError("probe --local needs a target: run `candlefish edge serve` and pass --url")
    progress = ProgressLine()
    document = run_probe(environment, url=url, users=users, duration=duration, ramp=ramp, targets=target, think=think,
                         progress=progress)
    progress.done()
    ui.emit(document, app.output, render)
    if not document["ok"]:
        raise typer.Exit(1)
