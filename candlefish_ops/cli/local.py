"""`candlefish local`: run the embedded AWS emulator in the foreground so several commands share it."""

from __future__ import annotations

import typer

from candlefish_ops import ui
from candlefish_ops.cli.common import ENV_ARGUMENT, app_context

app = typer.Typer(help="The embedded AWS emulator (moto).", no_args_is_help=True)


@app.command("serve")
def serve(
    ctx: typer.Context,
    port: int = typer.Option(4566, "--port", help="Port on 127.0.0.1 (0 picks a free one)."),
    deploy: str = typer.Option(None, "--deploy", metavar="ENV",
                               help="Deploy ENV into the emulator and seed emulated bills and metrics first."),
) -> None:
    """Serve the emulator until Ctrl-C; point other shells at it with AWS_ENDPOINT_URL."""
    import threading

    from candlefish_ops.local.emulator import Emulator, point_sdk_at

    app = app_context(ctx)
    environment = app.environment(deploy) if deploy else None  # validated before anything starts
    emulator = Emulator(port=port)
    endpoint = emulator.start()
    if environment is not None:
        from candlefish_ops.aws.session import new_session
        from candlefish_ops.local.bootstrap import bootstrap_environment

        point_sdk_at(endpoint, environment.region)
        bootstrap_environment(new_session(environment.region), endpoint, environment)
    ui.out(f"emulator listening on {endpoint}")
    ui.info(f"in another shell: export AWS_ENDPOINT_URL={endpoint} AWS_ACCESS_KEY_ID=local "
            "AWS_SECRET_ACCESS_KEY=local AWS_REGION=us-east-1; then run candlefish as usual. Ctrl-C stops.")
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        ui.info("stopped; the emulator's state is gone")
    finally:
        emulator.stop()


@app.command("demo")
def demo(ctx: typer.Context, env: str = ENV_ARGUMENT) -> None:
    """A first look, no AWS account needed: deploy ENV into a fresh emulator with live progress, then
    deploy it again (every stack unchanged, nothing executed), timed."""
    import time

    from candlefish_ops.cli.deploy import deploy

    app = app_context(ctx)
    app.local, app.yes = True, True
    options = {"plan": False, "only": [], "parallel": 4, "recreate_failed": False, "timeout": 1800,
               "allow_replacement": []}
    deploy(ctx, env, **options)
    ui.info("\n[bold]redeploying: nothing changed, so no change set is executed[/bold]")
    started = time.monotonic()
    deploy(ctx, env, **options)
    ui.info(f"[bold]redeploy took {time.monotonic() - started:.1f}s[/bold]")
