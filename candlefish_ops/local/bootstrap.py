"""Under --local, commands other than deploy start from an empty emulator: deploy the environment into
it first (quietly), then let the emulator extensions seed emulated data (bills, metrics)."""

from __future__ import annotations

from candlefish_ops import ui
from candlefish_ops.errors import EmulatorError


def bootstrap_plan(environment, needs: tuple[str, ...] = ()):
    """The deploy of `needs` (default: every stack) with dependencies; templates and parameters are
    checked here, so call it before starting the emulator."""
    from candlefish_ops.deploy.plan import plan_deploy, with_dependencies

    return plan_deploy(environment, with_dependencies(environment, needs) if needs else (), protected=False)


def bootstrap_environment(session, endpoint: str, environment, needs: tuple[str, ...] = (), plan=None) -> None:
    """Deploy `plan` (default: bootstrap_plan of `needs`) into the emulator at `endpoint`, then seed."""
    from candlefish_ops.deploy.executor import SilentHooks
    from candlefish_ops.deploy.service import run_deploy
    from candlefish_ops.local.extensions import seed_all

    plan = plan or bootstrap_plan(environment, needs)
    ui.info(f"[dim]local mode: deploying {environment.name} into the emulator first...[/dim]")
    report = run_deploy(session, environment, plan, SilentHooks(), assume_yes=True, parallel=4,
                        recreate_failed=False, release_options={"local": True})
    if report.failed:
        failed = "; ".join(f"{r.key} ({r.region}): {r.message}" for r in report.results if not r.ok)
        raise EmulatorError(f"local bootstrap of {environment.name} failed: {failed}")
    seeded = seed_all(endpoint, environment)
    if seeded:
        ui.info(f"[dim]local mode: emulated data seeded ({', '.join(seeded)})[/dim]")
