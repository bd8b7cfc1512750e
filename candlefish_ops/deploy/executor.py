"""Carry out a DeployPlan: batch by batch, each stack through a change set, in parallel within a batch.

For each batch: prepare every stack (inspect its state, resolve parameters from earlier outputs, create
and describe a change set), show the changes, confirm, then execute and wait. A failed stack's
dependents are skipped; independent stacks carry on. Ctrl-C stops waiting (CloudFormation carries on by
itself), starts no further change set (queued work is cancelled and the cancel flag is checked right before
every ExecuteChangeSet), deletes change sets that were never executed, names the stacks whose execution had
begun, and says how to resume.
"""

from __future__ import annotations

import threading
import time
from concurrent.futures import FIRST_EXCEPTION, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from typing import Callable, Protocol, Sequence

from candlefish_ops.aws.cloudformation import (CAPABILITIES, ChangeSetResult, CloudFormation, ResourceChange,
                                               StackEvent, StackInfo)
from candlefish_ops.aws.retry import Backoff, poll
from candlefish_ops.config import Environment
from candlefish_ops.deploy import state
from candlefish_ops.deploy.plan import DeployPlan, StackTarget, reference_region
from candlefish_ops.deploy.state import Action, FollowUp, Result, Step, Verdict
from candlefish_ops.deploy.verified import VerifiedNoOps
from candlefish_ops.errors import Aborted, CandlefishError, CredentialsError
from candlefish_ops.stack_outputs import StackOutputs


# between reads of a stack being deployed: 1 s, 1.5 s, 2.25 s, ... up to 10 s; of a stack being deleted: 2 s
STACK_POLL = Backoff(first=1.0, factor=1.5, cap=10.0)
SURVEY_FRESH = 10.0  # seconds: a stack the survey found unchanged longer ago is read once more before it is skipped
DELETE_POLL = Backoff(first=2.0, factor=1.0, cap=2.0)


class Interrupted(CandlefishError):
    """Ctrl-C during a deploy."""

    exit_code = 130


class StackFailure(Exception):
    """One stack cannot proceed; the message says why and what to do."""


@dataclass
class StackResult:
    key: str
    region: str
    stack_name: str
    action: Action = Action.NONE
    result: Result = Result.PENDING
    duration: float = 0.0
    outputs: dict[str, str] = field(default_factory=dict)
    changes: tuple[ResourceChange, ...] = ()
    message: str = ""
    release: tuple = ()       # edge stacks: one FunctionChange per Lambda@Edge function
    release_id: str = ""      # edge stacks: the release record written after the deploy

    @property
    def ok(self) -> bool:
        return self.result in state.OK_RESULTS

    def to_dict(self) -> dict:
        return {
            "stack": self.key, "region": self.region, "stack_name": self.stack_name, "action": self.action,
            "result": self.result, "duration_s": round(self.duration, 2), "outputs": self.outputs,
            "changes": [{"action": c.action, "logical_id": c.logical_id, "type": c.resource_type,
                         "replacement": c.replacement} for c in self.changes],
            "message": self.message,
            **({"edge_release": {"release": self.release_id, "functions": [c.to_dict() for c in self.release]}}
               if self.release else {}),
        }


@dataclass
class DeployReport:
    environment: str
    planned: bool
    results: list[StackResult] = field(default_factory=list)

    @property
    def failed(self) -> bool:
        return any(not result.ok for result in self.results)

    def to_dict(self) -> dict:
        return {"environment": self.environment, "plan_only": self.planned, "ok": not self.failed,
                "stacks": [result.to_dict() for result in self.results]}


@dataclass
class Prepared:
    """A stack ready to execute (a change set with changes), or already finished (`result.result` set)."""

    target: StackTarget
    result: StackResult
    change_set_id: str = ""
    change_set_type: str = ""
    stack: StackInfo | None = None


@dataclass(frozen=True)
class Surveyed:
    """A stack the survey found unchanged: as read, with what it still needs and its edge release."""

    stack: StackInfo
    follow_ups: frozenset[FollowUp]
    release: tuple = ()
    read_at: float = 0.0  # time.monotonic() of the read


@dataclass(frozen=True)
class Survey:
    """Which stacks of a plan match what is deployed, found before anything changes (by label)."""

    unchanged: dict[str, Surveyed] = field(default_factory=dict)

    def changed(self, plan: DeployPlan) -> tuple[StackTarget, ...]:
        """The targets that may change: the preflight checks only these."""
        return tuple(target for target in plan.targets if target.label not in self.unchanged)


