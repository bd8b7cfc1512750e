"""Glue between the CLI and the engine: build the plan, the executor and the artifacts store, run."""

from __future__ import annotations

from candlefish_ops.config import Environment
from candlefish_ops.deploy.executor import DeployExecutor, DeployHooks, DeployReport
from candlefish_ops.deploy.plan import DeployPlan, StackTarget
from candlefish_ops.errors import ValidationError


def refuse_failed_preflight(preflight, plan: DeployPlan) -> None:
    """A deploy stops before its first change set when a preflight check FAILs (`--plan` only shows it)."""
    if plan.execute and not preflight.ok:
        first = preflight.failed[0]
        more = f" (and {len(preflight.failed) - 1} more)" if len(preflight.failed) > 1 else ""
        raise ValidationError(f"preflight {first.name} failed for {first.target}: {first.detail}; {first.fix}{more}. "
                              f"Nothing was changed (details: candlefish preflight {plan.environment})")


def run_deploy(session, environment: Environment, plan: DeployPlan, hooks: DeployHooks, *, assume_yes: bool,
               parallel: int, recreate_failed: bool, wait_timeout: float = 1800, release_options=None,
               force: bool = False, allow_replacement: frozenset[str] = frozenset()) -> DeployReport:
    """Run the plan; stacks holding Lambda@Edge functions get the edge release step (`release_options`:
    EdgeRelease keyword arguments, e.g. a pinned release for a rollback, or the runtime's python)."""
    from candlefish_ops.deploy.artifacts import ArtifactsStore
    from candlefish_ops.edge.service import EdgeRelease

    artifacts = ArtifactsStore(session, environment)
    release = EdgeRelease(artifacts, environment, **(release_options or {}))
    if plan.execute and not (release_options or {}).get("pinned") and any(t.release_parameters for t in plan.targets):
        release.preflight()  # a package that cannot be built stops the deploy before its first change
    executor = DeployExecutor(session, environment, hooks, assume_yes=assume_yes, parallel=parallel,
                              recreate_failed=recreate_failed, wait_timeout=wait_timeout,
                              artifacts=artifacts.template_url,
                              release=release, force=force, allow_replacement=allow_replacement)
    return executor.run(plan)
