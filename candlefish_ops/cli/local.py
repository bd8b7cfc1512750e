"""`candlefish local`: the embedded AWS emulator — kept up in the background (`up`, `status`, `logs`, `down`),
in the foreground (`serve`), or for a first look (`demo`)."""

from __future__ import annotations

import typer

from candlefish_ops import ui
from candlefish_ops.cli.common import ENV_ARGUMENT, app_context, complete_environment

app = typer.Typer(help="The embedded AWS emulator (moto).", no_args_is_help=True)


@app.command("up")
def up(
    ctx: typer.Context,
    envs: list[str] = typer.Argument(None, metavar="[ENV]...", autocompletion=complete_environment,
                                     help="Environments to deploy into it (skipped if it already holds them)."),
    port: int = typer.Option(0, "--port", min=0, max=65535, help="Port on 127.0.0.1 (0 picks a free one)."),
    fresh: bool = typer.Option(False, "--fresh", help="Discard the saved emulator state and start empty."),
) -> None:
    """Start the emulator in the background (or reuse the running one), deploy ENVs into it, and return.
    While it runs, every --local command uses it; its state is saved when it stops and restored on `up`."""
    from candlefish_ops.cli import local_step
    from candlefish_ops.local import daemon

    app_ctx = app_context(ctx)
    environments = [app_ctx.environment(name) for name in envs or []]
    plans = {env.name: local_step.bootstrap_plan(env) for env in environments}  # validated before anything starts
    with daemon.up_lock(lambda: ui.info("waiting for another `candlefish local up` to finish...")):
        running, started = _running_or_started(daemon, port, fresh)
        app_ctx.local = True
        local_step.start(app_ctx, environments[0].region if environments else None)
        for environment in environments:
            if environment.name not in app_ctx.local_deployed:
                local_step.deploy_into(app_ctx.session(environment.region), running.endpoint, environment,
                                       plans[environment.name])
                daemon.record_environment(environment.name)
    document = _status_document(daemon, daemon.running())
    document["action"] = started
    ui.emit(document, app_ctx.output, lambda data: _render_status(data))


def _running_or_started(daemon, port: int, fresh: bool):
    running = daemon.running()
    if running is not None:
        if fresh:
            from candlefish_ops.errors import EmulatorError

            raise EmulatorError(f"an emulator is running (pid {running.pid}): `candlefish local down` first, "
                                "then `candlefish local up --fresh`")
        return running, "already running"
    if fresh:
        daemon.discard_snapshot()
    saved = daemon.check_snapshot()
    ui.info(f"[dim]starting the emulator{f' (replaying {saved} saved requests)' if saved else ''}...[/dim]")
    return daemon.spawn(port), "restored" if saved else "started"


@app.command("down")
def down(ctx: typer.Context) -> None:
    """Stop the background emulator; its state is kept for the next `local up` (`local up --fresh` drops it)."""
    from candlefish_ops.local import daemon

    app_ctx = app_context(ctx)
    with daemon.up_lock(lambda: ui.info("waiting for a `candlefish local up` to finish...")):
        running = daemon.running()
        clean = daemon.stop(running) if running is not None else None
    if running is None:
        message = "no emulator running"
    elif clean:
        message = f"emulator stopped (pid {running.pid}); its state is saved in {daemon.snapshot_dir()}"
    else:
        message = f"emulator killed after it did not stop in time (pid {running.pid}); state saved up to then"
    ui.emit({"stopped": running is not None, "pid": running.pid if running else None, "message": message},
            app_ctx.output, lambda data: ui.out(data["message"]))


@app.command("status")
def status(ctx: typer.Context) -> None:
    """Whether the background emulator runs: pid, endpoint, environments, saved state, log file."""
    from candlefish_ops.local import daemon

    app_ctx = app_context(ctx)
    ui.emit(_status_document(daemon, daemon.running()), app_ctx.output, _render_status)


def _status_document(daemon, running) -> dict:
    saved = daemon.snapshot_dir() / "journal.jsonl"
    document = {"running": running is not None, "state_dir": str(daemon.state_dir()), "log": str(daemon.log_file()),
                "saved_requests": sum(1 for _ in saved.open(encoding="utf-8")) if saved.exists() else 0,
                "environments": daemon.deployed_environments()}
    if running is not None:
        document.update(pid=running.pid, endpoint=running.endpoint, restored_requests=running.restored_requests)
    return document


