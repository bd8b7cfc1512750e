"""`candlefish probe ENV`: the seed's load test against the live site (or any --url), with its targets."""

from __future__ import annotations

import typer

from candlefish_ops import ui
from candlefish_ops.cli.common import ENV_ARGUMENT, app_context, environment_session


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
    origin: list[str] = typer.Option([], "--origin", metavar="NAME=URL",
                                     help="Against the emulator: where `edge serve` finds a custom origin (repeatable)."),
) -> None:
    """N virtual users loop over a static asset, an API call and a WebSocket ping; each of the environment's
    targets is checked (exit 1 when one fails). Against the emulator (--local, or AWS_ENDPOINT_URL on this
    machine) without --url, the deployed edge is started with `edge serve` and probed."""
    from candlefish_ops.errors import ValidationError
    from candlefish_ops.probe.render import ProgressLine, render
    from candlefish_ops.probe.service import run_probe

    app = app_context(ctx)
    environment = app.environment(env)
    if url is None and app.targets_emulator:
        document = _probe_local_edge(app, environment, origin, users, duration, ramp, target, think)
    else:
        if origin:
            raise ValidationError("--origin is for a probe of the emulator's edge (--local); a --url is probed as it is")
        progress = ProgressLine()
        document = run_probe(environment, url=url, users=users, duration=duration, ramp=ramp, targets=target,
                             think=think, progress=progress)
        progress.done()
    ui.emit(document, app.output, render)
    if not document["ok"]:
        raise typer.Exit(1)


def _probe_local_edge(app, environment, origin, users, duration, ramp, target, think) -> dict:
    """Against the emulator: start `edge serve` for the environment's deployed edge on a free port and probe
    it; the WebSocket API is not served locally, so that kind is reported skipped, not passed."""
    from candlefish_ops.edge.serve import build_service, close, parse_origins
    from candlefish_ops.edge.serve.server import EdgeServer
    from candlefish_ops.edge.service import DeployedEdge, edge_stack_key
    from candlefish_ops.probe.render import ProgressLine
    from candlefish_ops.probe.service import run_probe

    origins = parse_origins(origin)
    key = edge_stack_key(environment)
    deployed = DeployedEdge(environment_session(app, environment, (key,)), environment, key)
    service = build_service(deployed.session, deployed, origins, progress=ui.info)
    server = EdgeServer(service, port=0).start()
    ui.info(f"{environment.name}: probing the emulator's edge through edge serve at {server.url}")
    try:
        progress = ProgressLine()
        document = run_probe(environment, url=server.url, users=users, duration=duration, ramp=ramp,
                             targets=target, think=think, progress=progress, websocket=False)
        progress.done()
        return document
    finally:
        server.stop()
        close(service)
