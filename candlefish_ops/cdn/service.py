"""Invalidate CloudFront for an environment: find its distribution, plan against what is in progress, send.

The distribution is the `DistributionId` output of the environment's edge stack (stack key `edge` unless
`--stack` names another). Reads first, then at most one CreateInvalidation; `--wait` polls with botocore's
`invalidation_completed` waiter.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime

from candlefish_ops.cdn.paths import PathSet
from candlefish_ops.cdn.plan import InProgress, InvalidationPlan, plan_invalidation
from candlefish_ops.errors import ValidationError
from candlefish_ops.stack_outputs import DISTRIBUTION_ID, StackOutputs

DEFAULT_STACK = "edge"


@dataclass(frozen=True)
class InvalidationResult:
    plan: InvalidationPlan
    invalidation_id: str | None
    status: str
    created: bool


def edge_stack(environment, key: str | None):
    """The stack whose DistributionId output names the distribution (checked before any call)."""
    key = key or DEFAULT_STACK
    if key not in environment.stacks:
        raise ValidationError(f"environment {environment.name} has no stack {key!r} (stacks: "
                              f"{', '.join(sorted(environment.stacks))}); pass --stack KEY for the stack "
                              "that outputs DistributionId")
    return environment.stacks[key]


class CdnService:
    def __init__(self, session, environment, stack_key: str | None = None) -> None:
        from candlefish_ops.aws.cloudfront import CloudFront

        self.session = session
        self.environment = environment
        self.stack = edge_stack(environment, stack_key)
        self.cloudfront = CloudFront(session)
        self._distribution_id: str | None = None

    @property
    def distribution_id(self) -> str:
        if self._distribution_id is None:
            self._distribution_id = self._read_distribution_id()
        return self._distribution_id

    def _read_distribution_id(self) -> str:
        return StackOutputs(self.session, self.environment).value(
            self.stack.key, DISTRIBUTION_ID, fix="pass --stack KEY for the stack that has one")

    def in_progress(self) -> list[InProgress]:
        running = [item for item in self.cloudfront.invalidations(self.distribution_id) if item.in_progress]
        return [InProgress(item.invalidation_id,
                           self.cloudfront.invalidation(self.distribution_id, item.invalidation_id).paths)
                for item in running]

    def plan(self, request: PathSet) -> InvalidationPlan:
        return plan_invalidation(self.environment.name, self.distribution_id, request, self.in_progress())

    def execute(self, plan: InvalidationPlan, now: datetime | None = None,
                reference: str | None = None) -> InvalidationResult:
        """Send the plan's invalidation (or report the running one that covers it). `reference`: a caller
        reference of the caller's own, for requests that must stay one invalidation when re-sent (CloudFront
        answers a repeated CallerReference with the same paths with the invalidation it already made)."""
        if not plan.sends:
            running = self.cloudfront.invalidation(plan.distribution_id, plan.already_in_progress)
            return InvalidationResult(plan, running.invalidation_id, running.status, created=False)
        reference = reference or caller_reference(plan, now or datetime.now(UTC))
        sent = self.cloudfront.create_invalidation(plan.distribution_id, plan.request.paths, reference)
        return InvalidationResult(plan, sent.invalidation_id, sent.status, created=True)

    def wait(self, result: InvalidationResult, delay: int, timeout: int) -> InvalidationResult:
        attempts = max(1, -(-timeout // max(delay, 1)))
        self.cloudfront.wait_completed(result.plan.distribution_id, result.invalidation_id, delay, attempts)
        status = self.cloudfront.invalidation(result.plan.distribution_id, result.invalidation_id).status
        return InvalidationResult(result.plan, result.invalidation_id, status, result.created)

    def recent(self, limit: int):
        """The newest `limit` invalidations, newest first."""
        listed = self.cloudfront.invalidations(self.distribution_id)
        oldest = datetime.min.replace(tzinfo=UTC)
        return sorted(listed, key=lambda item: item.created or oldest, reverse=True)[:limit]


def caller_reference(plan: InvalidationPlan, now: datetime) -> str:
    """Unique per request (a deliberate re-run after a completed invalidation must invalidate again);
    duplicates of a running one are caught by the plan, not by CloudFront."""
    digest = hashlib.sha256("\n".join(plan.request.paths).encode()).hexdigest()[:12]
    return f"candlefish-{plan.environment}-{now.strftime('%Y%m%dT%H%M%S%fZ')}-{digest}"
