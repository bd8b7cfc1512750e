"""`candlefish local demo`: deploy an environment into the emulator, then again (a no-op), each timed."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Callable

from candlefish_ops.deploy.executor import DeployReport
from candlefish_ops.deploy.plan import DeployPlan


@dataclass(frozen=True)
class DemoRun:
    title: str
    report: DeployReport
    seconds: float

    def to_dict(self) -> dict:
        return {"run": self.title, "seconds": round(self.seconds, 2), **self.report.to_dict()}


def run_demo(session, environment, plan: DeployPlan, show_diffs: bool,
             shown: Callable[[DemoRun], None]) -> list[DemoRun]:
    """The first deploy, then the redeploy; `shown` gets each run as it ends (the redeploy only after a
    first deploy that fully succeeded)."""
    runs = []
    for title in ("first deploy", "redeploy"):
        runs.append(_timed(session, environment, plan, show_diffs, title))
        shown(runs[-1])
        if runs[-1].report.failed:
            break
    return runs


def _timed(session, environment, plan: DeployPlan, show_diffs: bool, title: str) -> DemoRun:
    from candlefish_ops.deploy.render import DeployView
    from candlefish_ops.deploy.service import run_deploy

    started = time.monotonic()
    with DeployView(plan, show_diffs=show_diffs, assume_yes=True) as view:
        report = run_deploy(session, environment, plan, view, assume_yes=True, parallel=4, recreate_failed=False)
    return DemoRun(title, report, time.monotonic() - started)