def _render_status(data: dict) -> None:
    if data.get("action"):
        ui.info(f"emulator {data['action']}")
    if data["running"]:
        ui.out(f"emulator running at {data['endpoint']} (pid {data['pid']})")
        ui.out(f"environments: {', '.join(data['environments']) or 'none'}; --local commands use it")
    else:
        ui.out("no emulator running: --local commands start a fresh one each (`candlefish local up` keeps one)")
    ui.out(f"saved state: {data['saved_requests']} requests in {data['state_dir']}; log: {data['log']}")


@app.command("logs")
def logs(ctx: typer.Context, lines: int = typer.Option(50, "--lines", "-n", min=1, help="How many last lines."),
         follow: bool = typer.Option(False, "--follow", "-f",
                                     help="Then keep printing lines as the emulator writes them, until Ctrl-C.")) -> None:
    """The last lines of the background emulator's log."""
    from collections import deque

    from candlefish_ops.local import daemon

    app_context(ctx)
    path = daemon.log_file()
    if not path.exists():
        ui.info(f"no log yet ({path}): `candlefish local up` starts the emulator")
        return
    with path.open(encoding="utf-8", errors="replace") as handle:
        for line in deque(handle, maxlen=lines):
            _log_out(line)
        if follow:
            _follow(path, handle)


def _log_out(line: str) -> None:
    from rich.markup import escape

    ui.out(escape(line.rstrip("\n")))  # the log's own text, never read as markup


def _follow(path, handle, poll: float = 0.2) -> None:
    """Print what is appended to the log (each `local up` appends to it; a log truncated meanwhile is read again
    from its start); Ctrl-C ends it quietly."""
    import time

    partial = ""
    try:
        while True:
            chunk = handle.read()
            if chunk:
                *complete, partial = (partial + chunk).split("\n")
                for line in complete:
                    _log_out(line)
                continue
            if path.exists() and path.stat().st_size < handle.tell():
                handle.seek(0)
                partial = ""
            time.sleep(poll)
    except KeyboardInterrupt:
        return


@app.command("serve")
def serve(
    ctx: typer.Context,
    port: int = typer.Option(4566, "--port", min=0, max=65535, help="Port on 127.0.0.1 (0 picks a free one)."),
    deploy: str = typer.Option(None, "--deploy", metavar="ENV",
                               help="Deploy ENV into the emulator and seed emulated bills and metrics first."),
) -> None:
    """Serve the emulator until Ctrl-C; point other shells at it with AWS_ENDPOINT_URL (its state ends with it)."""
    import threading

    from candlefish_ops.cli import local_step
    from candlefish_ops.local.emulator import Emulator, point_sdk_at

    app_ctx = app_context(ctx)
    environment = app_ctx.environment(deploy) if deploy else None  # validated before anything starts
    plan = local_step.bootstrap_plan(environment) if environment else None  # templates too
    emulator = Emulator(port=port)
    endpoint = emulator.start()
    if environment is not None:
        from candlefish_ops.aws.session import new_session

        point_sdk_at(endpoint, environment.region)
        local_step.deploy_into(new_session(environment.region), endpoint, environment, plan)
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
    from candlefish_ops.cli import local_step
    from candlefish_ops.deploy.demo import run_demo
    from candlefish_ops.deploy.plan import plan_deploy
    from candlefish_ops.deploy.render import render_demo_run

    app = app_context(ctx)
    app.local, app.yes = True, True
    environment = app.environment(env)
    plan = plan_deploy(environment, protected=False)  # validated before the emulator starts
    local_step.start(app, environment.region, attach=False)  # always a fresh emulator: the demo is a first deploy
    session = app.session(environment.region)
    show = (lambda run: None) if app.json else (lambda run: render_demo_run(run.title, run.report, run.seconds))
    runs = run_demo(session, environment, plan, verbose and not app.json, show)
    if app.json:
        ui.emit({"environment": env, "runs": [run.to_dict() for run in runs]}, "json", None)
    if any(run.report.failed for run in runs):
        raise typer.Exit(1)
