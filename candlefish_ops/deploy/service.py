"""Glue between the CLI and the engine: build the plan, the executor and the artifacts store, run."""

from __future__ import annotations

from candlefish_ops.config import Environment
from candlefish_ops.deploy.executor import DeployExecutor, DeployHooks, DeployReport, SilentHooks, Survey
from candlefish_ops.deploy.plan import DeployPlan, StackTarget
from candlefish_ops.errors import ValidationError


def refuse_failed_preflight(preflight, plan: DeployPlan) -> None:
    """A deploy stops before its first change set when a preflight check FAILs (`--plan` only shows it)."""
    if plan.execute and not preflight.ok:
        first = preflight.failed[0]
        more = f" (and {len(preflight.failed) - 1} more)" if len(preflight.failed) > 1 else ""
        raise ValidationError(f"preflight {first.name} failed for {first.target}: {first.detail}; {first.fix}{more}. "
                              f"Nothing was changed (details: candlefish preflight {plan.environment})")


def survey_deploy(session, environment: Environment, plan: DeployPlan, *, parallel: int = 4,
                  recreate_failed: bool = False, release_options=None, force: bool = False) -> Survey:
    """Read only: the stacks that match what is deployed (see DeployExecutor.survey). Give it to
    run_deploy, which then reads them no more, and to the preflight, which checks only the others."""
    executor, _release = _executor(session, environment, SilentHooks(), assume_yes=True, parallel=parallel,
                                   recreate_failed=recreate_failed, release_options=release_options, force=force)
    return executor.survey(plan)


def run_deploy(session, environment: Environment, plan: DeployPlan, hooks: DeployHooks, *, assume_yes: bool,
               parallel: int, recreate_failed: bool, wait_timeout: float = 1800, release_options=None,
               force: bool = False, allow_replacement: frozenset[str] = frozenset(),
               before_batch=None, survey: Survey | None = None) -> DeployReport:
    """Run the plan; stacks holding Lambda@Edge functions get the edge release step (`release_options`:
    EdgeRelease keyword arguments, e.g. a pinned release for a rollback, or the runtime's python)."""
    survey = survey or Survey()
    executor, release = _executor(session, environment, hooks, assume_yes=assume_yes, parallel=parallel,
                                  recreate_failed=recreate_failed, release_options=release_options, force=force,
                                  wait_timeout=wait_timeout, allow_replacement=allow_replacement,
                                  before_batch=before_batch, survey=survey)
    releasing = [t for t in survey.changed(plan) if t.release_parameters]
    if plan.execute and not (release_options or {}).get("pinned") and releasing:
        release.preflight()  # a package that cannot be built stops the deploy before its first change
    return executor.run(plan)


def _executor(session, environment: Environment, hooks: DeployHooks, *, release_options, **options):
    from candlefish_ops.deploy.artifacts import ArtifactsStore
    from candlefish_ops.edge.service import EdgeRelease

    artifacts = ArtifactsStore(session, environment)
    release = EdgeRelease(artifacts, environment, **(release_options or {}))
    return DeployExecutor(session, environment, hooks, artifacts=artifacts.template_url, release=release,
                          **options), release
