"""`candlefish local`: run the embedded AWS emulator in the foreground so several commands share it."""

from __future__ import annotations

import typer

from candlefish_ops import ui
from candlefish_ops.cli.common import ENV_ARGUMENT, app_context

app = typer.Typer(help="The embedded AWS emulator (moto).", no_args_is_help=True)


@app.command("serve")
def serve(
    ctx: typer.Context,
    port: int = typer.Option(4566, "--port", min=0, max=65535, help="Port on 127.0.0.1 (0 picks a free one)."),
    deploy: str = typer.Option(None, "--deploy", metavar="ENV",
                               help="Deploy ENV into the emulator and seed emulated bills and metrics first."),
) -> None:
    """Serve the emulator until Ctrl-C; point other shells at it with AWS_ENDPOINT_URL."""
    import threading

    from candlefish_ops.local.emulator import Emulator, point_sdk_at

    from candlefish_ops.local.bootstrap import bootstrap_plan

    app = app_context(ctx)
    environment = app.environment(deploy) if deploy else None  # validated before anything starts
    plan = bootstrap_plan(environment) if environment else None  # templates too
    emulator = Emulator(port=port)
    endpoint = emulator.start()
    if environment is not None:
        from candlefish_ops.aws.session import new_session
        from candlefish_ops.local.bootstrap import bootstrap_environment

        point_sdk_at(endpoint, environment.region)
        bootstrap_environment(new_session(environment.region), endpoint, environment, plan=plan)
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
def demo(ctx: typer.Context, env: str = ENV_ARGUMENT,
         verbose: bool = typer.Option(False, "--verbose", "-v", help="Also show every change-set diff line.")) -> None:
    """A first look, no AWS account needed: deploy ENV into a fresh emulator with live progress, then
    deploy it again (every stack unchanged, nothing executed); a summary per stack after each, timed."""
    from candlefish_ops.deploy.demo import run_demo
    from candlefish_ops.deploy.plan import plan_deploy
    from candlefish_ops.deploy.render import render_demo_run

    app = app_context(ctx)
    app.local, app.yes = True, True
    environment = app.environment(env)
    plan = plan_deploy(environment, protected=False)  # validated before the emulator starts
    session = app.session(environment.region)
    show = (lambda run: None) if app.json else (lambda run: render_demo_run(run.title, run.report, run.seconds))
    runs = run_demo(session, environment, plan, verbose and not app.json, show)
    if app.json:
        ui.emit({"environment": env, "runs": [run.to_dict() for run in runs]}, "json", None)
    if any(run.report.failed for run in runs):
        raise typer.Exit(1)
