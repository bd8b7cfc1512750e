"""The CLI's --local step: the only code outside candlefish_ops.local that imports it.

Commands run it explicitly (through `cli.common.environment_session` / `cli.common.session`) before they ask
the AppContext for a session: it points this process's AWS SDK at an emulator — the one `candlefish local up`
keeps running, if any, else a fresh embedded one for this command — and, for commands that read an
environment's stacks, deploys those stacks (and their dependencies) into it first and seeds emulated data.
A running `local up` emulator already holds the environments it was brought up with: nothing is deployed
again, so a command takes the time its own API calls take.
"""

from __future__ import annotations

from candlefish_ops import ui
from candlefish_ops.errors import EmulatorError


def start(app, region: str | None, attach: bool = True) -> str:
    """Point the SDK at the emulator (once per command): the running `local up` one if `attach`, else a fresh
    one in this process; return its endpoint."""
    if app.local_endpoint is not None:
        return app.local_endpoint
    from candlefish_ops.local import daemon
    from candlefish_ops.local.emulator import Emulator, point_sdk_at, restore_sdk_environment

    running = daemon.running() if attach else None
    if running is not None:
        endpoint = running.endpoint
        app.local_deployed.update(running.environments)
        app.local_attached = True
        ui.info(f"[dim]local mode: the emulator of `candlefish local up` at {endpoint}[/dim]")
    else:
        emulator = Emulator()
        endpoint = emulator.start()
        app.on_close(emulator.stop)
        ui.info(f"[dim]local mode: embedded AWS emulator (moto) at {endpoint}; nothing touches a real account[/dim]")
    saved = point_sdk_at(endpoint, region)
    app.on_close(lambda: restore_sdk_environment(saved))
    app.local_endpoint = endpoint
    return endpoint


def bootstrap_plan(environment, needs: tuple[str, ...] = ()):
    """The deploy of `needs` (default: every stack) with dependencies; templates and parameters are checked
    here, so call it before starting the emulator."""
    from candlefish_ops.deploy.plan import plan_deploy, with_dependencies

    return plan_deploy(environment, with_dependencies(environment, needs) if needs else (), protected=False)


def prepare(app, environment, needs: tuple[str, ...] = ()) -> None:
    """Start the emulator and make sure it holds `environment`'s stacks in `needs` (default: all)."""
    plan = bootstrap_plan(environment, needs)  # a config error costs no emulator start
    endpoint = start(app, environment.region)
    if environment.name in app.local_deployed:
        return
    if app.local_attached:
        _deploy_into_running(app, endpoint, environment)
    else:
        deploy_into(app.session(environment.region), endpoint, environment, plan)
    app.local_deployed.add(environment.name)


def _deploy_into_running(app, endpoint: str, environment) -> None:
    """The emulator `local up` keeps gets the whole environment, once: under the lock `local up` and `local
    down` take, so two commands that find it missing do not both deploy it (the second one waits, then finds
    it recorded), and the emulator is not stopped halfway."""
    from candlefish_ops.local import daemon

    with daemon.up_lock(lambda: ui.info(f"[dim]local mode: waiting for another command deploying into the "
                                        f"emulator...[/dim]")):
        if environment.name in daemon.deployed_environments():
            return
        deploy_into(app.session(environment.region), endpoint, environment, bootstrap_plan(environment))
        daemon.record_environment(environment.name)  # the running emulator holds it from now on


def deploy_into(session, endpoint: str, environment, plan) -> None:
    """Deploy `plan` quietly into the emulator at `endpoint`, then seed emulated data (bills, metrics)."""
    from candlefish_ops.deploy.executor import SilentHooks
    from candlefish_ops.deploy.service import run_deploy
    from candlefish_ops.local.seed import seed_all

    ui.info(f"[dim]local mode: deploying {environment.name} into the emulator first...[/dim]")
    report = run_deploy(session, environment, plan, SilentHooks(), assume_yes=True, parallel=4,
                        recreate_failed=False, release_options={"local": True})
    if report.failed:
        failed = "; ".join(f"{r.key} ({r.region}): {r.message}" for r in report.results if not r.ok)
        raise EmulatorError(f"local bootstrap of {environment.name} failed: {failed}")
    seeded = seed_all(endpoint, environment)
    if seeded:
        ui.info(f"[dim]local mode: emulated data seeded ({', '.join(seeded)})[/dim]")


def not_emulated(resource_types: set[str]) -> list[str]:
    """The resource types of a template the emulator would skip (for deploy's summary)."""
    from candlefish_ops.local.moto.extensions import not_emulated as skipped

    return skipped(resource_types)
