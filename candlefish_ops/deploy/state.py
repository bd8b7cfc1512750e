"""The deploy's decisions for one stack, as a pure state machine: no AWS calls, no clock, no I/O.

The executor reads (DescribeStacks, GetTemplate, GetStackPolicy, DescribeChangeSet), asks these functions
what to do, does it and waits; every branch of a deploy is decided here and unit-tested
(tests/unit/deploy/test_state.py).

1. `settle(status)`: what the stack's current status allows: create it, update it, wait for a running
   operation, clean up an abandoned change set (REVIEW_IN_PROGRESS), delete and recreate a failed first
   create (ROLLBACK_COMPLETE, only with --recreate-failed), or stop with the fix.
2. `compare(deployed, wanted)`: whether an update can be skipped without a change set (the no-op check),
   asking for the template and the stack policy only when everything cheaper already matched.
3. `after_change_set(...)`: a computed change set is reviewed, deleted as empty, or failed.
4. `after_execution(...)`: the stack's status after executing a change set is a success or a failure.

CloudFormation's stack statuses:
https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_Stack.html (StackStatus).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, replace
from datetime import datetime
from enum import Enum, StrEnum
from typing import Mapping

UPDATABLE_STATUSES = frozenset({"CREATE_COMPLETE", "UPDATE_COMPLETE", "IMPORT_COMPLETE", "UPDATE_ROLLBACK_COMPLETE",
                                "IMPORT_ROLLBACK_COMPLETE"})
SUCCESS_STATUSES = frozenset({"CREATE_COMPLETE", "UPDATE_COMPLETE", "IMPORT_COMPLETE"})


class StatusClass(Enum):
    """A stack status, by what a deploy may do with it."""

    ABSENT = "absent"                        # no stack, or DELETE_COMPLETE
    IN_PROGRESS = "in progress"              # an operation runs (every *_IN_PROGRESS but REVIEW_IN_PROGRESS)
    REVIEW = "review"                        # REVIEW_IN_PROGRESS: a CREATE change set never executed
    ROLLBACK_COMPLETE = "rollback complete"  # a failed first create: can only be deleted
    UPDATABLE = "updatable"                  # a settled stack that takes a change set
    STUCK = "stuck"                          # *_FAILED: needs an operator first


class Action(StrEnum):
    """What a deploy does to a stack (the report's `action`)."""

    CREATE = "create"
    UPDATE = "update"
    RECREATE = "recreate"
    NONE = "none"


class Result(StrEnum):
    """How a stack's deploy ended (the report's `result`)."""

    PENDING = "pending"
    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"
    PLANNED = "planned"
    FAILED = "failed"
    SKIPPED = "skipped"
    INTERRUPTED = "interrupted"
    CANCELLED = "cancelled"


OK_RESULTS = frozenset({Result.CREATED, Result.UPDATED, Result.UNCHANGED, Result.PLANNED})
BLOCKING_RESULTS = frozenset({Result.FAILED, Result.SKIPPED, Result.INTERRUPTED})  # dependents are skipped


def classify(status: str | None) -> StatusClass:
    if status is None or status == "DELETE_COMPLETE":
        return StatusClass.ABSENT
    if status == "REVIEW_IN_PROGRESS":
        return StatusClass.REVIEW
    if status.endswith("_IN_PROGRESS"):
        return StatusClass.IN_PROGRESS
    if status == "ROLLBACK_COMPLETE":
        return StatusClass.ROLLBACK_COMPLETE
    if status in UPDATABLE_STATUSES:
        return StatusClass.UPDATABLE
    return StatusClass.STUCK


# -- 1. settle: what the stack's status allows ------------------------------------------------------


class Step(Enum):
    CREATE = "create"        # no stack: a CREATE change set
    UPDATE = "update"        # an UPDATE change set (or the no-op check first)
    WAIT = "wait"            # wait until the running operation ends, then decide again
    CLEAN_UP = "clean up"    # delete the stack an abandoned CREATE change set left, wait, then create
    RECREATE = "recreate"    # delete the ROLLBACK_COMPLETE stack, wait, then create (Action.RECREATE)
    FAIL = "fail"            # stop this stack; `message` says what to do


@dataclass(frozen=True)
class Settled:
    step: Step
    message: str = ""


def settle(status: str | None, *, recreate_failed: bool, stack_name: str, region: str) -> Settled:
    """The next step for a stack in `status` (None: no stack)."""
    found = classify(status)
    if found is StatusClass.ABSENT:
        return Settled(Step.CREATE)
    if found is StatusClass.IN_PROGRESS:
        return Settled(Step.WAIT, f"{status} (another operation is running)")
    if found is StatusClass.REVIEW:
        return Settled(Step.CLEAN_UP, "removing a leftover change set from an abandoned deploy")
    if found is StatusClass.ROLLBACK_COMPLETE:
        return _rollback_complete(recreate_failed)
    if found is StatusClass.UPDATABLE:
        return Settled(Step.UPDATE)
    return Settled(Step.FAIL, f"stack is {status}: fix it first (for UPDATE_ROLLBACK_FAILED, run "
                              f"`aws cloudformation continue-update-rollback --stack-name {stack_name} "
                              f"--region {region}`), then rerun the deploy")


def _rollback_complete(recreate_failed: bool) -> Settled:
    if recreate_failed:
        return Settled(Step.RECREATE, "recreating a stack left in ROLLBACK_COMPLETE")
    return Settled(Step.FAIL, "stack is ROLLBACK_COMPLETE after a failed first create and cannot be updated; "
                              "rerun with --recreate-failed to delete and create it again")


def change_set_kind(step: Step) -> str:
    """CloudFormation's ChangeSetType for a settled stack."""
    return "UPDATE" if step is Step.UPDATE else "CREATE"


def action_for(step: Step, recreated: bool) -> Action:
    if recreated:
        return Action.RECREATE
    return Action.UPDATE if step is Step.UPDATE else Action.CREATE


# -- 2. compare: the no-op check --------------------------------------------------------------------

NOT_READ = object()  # the template or policy has not been read yet (None means: the stack has none)


@dataclass(frozen=True)
class Deployed:
    """What the stack holds, as read back from CloudFormation."""

    parameters: Mapping[str, str]
    tags: Mapping[str, str]
    capabilities: frozenset[str]
    termination_protection: bool
    template_body: object = NOT_READ   # str | None (not a text body) | NOT_READ
    stack_policy: object = NOT_READ    # str | None (no policy) | NOT_READ


@dataclass(frozen=True)
class Wanted:
    """What an update would send and set."""

    template_body: str
    parameters: Mapping[str, str]      # every parameter, defaults included (as CloudFormation reports them)
    tags: Mapping[str, str]
    capabilities: frozenset[str]
    termination_protection: bool       # True: turn it on (a deploy never turns it off)
    stack_policy: str | None           # None: the environment sets none (and leaves any alone)
    force: bool = False


class Verdict(Enum):
    CHANGE_SET = "change set"          # something an update sends differs (or --force): make a change set
    READ_TEMPLATE = "read template"    # all else matched so far: read the deployed template, compare again
    READ_POLICY = "read policy"        # template matched too: read the stack policy, compare again
    SKIP = "skip"                      # nothing an update sends differs: no change set


class FollowUp(Enum):
    """Settings outside a change set, applied to an unchanged stack when they differ."""

    TERMINATION_PROTECTION = "termination protection"
    STACK_POLICY = "stack policy"


@dataclass(frozen=True)
class Comparison:
    verdict: Verdict
    follow_ups: frozenset[FollowUp] = frozenset()


def compare(deployed: Deployed, wanted: Wanted) -> Comparison:
    """Whether the stack can be left without a change set. Everything is read back from the stack, so a
    change made outside candlefish is never taken for a no-op; NoEcho values ("****") never match."""
    if wanted.force or not _sent_values_match(deployed, wanted):
        return Comparison(Verdict.CHANGE_SET)
    if deployed.template_body is NOT_READ:
        return Comparison(Verdict.READ_TEMPLATE)
    if deployed.template_body != wanted.template_body:
        return Comparison(Verdict.CHANGE_SET)
    if wanted.stack_policy is not None and deployed.stack_policy is NOT_READ:
        return Comparison(Verdict.READ_POLICY)
    return Comparison(Verdict.SKIP, follow_ups(deployed, wanted))


def revision(stack_id: str, last_updated: datetime | None) -> str:
    """Names one state of a stack: CloudFormation sets LastUpdatedTime whenever an update of the stack begins
    (CreationTime until the first one; https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/
    API_Stack.html), so the same revision read again means the same template was never replaced since."""
    return f"{stack_id}@{last_updated.isoformat() if last_updated else '-'}"


def record_digest(wanted: Wanted) -> str:
    """What a verified no-op record vouches for: the template body that was read back."""
    return hashlib.sha256(wanted.template_body.encode()).hexdigest()


def known_from_record(deployed: Deployed, wanted: Wanted, recorded: str | None) -> Deployed:
    """A record made when this very revision's template was read back equal to the one wanted now stands in
    for reading it again; any other record (or none) leaves it to be read. The stack policy is always read:
    SetStackPolicy moves no timestamp, so a policy changed by hand would go unnoticed."""
    if recorded is None or recorded != record_digest(wanted):
        return deployed
    return replace(deployed, template_body=wanted.template_body)


def worth_recording(deployed_before: Deployed, comparison: Comparison) -> bool:
    """Record a no-op only when the template was really read (not taken from a record)."""
    return comparison.verdict is Verdict.SKIP and deployed_before.template_body is NOT_READ


def _sent_values_match(deployed: Deployed, wanted: Wanted) -> bool:
    return (dict(deployed.parameters) == dict(wanted.parameters) and dict(deployed.tags) == dict(wanted.tags)
            and deployed.capabilities == wanted.capabilities)


def follow_ups(deployed: Deployed, wanted: Wanted) -> frozenset[FollowUp]:
    """What an unchanged stack still needs: termination protection turned on, the stack policy set."""
    needed = set()
    if wanted.termination_protection and not deployed.termination_protection:
        needed.add(FollowUp.TERMINATION_PROTECTION)
    if wanted.stack_policy is not None and not same_policy(deployed.stack_policy, wanted.stack_policy):
        needed.add(FollowUp.STACK_POLICY)
    return frozenset(needed)


def same_policy(deployed: object, wanted: str) -> bool:
    """Stack policies compared as JSON documents (whitespace and key order do not matter)."""
    if not isinstance(deployed, str):
        return False
    try:
        return json.loads(deployed) == json.loads(wanted)
    except ValueError:
        return False


# -- 3. after the change set is computed ------------------------------------------------------------


class Next(Enum):
    REVIEW = "review"        # changes to show, confirm and execute
    UNCHANGED = "unchanged"  # "no changes": delete the change set, the stack is unchanged
    FAIL = "fail"            # the change set FAILED for another reason: delete it (and a CREATE's stack)


@dataclass(frozen=True)
class ChangeSetSeen:
    """A computed change set; `created` False when CreateChangeSet itself answered "no changes"."""

    created: bool
    status: str = ""
    reason: str = ""
    no_changes: bool = False   # FAILED with CloudFormation's "didn't contain changes" / "No updates" reason


@dataclass(frozen=True)
class ChangeSetDecision:
    next: Next
    message: str = ""


def after_change_set(seen: ChangeSetSeen) -> ChangeSetDecision:
    if not seen.created or seen.no_changes:
        return ChangeSetDecision(Next.UNCHANGED)
    if seen.status != "CREATE_COMPLETE":
        return ChangeSetDecision(Next.FAIL, f"change set failed: {seen.reason or seen.status}")
    return ChangeSetDecision(Next.REVIEW)


# -- 4. after execution -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    result: Result
    hint: str = ""  # appended to the failure reasons


def after_execution(kind: str, status: str | None, carries_release: bool = False) -> Outcome:
    """The result of executing a `kind` (CREATE | UPDATE) change set, from the stack's final status
    (None: the stack is gone)."""
    if status in SUCCESS_STATUSES:
        return Outcome(Result.CREATED if kind == "CREATE" else Result.UPDATED)
    if status == "ROLLBACK_COMPLETE":
        return Outcome(Result.FAILED, " (rerun with --recreate-failed to start over)")
    if carries_release and status == "UPDATE_ROLLBACK_COMPLETE":
        return Outcome(Result.FAILED, "; CloudFormation rolled back, so the distribution keeps the previous "
                                      "Lambda@Edge versions (this release is not recorded)")
    return Outcome(Result.FAILED)

