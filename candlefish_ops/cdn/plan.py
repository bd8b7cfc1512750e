"""Plan an invalidation: what to send, what is already in progress, and CloudFront's in-progress limits.

Pure: the planner gets the paths of the distribution's in-progress invalidations and decides. An identical
or wider invalidation already in progress (a re-run after Ctrl-C or a crash, a teammate's `/*`) means nothing
new is sent: the command is idempotent while CloudFront works.
"""

from __future__ import annotations

from dataclasses import dataclass

from candlefish_ops.cdn.paths import (
    MAX_FILE_PATHS_IN_PROGRESS,
    MAX_WILDCARDS_IN_PROGRESS,
    PathSet,
    covers,
    is_wildcard,
)
from candlefish_ops.errors import ValidationError

FREE_PATHS_PER_MONTH = 1000
PRICE_PER_PATH_USD = 0.005


@dataclass(frozen=True)
class InProgress:
    """An invalidation CloudFront is still working on."""

    invalidation_id: str
    paths: tuple[str, ...]


@dataclass(frozen=True)
class InvalidationPlan:
    environment: str
    distribution_id: str
    request: PathSet
    already_in_progress: str | None     # id of an in-progress invalidation that covers every path
    in_progress_files: int
    in_progress_wildcards: int

    @property
    def sends(self) -> bool:
        return self.already_in_progress is None

    @property
    def billable_paths(self) -> int:
        """CloudFront bills per path sent (a wildcard is one path) past the account's free 1,000 a month."""
        return len(self.request.paths) if self.sends else 0


def plan_invalidation(environment: str, distribution_id: str, request: PathSet,
                      in_progress: list[InProgress]) -> InvalidationPlan:
    """Decide; raises ValidationError when CloudFront would refuse with TooManyInvalidationsInProgress."""
    covering = _covering(request, in_progress)
    files = sum(1 for item in in_progress for path in item.paths if not is_wildcard(path))
    wildcards = sum(1 for item in in_progress for path in item.paths if is_wildcard(path))
    plan = InvalidationPlan(environment, distribution_id, request, covering, files, wildcards)
    if plan.sends:
        _check_limits(plan)
    return plan


def _covering(request: PathSet, in_progress: list[InProgress]) -> str | None:
    for item in in_progress:
        sent = set(item.paths)
        if all(path in sent or any(covers(other, path) for other in item.paths) for path in request.paths):
            return item.invalidation_id
    return None


def _check_limits(plan: InvalidationPlan) -> None:
    request = plan.request
    if plan.in_progress_files + request.files > MAX_FILE_PATHS_IN_PROGRESS:
        raise ValidationError(
            f"{request.files} file paths with {plan.in_progress_files} already in progress on distribution "
            f"{plan.distribution_id} exceed CloudFront's {MAX_FILE_PATHS_IN_PROGRESS}; use a wildcard "
            "(for example /images/*) or wait for the running invalidations (candlefish cdn invalidations)")
    if plan.in_progress_wildcards + request.wildcards > MAX_WILDCARDS_IN_PROGRESS:
        raise ValidationError(
            f"{request.wildcards} wildcard paths with {plan.in_progress_wildcards} already in progress on "
            f"distribution {plan.distribution_id} exceed CloudFront's {MAX_WILDCARDS_IN_PROGRESS}; use a "
            "wider wildcard or wait for the running invalidations (candlefish cdn invalidations)")
