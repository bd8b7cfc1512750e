"""Reading, planning and executing WAF IP set changes, with a ledger that cannot drift from WAF.

Crash-safety protocol (WAF is the truth about membership; the ledger is metadata plus in-flight intent):

1. Read. For each IP set involved: `GetIPSet` (addresses + LockToken) FIRST, then query the set's live ledger
   partition (never its history: see `candlefish_ops.waf.ledger` for the layout).
   (In this order, an address another operator is adding is either absent from our WAF read, or its
   "adding" ledger item, written before its WAF write, is already visible to our ledger read.)
2. Reconcile (pure): the ledger fixes that would make it agree with WAF. Entries changed less than
   `waf.pending_grace_seconds` ago are left alone (another operator may be mid-way, and a WAF read may lag
   behind a write), except that an intent WAF already shows done is completed:
   - "adding" and in WAF                -> "active" (the add succeeded; the crash came before step 6)
   - "removing" and not in WAF          -> "removed" (keeps who removed it and why)
   - "adding", not in WAF, settled      -> deleted (the add never reached WAF)
   - "removing", still in WAF, settled  -> "active" again (the removal never reached WAF)
   - "active", not in WAF, settled      -> "removed" ("removed outside candlefish")
   - "removed", in WAF, settled         -> history; "active", origin "unknown"
   - "removed", settled                 -> moved to the history partition
   - in WAF without any ledger item     -> "active", origin "unknown"
   Read-only commands (`list`, `export`) show the reconciled view and write nothing.
3. Plan (pure, `candlefish_ops.waf.plan`) and validate everything; nothing has been written yet.
4. Write the repairs, each conditional on its ledger item being unchanged since step 1 (a repair whose item
   changed meanwhile is skipped: the next command decides again on fresh reads).
5. Write intent: the ledger items of the change as "adding" / "removing" (BatchWriteItem, 25 a request).
6. Write WAF: `UpdateIPSet` with the LockToken from step 1; on `WAFOptimisticLockException` re-read and
   re-apply the same change (add these, remove those) with jittered backoff, a bounded number of times,
   so a concurrent operator's entries are never lost.
7. Settle: the same items as "active" / "removed" (removed items carry a `ttl` for DynamoDB TTL).

A crash between any two steps leaves a state that step 2 of the next writing command (including the cron-run
`prune`) resolves, without losing the reason, the author or the expiry of an entry that did reach WAF. If
step 6 fails cleanly (limit, retries exhausted), the intent items are rolled back at once.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Callable, Sequence

from candlefish_ops.waf.config import SET_KINDS, VERSIONS
from candlefish_ops.errors import CandlefishError, ValidationError
from candlefish_ops.gate import Gate
from candlefish_ops.stack_outputs import IP_SET_ARNS, WAF_LEDGER_TABLE, StackOutputs
from candlefish_ops.waf import plan as planner
from candlefish_ops.waf.addresses import NetworkIndex, Request, parse_batch, version_of
from candlefish_ops.waf.expiry import utc_now
from candlefish_ops.waf.ledger import (ACTIVE, LIVE, REMOVED, LedgerEntry, ReconcileClock, Repair, apply_repairs,
                                       entry_from_item, history_partition, partition, reconcile, removed)
from candlefish_ops.waf.plan import SetChange, SetView, Stamp, WafPlan




@dataclass(frozen=True)
class SetResult:
    kind: str
    version: str
    name: str
    added: tuple[str, ...]
    removed: tuple[str, ...]
    lock_conflicts: int
    size: int


@dataclass(frozen=True)
class WafResult:
    plan: WafPlan
    sets: tuple[SetResult, ...]
    repaired: tuple[Repair, ...] = ()  # the plan's repairs that were written
    unrepaired: tuple[Repair, ...] = ()  # skipped: their ledger item changed after it was read

    def to_dict(self) -> dict:
        plan = self.plan
        return {
            "environment": plan.environment, "action": plan.action,
            "changes": [{"set": r.kind, "version": r.version, "ip_set": r.name, "added": list(r.added),
                         "removed": list(r.removed), "lock_conflicts": r.lock_conflicts, "entries": r.size}
                        for r in self.sets],
            "skipped": [{"address": s.address, "why": s.why} for s in plan.skipped],
            "warnings": list(plan.warnings),
            "reconciled": [{"address": r.address, "action": r.action} for r in self.repaired],
            "reconcile_skipped": [{"address": r.address, "action": r.action} for r in self.unrepaired],
            "capacity_left": dict(plan.capacity),
        }


class WafManager:
    """`candlefish waf` for one environment: plans against live state, executes with the protocol above."""

    def __init__(self, session, environment, sleep: Callable[[float], None] = time.sleep,
                 clock: Callable[[], datetime] = utc_now, gate: Gate | None = None) -> None:
        from candlefish_ops.aws.wafv2 import WafV2

        self.environment = environment
        self.config = environment.waf
        self.waf = WafV2(session, self.config.region, self.config.scope, sleep=sleep)
        self._session = session
        self._clock = clock
        self._sleep = sleep
        self._outputs: dict[str, str] | None = None
        self._refs = None
        self._table = None
        self._caller = None
        self._gate = gate or Gate()

    # ---- reading -------------------------------------------------------------------------------------------

    def caller(self) -> str:
        """The caller's ARN (the ledger's "who"); refuses another account than the config's `account_id`
        before anything is read or repaired."""
        if self._caller is None:
            self._caller = self._gate.identity(self._session, self.environment)["arn"]
        return self._caller

    def _security_outputs(self) -> dict[str, str]:
        """Outputs of the security stack (`waf.security_stack`), {} when the environment has none deployed."""
        if self._outputs is None:
            key = self.config.security_stack
            found = (StackOutputs(self._session, self.environment, self._sleep).of(key)
                     if key in self.environment.stacks else None)
            self._outputs = found or {}
        return self._outputs

    def _ref(self, kind: str, version: str):
        """The IP set: by the ARN in the security stack's outputs (unless the config names it), else found by
        name and scope with ListIPSets."""
        if self._refs is None:
            from candlefish_ops.aws.wafv2 import ref_from_arn

            refs, wanted = {}, []
            for key, output in IP_SET_ARNS.items():
                ref = None if key in self.config.explicit else ref_from_arn(self._security_outputs().get(output, ""))
                if ref is not None:
                    refs[key] = ref
                else:
                    wanted.append(key)
            if wanted:
                found = self.waf.find_ip_sets([self.config.ip_sets[key] for key in wanted])
                refs.update({key: found[self.config.ip_sets[key]] for key in wanted})
            self._refs = refs
        return self._refs[f"{kind}_{version}"]

    @property
    def table(self):
        """The ledger: the config's table if named there, else the security stack's WafLedgerTableName."""
        if self._table is None:
            from candlefish_ops.aws.dynamodb import DynamoTable

            name = self.config.ledger_table
            if "ledger_table" not in self.config.explicit:
                name = self._security_outputs().get(WAF_LEDGER_TABLE) or name
            self._table = DynamoTable(self._session, self.config.region, name, sleep=self._sleep)
        return self._table

    def load(self, kind: str, version: str) -> SetView:
        """Read one set (WAF first, then its live ledger partition) and reconcile them in memory (no write)."""
        state = self.waf.get_ip_set(self._ref(kind, version))
        entries = [entry_from_item(item) for item in self.table.query_partition("pk", partition(kind, version))]
        repairs = reconcile(kind, version, state.addresses, entries, self._reconcile_clock())
        return SetView(kind, version, state.ref.name, state, apply_repairs(entries, repairs), tuple(repairs))

    def history(self, kind: str, version: str) -> list[LedgerEntry]:
        """The removals recorded in the history partition of one set (only `list --all` reads them)."""
        return [entry_from_item(item) for item in self.table.query_partition("pk", history_partition(kind, version))]

    def _reconcile_clock(self) -> ReconcileClock:
        return ReconcileClock(self._clock(), timedelta(seconds=self.config.pending_grace_seconds),
                              timedelta(days=self.config.removed_retention_days))

    def write_repairs(self, repairs: Sequence[Repair]) -> tuple[list[Repair], list[Repair]]:
        """Write the repairs, each only if its ledger item is unchanged since it was read: (written, skipped)."""
        self.table.put_items(r.archive.history_item() for r in repairs if r.archive is not None)
        written, skipped = [], []
        for repair in repairs:
            (written if self._write_repair(repair) else skipped).append(repair)
        return written, skipped

    def _write_repair(self, repair: Repair) -> bool:
        seen = repair.seen.as_read() if repair.seen is not None else None
        if repair.put is not None:
            return self.table.put_if_unchanged(repair.put.to_item(), seen)
        return self.table.delete_if_unchanged(repair.delete, seen)

    def entries(self, kinds: Sequence[str], include_removed: bool = False) -> tuple[list[LedgerEntry], list[Repair]]:
        """Every entry of these sets, reconciled in memory (the truth of WAF with the ledger's metadata), and the
        repairs a writing command would make. Writes nothing."""
        self.caller()
        found, repairs = [], []
        for kind in kinds:
            for version in VERSIONS:
                view = self.load(kind, version)
                repairs.extend(view.repairs)
                found.extend(e for e in view.ledger.values() if include_removed or e.status in LIVE)
                if include_removed:
                    found.extend(self._unseen_history(kind, version, view))
        return sorted(found, key=lambda e: (e.kind, e.version, e.address, e.removed_at or "")), repairs

    def _unseen_history(self, kind: str, version: str, view: SetView) -> list[LedgerEntry]:
        """History records, without the removals still shown by a tombstone of the live partition."""
        shown = {(e.address, e.removed_at) for e in view.ledger.values() if e.status == REMOVED}
        return [e for e in self.history(kind, version) if (e.address, e.removed_at) not in shown]

    # ---- planning ------------------------------------------------------------------------------------------

    def plan_add(self, kind: str, requests: Sequence[Request], reason: str = "", expires: str | None = None,
                 allow_private: bool = False) -> WafPlan:
        """Validate the whole batch, then plan it per set (IPv4 and IPv6 go to their own sets)."""
        purpose = "block" if kind == "block" else "allow"
        networks = parse_batch(requests, purpose, allow_private or self.config.allow_private)
        now = self._clock()
        expiries = planner.parse_expiries(requests, expires, now)
        metadata = list(zip(planner.parse_reasons(requests, reason), expiries))
        versions = sorted({version_of(n) for n in networks})
        warnings = (self._check_allowlist(networks, versions) if kind == "block"
                    else self._blocked_too(networks, versions))
        stamp = Stamp(self.caller(), now)
        changes, skipped, repairs, capacity = [], [], [], {}
        for version in versions:
            view = self.load(kind, version)
            chosen = [(n, m) for n, m in zip(networks, metadata) if version_of(n) == version]
            change, passed, left = planner.plan_additions(view, [n for n, _ in chosen], [m for _, m in chosen],
                                                          stamp, self.config.max_addresses_per_set)
            changes.append(change)
            skipped.extend(passed)
            repairs.extend(view.repairs)
            capacity[view.name] = left
        return WafPlan(self.environment.name, purpose, tuple(changes), tuple(skipped), tuple(warnings),
                       tuple(repairs), capacity)

    def _check_allowlist(self, networks, versions) -> list[str]:
        allow = {v: NetworkIndex(self.waf.get_ip_set(self._ref("allow", v)).addresses) for v in versions}
        return planner.check_allowlist(networks, allow)

    def _blocked_too(self, networks, versions) -> list[str]:
        block = {v: NetworkIndex(self.waf.get_ip_set(self._ref("block", v)).addresses) for v in versions}
        return planner.blocked_too(networks, block)

    def plan_remove(self, kind: str, requests: Sequence[Request]) -> WafPlan:
        networks = parse_batch(requests, "remove")
        stamp = Stamp(self.caller(), self._clock())
        changes, skipped, repairs = [], [], []
        for version in sorted({version_of(n) for n in networks}):
            view = self.load(kind, version)
            change, passed = planner.plan_removals(
                view, [n for n in networks if version_of(n) == version], stamp, f"un{kind}-ip")
            changes.append(change)
            skipped.extend(passed)
            repairs.extend(view.repairs)
        return WafPlan(self.environment.name, f"un{kind}", tuple(changes), tuple(skipped), (), tuple(repairs))

    def plan_prune(self) -> WafPlan:
        now = self._clock()
        stamp = Stamp(self.caller(), now)
        changes, repairs = [], []
        for kind in SET_KINDS:
            for version in VERSIONS:
                view = self.load(kind, version)
                repairs.extend(view.repairs)
                if any(e.expired(now) for e in view.ledger.values()):
                    changes.append(planner.plan_expired(view, stamp))
        return WafPlan(self.environment.name, "prune", tuple(changes), (), (), tuple(repairs))

    # ---- executing -----------------------------------------------------------------------------------------

    def execute(self, plan: WafPlan) -> WafResult:
        """Write the plan's ledger repairs (conditionally), then each set's change."""
        repaired, unrepaired = self.write_repairs(plan.reconciled)
        results = [self._execute_change(change) for change in plan.changes if change.add or change.remove]
        return WafResult(plan, tuple(results), tuple(repaired), tuple(unrepaired))

    def _execute_change(self, change: SetChange) -> SetResult:
        self.table.put_items(e.history_item() for e in change.archive)
        self.table.put_items(e.to_item() for e in (*change.add, *change.remove))  # intent
        outcome: dict[str, tuple[str, ...]] = {}
        try:
            written, conflicts = self.waf.read_modify_write(
                change.state, lambda state: self._apply(change, state, outcome), self.config.lock_retries)
        except CandlefishError:
            self._roll_back(change)
            raise
        self.table.put_items(self._settled(change))
        return SetResult(change.kind, change.version, change.name, outcome.get("added", ()),
                         outcome.get("removed", ()), conflicts, len(written.addresses))

    def _apply(self, change: SetChange, state, outcome: dict) -> list[str] | None:
        """The change applied to the set as (re-)read: add these, remove those; None when nothing to write."""
        adds = {e.address for e in change.add}
        removes = {e.address for e in change.remove}
        new = (state.addresses | adds) - removes
        outcome["added"] = tuple(sorted(adds - state.addresses))
        outcome["removed"] = tuple(sorted(removes & state.addresses))
        if new == state.addresses:
            return None
        limit = self.config.max_addresses_per_set
        if len(new) > limit:
            raise ValidationError(f"IP set {change.name} changed meanwhile and would now hold {len(new):,} entries, "
                                  f"over the limit of {limit:,}; nothing was changed")
        return sorted(new)

    def _settled(self, change: SetChange):
        clock = self._reconcile_clock()
        for entry in change.add:
            yield replace(entry, status=ACTIVE).to_item()
        for entry in change.remove:
            yield removed(entry, entry.removed_by or "", entry.removed_reason or "", clock).to_item()

    def _roll_back(self, change: SetChange) -> None:
        """WAF was not written: withdraw the intent items (best effort; reconciliation covers a failure)."""
        try:
            self.table.delete_items(e.key() for e in change.add)
            self.table.put_items(replace(e, status=ACTIVE, removed_by=None, removed_at=None,
                                         removed_reason=None).to_item() for e in change.remove)
        except CandlefishError:
            pass


# ---- checks that need no AWS call (run before the session, and before --local deploys anything) ---------------

def check_add(environment, kind: str, requests: Sequence[Request], expires: str | None = None,
              allow_private: bool = False) -> None:
    """The batch's addresses, ranges and expiries, as WafManager.plan_add checks them."""
    purpose = "block" if kind == "block" else "allow"
    parse_batch(requests, purpose, allow_private or environment.waf.allow_private)
    planner.parse_expiries(requests, expires, utc_now())


def check_remove(environment, requests: Sequence[Request]) -> None:
    parse_batch(requests, "remove")