class DeployHooks(Protocol):
    """What the executor tells the user interface."""

    def state(self, target: StackTarget, state: str, detail: str = "") -> None: ...

    def event(self, target: StackTarget, event: StackEvent) -> None: ...

    def review(self, prepared: Sequence[Prepared]) -> None: ...

    def confirm(self, question: str, still_to_come: Sequence[str]) -> str:
        """Ask before executing a protected batch; `still_to_come` lists the stacks of later batches.
        Return "all" (go on without asking again) or "each" (ask again before every later batch);
        raise Aborted to cancel."""


class SilentHooks:
    """DeployHooks that show nothing and never ask (local bootstrap, benchmarks)."""

    def state(self, target: StackTarget, state: str, detail: str = "") -> None:
        pass

    def event(self, target: StackTarget, event: StackEvent) -> None:
        pass

    def review(self, prepared: Sequence[Prepared]) -> None:
        pass

    def confirm(self, question: str, still_to_come: Sequence[str]) -> str:
        return "all"


class DeployExecutor:
    def __init__(self, session, environment: Environment, hooks: DeployHooks, *, assume_yes: bool,
                 parallel: int = 4, recreate_failed: bool = False, wait_timeout: float = 1800,
                 artifacts: Callable[[StackTarget], str] | None = None, release=None, force: bool = False,
                 allow_replacement: frozenset[str] = frozenset(),
                 sleep: Callable[[float], None] = time.sleep, before_batch: Callable | None = None,
                 survey: Survey | None = None, verified: VerifiedNoOps | None = None) -> None:
        self._session = session
        self._environment = environment
        self._hooks = hooks
        self._assume_yes = assume_yes
        self._parallel = parallel
        self._recreate_failed = recreate_failed
        self._wait_timeout = wait_timeout
        self._artifacts = artifacts
        self._release = release
        self._force = force
        self._allow_replacement = allow_replacement
        self._real_sleep = sleep
        self._cancel = threading.Event()
        self._clients: dict[str, CloudFormation] = {}
        self._clients_lock = threading.Lock()
        self._outputs = StackOutputs(session, environment, cloudformation=self._cfn, usable=state.UPDATABLE_STATUSES)
        self._recreated: set[str] = set()
        self._approved_all = False
        self._unexecuted: dict[str, tuple[StackTarget, str]] = {}
        self._unexecuted_lock = threading.Lock()
        self._started: list[str] = []  # labels of stacks whose ExecuteChangeSet was sent
        self._started_lock = threading.Lock()
        # before_batch(batch, outputs_for): a check between batches (e.g. deploy/delegation_gate.py), also
        # called with () after the last batch; raising a CandlefishError stops the deploy there
        self._before_batch = before_batch
        self._survey = survey or Survey()  # stacks found unchanged before the run: not read again
        self._verified = verified or VerifiedNoOps()

    # -- the run -------------------------------------------------------------------------------------

    def run(self, plan: DeployPlan) -> DeployReport:
        report = DeployReport(plan.environment, planned=not plan.execute)
        results: dict[tuple[str, str], StackResult] = {}
        pool = ThreadPoolExecutor(max_workers=self._parallel, thread_name_prefix="deploy")
        try:
            for number, batch in enumerate(plan.batches, start=1):
                if self._before_batch is not None:
                    self._before_batch(batch, self._outputs.of)
                self._run_batch(pool, plan, number, results)
            if self._before_batch is not None:
                self._before_batch((), self._outputs.of)
        except KeyboardInterrupt:
            self._cancel.set()
            pool.shutdown(wait=True, cancel_futures=True)  # queued work never starts; workers stop at their next wait
            self._discard_unexecuted()
            raise Interrupted(self._interrupt_message(plan, results)) from None
        finally:
            pool.shutdown(wait=True)
            report.results = [results.get((t.key, t.region)) or StackResult(t.key, t.region, t.stack_name)
                              for t in plan.targets]
        return report

    def survey(self, plan: DeployPlan) -> Survey:
        """Before anything changes: the stacks that match what is deployed, read as the no-op check reads
        them (no change set, no wait, no write), so the preflight and the change sets are only for the others.
        A stack counts only when every stack it depends on does, since their outputs may still change."""
        unchanged: dict[str, Surveyed] = {}
        if self._force:
            return Survey(unchanged)
        with ThreadPoolExecutor(max_workers=self._parallel, thread_name_prefix="survey") as pool:
            for batch in plan.batches:
                candidates = [t for t in batch if self._dependencies_unchanged(t, plan, unchanged)]
                found = self._gather(pool, [pool.submit(self._survey_one, t) for t in candidates])
                unchanged.update({t.label: surveyed for t, surveyed in zip(candidates, found) if surveyed})
        return Survey(unchanged)

    @staticmethod
    def _dependencies_unchanged(target: StackTarget, plan: DeployPlan, unchanged: dict[str, Surveyed]) -> bool:
        return all(other.label in unchanged for other in plan.targets if other.key in target.depends_on)

    def _survey_one(self, target: StackTarget) -> Surveyed | None:
        cfn, read_at = self._cfn(target.region), time.monotonic()
        scratch = StackResult(target.key, target.region, target.stack_name)
        try:
            stack = cfn.describe_stack(target.stack_name)
            if stack is None or state.settle(stack.status, recreate_failed=self._recreate_failed, stack_name=
                                             target.stack_name, region=target.region).step is not Step.UPDATE:
                return None
            parameters = self._parameters(target, stack, False, scratch, quiet=True)
            comparison = self._compare(cfn, target, stack, parameters)
        except CredentialsError:
            raise
        except (_Unresolved, StackFailure, CandlefishError):
            return None  # the run finds out again, and says why
        if comparison.verdict is not Verdict.SKIP:
            return None
        self._outputs.remember(target.key, target.region, dict(stack.outputs))
        return Surveyed(stack, comparison.follow_ups, scratch.release, read_at)

    def _still_unchanged(self, cfn: CloudFormation, target: StackTarget) -> Surveyed | None:
        """The survey's finding, if it still holds. One read older than SURVEY_FRESH (earlier batches ran
        meanwhile) is checked with a DescribeStacks: any update since then moved the stack's revision."""
        surveyed = self._survey.unchanged.get(target.label)
        if surveyed is None or time.monotonic() - surveyed.read_at <= SURVEY_FRESH:
            return surveyed
        now = cfn.describe_stack(target.stack_name)
        if now is None or now.status != surveyed.stack.status or state.revision(now.stack_id, now.last_updated) != \
                state.revision(surveyed.stack.stack_id, surveyed.stack.last_updated):
            return None
        return replace(surveyed, stack=now)

    def _discard_unexecuted(self) -> None:
        """After Ctrl-C: delete the change sets that were created but never executed (best effort)."""
        with self._unexecuted_lock:
            leftovers, self._unexecuted = dict(self._unexecuted), {}
        for change_set_id, (target, kind) in leftovers.items():
            try:
                self._discard_ids(self._cfn(target.region), target, change_set_id, kind)
            except CandlefishError:
                pass  # the message tells the user to rerun, which cleans up leftovers anyway

    def _run_batch(self, pool, plan: DeployPlan, number: int, results) -> None:
        batch, runnable = plan.batches[number - 1], []
        for target in batch:
            blocker = self._failed_dependency(target, results)
            if blocker:
                results[(target.key, target.region)] = StackResult(
                    target.key, target.region, target.stack_name, result=Result.SKIPPED,
                    message=f"skipped: dependency {blocker} did not deploy")
                self._hooks.state(target, "SKIPPED", f"dependency {blocker} did not deploy")
            else:
                runnable.append(target)
        prepared = self._gather(pool, [pool.submit(self._prepare, t, plan.execute) for t in runnable])
        for item in prepared:
            results[(item.target.key, item.target.region)] = item.result
        pending = [item for item in prepared if item.change_set_id]
        self._hooks.review(prepared)
        pending = self._replacement_gate(pool, pending, plan.execute)
        if not pending:
            return
        if not plan.execute:
            self._gather(pool, [pool.submit(self._discard, item, Result.PLANNED) for item in pending])
            return
        self._confirm(plan, pending, number)
        self._gather(pool, [pool.submit(self._execute, item) for item in pending])

    def _replacement_gate(self, pool, pending: list[Prepared], execute: bool) -> list[Prepared]:
        """Refuse change sets that replace or remove stateful resources not named by --allow-replacement
        (under --plan, say so); the refused change sets are deleted, their stacks fail."""
        from candlefish_ops.deploy.guard import refusal_message, refused

        refusals = {id(item): refused(item.result.changes, self._allow_replacement) for item in pending}
        for item in pending:
            if refusals[id(item)]:
                item.result.message = refusal_message(refusals[id(item)], planned=not execute)
                if execute:
                    self._hooks.state(item.target, "REFUSED", item.result.message)
        if not execute:
            return pending
        self._gather(pool, [pool.submit(self._discard, item, Result.FAILED) for item in pending if refusals[id(item)]])
        return [item for item in pending if not refusals[id(item)]]

    def _confirm(self, plan: DeployPlan, pending: Sequence[Prepared], number: int) -> None:
        """One question for the whole deploy (after the first batch's diff, naming the stacks still to
        come), or one per batch when the answer was "each"."""
        if not plan.protected or self._approved_all:
            return
        names = ", ".join(item.target.label for item in pending)
        later = [target.label for batch in plan.batches[number:] for target in batch]
        question = f"{plan.environment} (batch {number}/{len(plan.batches)}): execute change sets for {names}"
        try:
            answer = self._hooks.confirm(question + (" and the later batches?" if later else "?"), later)
        except BaseException as stop:
            for item in pending:
                self._discard(item, Result.CANCELLED)
            if isinstance(stop, Aborted) and number > 1:
                done = "batch 1 was" if number == 2 else f"batches 1-{number - 1} were"
                raise Aborted(f"cancelled before batch {number}/{len(plan.batches)}: {done} deployed, nothing "
                              f"after; rerun `candlefish deploy {plan.environment}` to continue") from None
            raise
        self._approved_all = answer != "each"

    def _gather(self, pool, futures: list[Future]) -> list:
        """Wait for every future; short waits keep the main thread responsive to Ctrl-C."""
        pending = set(futures)
        while pending:
            done, pending = wait(pending, timeout=0.25, return_when=FIRST_EXCEPTION)
            for future in done:
                if future.exception() is not None and not isinstance(future.exception(), _Cancelled):
                    raise future.exception()
        return [future.result() for future in futures if future.exception() is None]

    # -- one stack -----------------------------------------------------------------------------------

    def _prepare(self, target: StackTarget, execute: bool) -> Prepared:
        result = StackResult(target.key, target.region, target.stack_name)
        started = time.monotonic()
        try:
            prepared = self._prepare_change_set(target, result, execute)
        except StackFailure as failure:
            result.result, result.message = Result.FAILED, str(failure)
            self._hooks.state(target, "FAILED", str(failure))
            prepared = Prepared(target, result)
        except CredentialsError:
            raise  # nothing can deploy without credentials: stop the whole run with one line
        except CandlefishError as error:
            result.result, result.message = Result.FAILED, str(error)
            self._hooks.state(target, "FAILED", str(error))
            prepared = Prepared(target, result)
        result.duration = time.monotonic() - started
        return prepared

    def _prepare_change_set(self, target: StackTarget, result: StackResult, execute: bool) -> Prepared:
        cfn = self._cfn(target.region)
        self._hooks.state(target, "CHECKING")
        surveyed = self._still_unchanged(cfn, target)
        if surveyed is not None:
            result.release = surveyed.release
            return self._unchanged(cfn, target, result, surveyed.stack, surveyed.follow_ups, execute)
        stack, step = self._settled_stack(cfn, target)
        kind = state.change_set_kind(step)
        result.action = state.action_for(step, recreated=target.label in self._recreated)
        try:
            parameters = self._parameters(target, stack, execute, result)
        except _Unresolved as missing:
            result.result, result.message = Result.PLANNED, str(missing)
            self._hooks.state(target, "PLANNED", str(missing))
            return Prepared(target, result, stack=stack)
        if stack is not None:
            comparison = self._compare(cfn, target, stack, parameters)
            if comparison.verdict is Verdict.SKIP:
                return self._unchanged(cfn, target, result, stack, comparison.follow_ups, execute)
        self._hooks.state(target, "CHANGE SET")
        return self._computed(cfn, target, result, stack, kind, parameters, execute)

    def _computed(self, cfn: CloudFormation, target: StackTarget, result: StackResult, stack: StackInfo | None,
                  kind: str, parameters: dict[str, str], execute: bool) -> Prepared:
        """Create the change set and act on what CloudFormation computed."""
        change_set = self._create_change_set(cfn, target, kind, parameters)
        seen = state.ChangeSetSeen(created=change_set is not None, status=change_set.status if change_set else "",
                                   reason=change_set.reason if change_set else "",
                                   no_changes=bool(change_set and change_set.empty))
        decision = state.after_change_set(seen)
        if decision.next is state.Next.UNCHANGED:
            if change_set is not None:
                self._forget(change_set.change_set_id)
                cfn.delete_change_set(change_set.change_set_id)
            follow_ups = self._follow_ups(cfn, target, stack, parameters)
            return self._unchanged(cfn, target, result, stack, follow_ups, execute)
        if decision.next is state.Next.FAIL:
            self._discard_ids(cfn, target, change_set.change_set_id, kind)
            raise StackFailure(decision.message)
        result.changes = change_set.changes
        self._hooks.state(target, "REVIEW", f"{len(change_set.changes)} change(s)")
        return Prepared(target, result, change_set.change_set_id, kind, stack)

    # -- the no-op check: read only what the state machine asks for ---------------------------------

    def _wanted(self, target: StackTarget, parameters: dict[str, str]) -> state.Wanted:
        return state.Wanted(
            template_body=target.template.body, parameters={**dict(target.template.defaults), **parameters},
            tags=dict(target.tags), capabilities=frozenset(CAPABILITIES),
            termination_protection=target.termination_protection, stack_policy=self._wanted_policy(),
            force=self._force)

    @staticmethod
    def _deployed(stack: StackInfo) -> state.Deployed:
        return state.Deployed(parameters=stack.parameters, tags=stack.tags, capabilities=stack.capabilities,
                              termination_protection=stack.termination_protection)

    def _compare(self, cfn: CloudFormation, target: StackTarget, stack: StackInfo,
                 parameters: dict[str, str]) -> state.Comparison:
        """A no-op costs DescribeStacks + GetTemplate (+ GetStackPolicy where a policy is set) instead of a
        change set's four calls, and no GetTemplate while the stack's revision is one whose template was
        verified before (deploy/verified.py); --force never skips."""
        wanted, revision = self._wanted(target, parameters), state.revision(stack.stack_id, stack.last_updated)
        before = deployed = state.known_from_record(self._deployed(stack), wanted, self._verified.digest(revision))
        while True:
            comparison = state.compare(deployed, wanted)
            if comparison.verdict is Verdict.READ_TEMPLATE:
                deployed = replace(deployed, template_body=cfn.template_body(target.stack_name))
            elif comparison.verdict is Verdict.READ_POLICY:
                deployed = replace(deployed, stack_policy=cfn.stack_policy(target.stack_name))
            else:
                if state.worth_recording(before, comparison):
                    self._verified.remember(revision, state.record_digest(wanted))
                return comparison

    def _follow_ups(self, cfn: CloudFormation, target: StackTarget, stack: StackInfo | None,
                    parameters: dict[str, str]) -> frozenset[FollowUp]:
        """An unchanged stack found through an empty change set: read the policy only where one is set."""
        if stack is None:
            return frozenset()
        deployed, wanted = self._deployed(stack), self._wanted(target, parameters)
        if wanted.stack_policy is not None:
            deployed = replace(deployed, stack_policy=cfn.stack_policy(target.stack_name))
        return state.follow_ups(deployed, wanted)

    def _wanted_policy(self, exempt=()) -> str | None:
        """The stack policy of a protected environment (None: the environment sets none)."""
        if not self._environment.protected:
            return None
        from candlefish_ops.deploy.guard import stack_policy

        return stack_policy(exempt)

    def _unchanged(self, cfn: CloudFormation, target: StackTarget, result: StackResult, stack: StackInfo | None,
                   follow_ups: frozenset[FollowUp], execute: bool) -> Prepared:
        result.action, result.result = Action.NONE, Result.UNCHANGED
        result.outputs = dict(stack.outputs) if stack else {}
        self._outputs.remember(target.key, target.region, result.outputs)
        if FollowUp.TERMINATION_PROTECTION in follow_ups:
            cfn.set_termination_protection(target.stack_name, True)
        if FollowUp.STACK_POLICY in follow_ups:
            if execute:
                cfn.set_stack_policy(target.stack_name, self._wanted_policy())
            self._hooks.state(target, "STACK POLICY", ("set" if execute else "would set") +
                              " the policy that denies replacing or deleting stateful resources")
        self._record_release(target, result, executed=False)
        self._hooks.state(target, "UNCHANGED")
        return Prepared(target, result, stack=stack)

    def _create_change_set(self, cfn: CloudFormation, target: StackTarget, kind: str,
                           parameters: dict[str, str]) -> ChangeSetResult | None:
        name = "candlefish-" + datetime.now(timezone.utc).strftime("%Y%m%d-%H%M%S-%f")
        source = {"template_body": target.template.body}
        if target.template.needs_upload:
            if self._artifacts is None:
                raise StackFailure(f"template {target.template.path.name} is {target.template.size} bytes "
                                   "(over 51,200) and no artifacts bucket is available")
            source = {"template_url": self._artifacts(target)}
        change_set_id = cfn.create_change_set(target.stack_name, name, change_set_type=kind,
                                              parameters=parameters, tags=dict(target.tags), **source)
        if change_set_id is None:
            return None
        with self._unexecuted_lock:
            self._unexecuted[change_set_id] = (target, kind)
        return cfn.wait_for_change_set(change_set_id)

    def _execute(self, item: Prepared) -> None:
        """Execute one change set and wait; a failure here fails this stack only."""
        try:
            self._execute_and_wait(item)
        except CredentialsError:
            raise
        except (StackFailure, CandlefishError) as failure:
            item.result.result, item.result.message = Result.FAILED, str(failure)
            self._hooks.state(item.target, "FAILED", str(failure))
        except KeyboardInterrupt:  # raised in this worker (e.g. by a hook): start nothing after it
            self._cancel.set()
            raise

    def _execute_and_wait(self, item: Prepared) -> None:
        target, result = item.target, item.result
        cfn = self._cfn(target.region)
        started = time.monotonic()
        since = datetime.now(timezone.utc)
        with self._started_lock:  # after Ctrl-C nothing new starts; what did start is named
            if self._cancel.is_set():
                raise _Cancelled()
            self._started.append(target.label)
        self._forget(item.change_set_id)
        if item.change_set_type == "UPDATE":
            self._guard(cfn, target, exempt=[c.logical_id for c in result.changes
                                             if self._destructive_allowed(c)])
        cfn.execute_change_set(item.change_set_id)
        self._hooks.state(target, f"{item.change_set_type}_IN_PROGRESS")
        stack = self._wait_for_stack(cfn, target, since)
        result.duration += time.monotonic() - started
        outcome = state.after_execution(item.change_set_type, stack.status if stack else None, bool(result.release))
        if outcome.result is not Result.FAILED:
            result.result = outcome.result
            result.outputs = dict(stack.outputs)
            self._outputs.remember(target.key, target.region, result.outputs)
            self._protect(cfn, target, stack)
            self._guard(cfn, target)
            self._record_release(target, result, executed=True)
            self._hooks.state(target, stack.status)
            return
        result.result = Result.FAILED
        result.message = self._failure_reasons(cfn, target, stack, since) + outcome.hint
        self._hooks.state(target, stack.status if stack else "DELETED", result.message)

    def _forget(self, change_set_id: str) -> None:
        with self._unexecuted_lock:
            self._unexecuted.pop(change_set_id, None)

    def _discard(self, item: Prepared, outcome: Result) -> None:
        """Delete a change set that will not be executed (and the empty stack a CREATE one made)."""
        self._discard_ids(self._cfn(item.target.region), item.target, item.change_set_id, item.change_set_type)
        item.result.result = outcome
        self._hooks.state(item.target, outcome.upper())

    def _discard_ids(self, cfn: CloudFormation, target: StackTarget, change_set_id: str, kind: str) -> None:
        self._forget(change_set_id)
        cfn.delete_change_set(change_set_id)
        if kind == "CREATE":
            cfn.delete_stack(target.stack_name)

    # -- stack state ---------------------------------------------------------------------------------

    def _settled_stack(self, cfn: CloudFormation, target: StackTarget) -> tuple[StackInfo | None, Step]:
        """The stack as it can be changed now (None: to be created) and the step the state machine chose:
        running operations are waited for, leftovers cleaned up, a failed first create recreated."""
        stack = cfn.describe_stack(target.stack_name)
        while True:
            settled = state.settle(stack.status if stack else None, recreate_failed=self._recreate_failed,
                                   stack_name=target.stack_name, region=target.region)
            if settled.step is Step.WAIT:
                self._hooks.state(target, "WAITING", settled.message)
                stack = self._wait_for_stack(cfn, target, datetime.now(timezone.utc), report_events=False)
                continue
            if settled.step is Step.FAIL:
                raise StackFailure(settled.message)
            if settled.step in (Step.CLEAN_UP, Step.RECREATE):
                self._hooks.state(target, "CLEANUP" if settled.step is Step.CLEAN_UP else "DELETING", settled.message)
                self._delete_and_wait(cfn, target)
                if settled.step is Step.RECREATE:
                    self._recreated.add(target.label)
                return None, Step.CREATE
            return (stack if settled.step is Step.UPDATE else None), settled.step

    def _delete_and_wait(self, cfn: CloudFormation, target: StackTarget) -> None:
        cfn.delete_stack(target.stack_name)

        def failed(stack: StackInfo, _waited: float) -> StackFailure:
            return StackFailure(f"could not delete the stack ({stack.status}: {stack.status_reason})")

        stack = poll(lambda: cfn.describe_stack(target.stack_name),
                     lambda stack: stack is None or stack.status == "DELETE_FAILED", timeout=self._wait_timeout,
                     backoff=DELETE_POLL, expired=failed, sleep=self._sleep)
        if stack is not None:
            raise failed(stack, 0.0)

    def _wait_for_stack(self, cfn: CloudFormation, target: StackTarget, since: datetime,
                        report_events: bool = True) -> StackInfo | None:
        seen: set = set()

        def settled(stack: StackInfo | None) -> bool:
            return stack is None or not stack.status.endswith("_IN_PROGRESS")

        def events(stack: StackInfo | None, _waited: float) -> None:
            if report_events and not settled(stack):
                self._report_events(cfn, target, since, seen)

        return poll(lambda: cfn.describe_stack(target.stack_name), settled, timeout=self._wait_timeout,
                    backoff=STACK_POLL, sleep=self._sleep, seen=events,
                    expired=lambda stack, _waited: StackFailure(
                        f"still {stack.status} after {self._wait_timeout:.0f}s; CloudFormation carries on: rerun "
                        "the deploy later to pick up from there"))

    def _report_events(self, cfn, target, since, seen: set) -> None:
        for event in reversed(cfn.events(target.stack_name, limit=20)):
            if event.event_id not in seen and event.timestamp >= since:
                seen.add(event.event_id)
                self._hooks.event(target, event)

    def _failure_reasons(self, cfn, target, stack, since: datetime) -> str:
        events = [e for e in cfn.events(target.stack_name) if e.timestamp >= since]
        reasons = [f"{e.logical_id} ({e.resource_type}): {e.reason}" for e in events
                   if e.status.endswith("_FAILED") and e.reason]
        status = stack.status if stack else "deleted"
        detail = "; ".join(reversed(reasons)) or (stack.status_reason if stack else "") or "no reason given"
        return f"{status}: {detail}"

    def _protect(self, cfn: CloudFormation, target: StackTarget, stack: StackInfo | None) -> None:
        if target.termination_protection and not (stack and stack.termination_protection):
            cfn.set_termination_protection(target.stack_name, True)

    def _guard(self, cfn: CloudFormation, target: StackTarget, exempt=()) -> None:
        """Protected environments: the stack policy that denies replacing or deleting stateful resources,
        set before an update (leaving out what --allow-replacement allowed) and after every change (an
        unchanged stack gets it through the no-op check's follow-ups)."""
        policy = self._wanted_policy(exempt)
        if policy is not None:
            cfn.set_stack_policy(target.stack_name, policy)

    def _destructive_allowed(self, change: ResourceChange) -> bool:
        from candlefish_ops.deploy.guard import destructive, key

        return destructive(change) and key(change) in self._allow_replacement

    # -- parameters and outputs ----------------------------------------------------------------------

    def _parameters(self, target: StackTarget, stack: StackInfo | None, execute: bool, result: StackResult,
                    quiet: bool = False) -> dict[str, str]:
        """Every parameter the stack gets: from config and earlier outputs, the WAF IP sets, the edge release."""
        parameters = self._resolve(target, execute)
        parameters.update(self._ip_set_parameters(target, execute))
        parameters.update(self._release_parameters(target, stack, parameters, execute, result, quiet))
        return parameters

    def _ip_set_parameters(self, target: StackTarget, execute: bool) -> dict[str, str]:
        """The WAF IP sets the stack's web ACL references, outside CloudFormation: found by name, or created
        empty (not under --plan); their addresses are never written here."""
        if not target.ip_set_parameters:
            return {}
        from candlefish_ops.waf.ip_sets import ip_set_parameters

        arns, created, missing = ip_set_parameters(self._session, self._environment.waf, target.ip_set_parameters,
                                                   dict(target.tags), create=execute)
        if created:
            self._hooks.state(target, "IP SETS", f"created (empty, owned by candlefish waf): {', '.join(created)}")
        if missing:
            raise _Unresolved(f"parameters wait for the WAF IP sets {', '.join(missing)} (the deploy creates them)")
        return arns

    def _release_parameters(self, target: StackTarget, stack: StackInfo | None, resolved: dict[str, str],
                            execute: bool, result: StackResult, quiet: bool = False) -> dict[str, str]:
        """The edge release step, right before the edge stack's change set: package, upload, parameters."""
        if not target.release_parameters:
            return {}
        if self._release is None:
            raise StackFailure("this stack carries Lambda@Edge functions and no edge release step was given")
        if not quiet:
            self._hooks.state(target, "PACKAGING", "Lambda@Edge functions")
        parameters, result.release = self._release.parameters(
            target, stack.parameters if stack else {}, resolved, self._outputs.of, upload=execute)
        changed = [c.name for c in result.release if c.status != "unchanged"]
        if not quiet:
            self._hooks.state(target, "PACKAGED", f"changed: {', '.join(changed)}" if changed else "no function changed")
        return parameters

    def _record_release(self, target: StackTarget, result: StackResult, executed: bool) -> None:
        if not result.release or self._release is None:
            return
        try:
            result.release_id = self._release.record(target, result.outputs, result.release, executed)
        except CandlefishError as error:
            result.message = f"deployed, but the edge release was not recorded ({error}); rerun the deploy to record it"

    def _resolve(self, target: StackTarget, execute: bool) -> dict[str, str]:
        return {name: value.resolve(lambda ref: self._output_value(target, ref, execute))
                for name, value in target.parameters.items()}

    def _output_value(self, target: StackTarget, ref, execute: bool) -> str:
        source = self._environment.stacks[ref.stack]
        region = reference_region(ref, target.region, source.regions)
        outputs = self._outputs.of(ref.stack, region)
        if outputs is None:
            if not execute:
                raise _Unresolved(f"parameters wait for {ref} (stack {ref.stack} not deployed yet)")
            raise StackFailure(f"{ref}: stack {source.stack_name} does not exist in {region}; deploy "
                               f"{ref.stack} first (or drop --only)")
        if ref.output not in outputs:
            raise StackFailure(f"{ref}: stack {source.stack_name} ({region}) has no output {ref.output!r}")
        return outputs[ref.output]

    # -- plumbing ------------------------------------------------------------------------------------

    def _cfn(self, region: str) -> CloudFormation:
        with self._clients_lock:
            if region not in self._clients:
                self._clients[region] = CloudFormation(self._session, region, sleep=self._sleep)
            return self._clients[region]

    def _sleep(self, seconds: float) -> None:
        """Sleep that ends early, with _Cancelled, once Ctrl-C was pressed."""
        if self._real_sleep is time.sleep:
            self._cancel.wait(seconds)
        elif not self._cancel.is_set():
            self._real_sleep(seconds)
        if self._cancel.is_set():
            raise _Cancelled()

    @staticmethod
    def _failed_dependency(target: StackTarget, results) -> str | None:
        for (key, region), result in results.items():
            if key in target.depends_on and result.result in state.BLOCKING_RESULTS:
                return f"{key} ({region})"
        return None

    def _interrupt_message(self, plan: DeployPlan, results) -> str:
        with self._started_lock:
            started = set(self._started)
        begun = [(t.label, results[(t.key, t.region)].result) for t in plan.targets
                 if t.label in started and (t.key, t.region) in results]
        running = [label for label, result in begun if result is Result.PENDING]
        finished = [f"{label} {result}" for label, result in begun if result is not Result.PENDING]
        said = f"; CloudFormation carries on with {', '.join(running)} (execution had begun)" if running else ""
        said += f"; finished before it: {', '.join(finished)}" if finished else ""
        return (f"interrupted: stopped waiting and started no further change set{said}. AWS is consistent; "
                f"rerun `candlefish deploy {plan.environment}` to resume (it waits for running stacks first)")


class _Unresolved(Exception):
    """A parameter refers to an output that does not exist yet (only under --plan)."""


class _Cancelled(Exception):
    """Raised inside worker threads once Ctrl-C was pressed."""
