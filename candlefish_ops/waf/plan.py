"""Planning WAF IP set changes: pure functions from (requests, what WAF and the ledger hold) to frozen plans.

Nothing here talks to AWS; `candlefish_ops.waf.service` reads the state, calls these, and executes the plan.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, Mapping, Sequence

from candlefish_ops.errors import ValidationError
from candlefish_ops.waf.addresses import Network, NetworkIndex, Request, parse_network, version_of
from candlefish_ops.waf.expiry import iso, parse_expires
from candlefish_ops.waf.ledger import ADDING, REMOVED, REMOVING, LedgerEntry, Repair, unknown_origin

VERBS = {"block": ("blocked", "blocklist"), "allow": ("allowed", "allowlist")}
MAX_REASON_LENGTH = 500  # characters; a reason is a note for people, kept on every ledger item
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


@dataclass(frozen=True)
class SetView:
    """One IP set as read: WAF's addresses (with its LockToken in `state`) and the reconciled ledger."""

    kind: str
    version: str
    name: str
    state: Any  # aws.wafv2.IpSetState (kept opaque here)
    ledger: Mapping[str, LedgerEntry]
    repairs: tuple[Repair, ...] = ()

    @property
    def addresses(self) -> frozenset[str]:
        return self.state.addresses


@dataclass(frozen=True)
class SetChange:
    kind: str
    version: str
    name: str
    state: Any  # the IpSetState the change was planned against (one read per set)
    add: tuple[LedgerEntry, ...] = ()  # status "adding"
    remove: tuple[LedgerEntry, ...] = ()  # status "removing"
    archive: tuple[LedgerEntry, ...] = ()  # tombstones the intent items overwrite: kept in history first


@dataclass(frozen=True)
class Skipped:
    address: str
    why: str


@dataclass(frozen=True)
class WafPlan:
    environment: str
    action: str
    changes: tuple[SetChange, ...]
    skipped: tuple[Skipped, ...] = ()
    warnings: tuple[str, ...] = ()
    reconciled: tuple[Repair, ...] = ()
    capacity: Mapping[str, int] = field(default_factory=dict)  # set name -> addresses left after the change

    @property
    def size(self) -> int:
        return sum(len(change.add) + len(change.remove) for change in self.changes)


@dataclass(frozen=True)
class Stamp:
    """Who and when, for the ledger."""

    caller: str
    now: datetime


def parse_expiries(requests: Sequence[Request], default: str | None, now: datetime) -> list[str | None]:
    """Each request's expiry as ISO text (its own, else the default); every bad one listed at once."""
    parsed, problems = [], []
    for request in requests:
        try:
            moment = parse_expires(request.expires or default, now)
            parsed.append(iso(moment) if moment else None)
        except ValidationError as error:
            where = f"{request.where}: " if request.where else ""
            problems.append(f"{where}{error}")
            parsed.append(None)
    if problems:
        raise ValidationError(f"{len(problems)} entries with a bad expiry, nothing was changed: "
                              + "; ".join(problems))
    return parsed


def parse_reasons(requests: Sequence[Request], default: str) -> list[str]:
    """Each request's reason (its own, else the default); every reason too long or holding control characters
    is listed at once, and nothing is changed."""
    reasons, problems = [], []
    for request in requests:
        reason = request.reason or default or ""
        problem = _reason_problem(reason)
        if problem and request.reason:
            problems.append(f"{request.where}: {problem}" if request.where else problem)
        elif problem and f"--reason: {problem}" not in problems:
            problems.append(f"--reason: {problem}")
        reasons.append(reason)
    if problems:
        raise ValidationError(f"{len(problems)} bad reason(s), nothing was changed: " + "; ".join(problems))
    return reasons


def _reason_problem(reason: str) -> str | None:
    if len(reason) > MAX_REASON_LENGTH:
        return f"the reason is {len(reason):,} characters long, at most {MAX_REASON_LENGTH} are allowed"
    if _CONTROL.search(reason):
        return "the reason holds control characters (escape sequences, tabs, line breaks); write it as plain text"
    return None


def check_allowlist(networks: Sequence[Network], allow: Mapping[str, NetworkIndex]) -> list[str]:
    """Refuse blocking what the allowlist covers (the allowlist rule has priority 0 and wins); warnings for
    allowlisted ranges inside a blocked range."""
    problems, warnings = [], []
    for network in networks:
        index = allow[version_of(network)]
        winner = network if network in index else index.covering(network)
        if winner is not None:
            problems.append(f"{network} is allowlisted (by {winner}) and the allowlist rule (priority 0) wins; "
                            f"run `candlefish waf unallow-ip` for {winner} first")
        elif network.num_addresses > 1:
            warnings.extend(f"{inner} stays allowed inside blocked {network} (the allowlist wins)"
                            for inner in index.covered_by(network))
    if problems:
        raise ValidationError("refusing to block allowlisted addresses, nothing was changed: " + "; ".join(problems))
    return warnings


def blocked_too(networks: Sequence[Network], block: Mapping[str, NetworkIndex]) -> list[str]:
    """Warnings for allowlisting what is also blocked: the allowlist wins, so the block stops applying."""
    warnings = []
    for network in networks:
        index = block[version_of(network)]
        blocker = network if network in index else index.covering(network)
        if blocker is not None:
            warnings.append(f"{network} is also blocked (by {blocker}); the allowlist wins, so it will be allowed")
    return warnings


def plan_additions(view: SetView, networks: Sequence[Network], metadata: Sequence[tuple[str, str | None]],
                   stamp: Stamp, limit: int) -> tuple[SetChange, list[Skipped], int]:
    """Entries to add to one set (wider ranges considered first), the skipped ones and why, and the room left."""
    verb = VERBS[view.kind][0]
    existing, batch = NetworkIndex(view.addresses), NetworkIndex()
    adds, skipped = [], []
    now = iso(stamp.now)
    for network, (reason, expires) in sorted(zip(networks, metadata), key=lambda pair: pair[0].prefixlen):
        address = str(network)
        wider = existing.covering(network) or batch.covering(network)
        if network in existing:
            skipped.append(Skipped(address, f"already {verb}"))
        elif network in batch:
            skipped.append(Skipped(address, "duplicate in this batch"))
        elif wider is not None:
            skipped.append(Skipped(address, f"already covered by {wider}"))
        else:
            batch.add(network)
            adds.append(LedgerEntry(view.kind, view.version, address, ADDING, reason=reason, added_by=stamp.caller,
                                    added_at=now, expires_at=expires, updated_at=now))
    left = limit - len(view.addresses) - len(adds)
    if left < 0:
        raise ValidationError(f"IP set {view.name} holds {len(view.addresses):,} entries and this would add "
                              f"{len(adds):,}: the limit is {limit:,} per set, only {limit - len(view.addresses):,} "
                              "left; nothing was changed (remove or consolidate entries first)")
    tombstones = tuple(view.ledger[e.address] for e in adds
                       if e.address in view.ledger and view.ledger[e.address].status == REMOVED)
    return SetChange(view.kind, view.version, view.name, view.state, add=tuple(adds), archive=tombstones), skipped, left


def plan_removals(view: SetView, networks: Sequence[Network], stamp: Stamp,
                  why: str) -> tuple[SetChange, list[Skipped]]:
    """Entries to remove from one set; absent ones (or ones only inside a wider entry) are skipped."""
    verb = VERBS[view.kind][0]
    raw = _by_network(view.addresses)
    index = NetworkIndex(raw)
    removes, skipped, seen = [], [], set()
    for network in networks:
        if network in seen:
            skipped.append(Skipped(str(network), "duplicate in this batch"))
        elif network in raw:
            seen.add(network)
            removes.append(_removing(view, raw[network], stamp, why))
        else:
            wider = index.covering(network)
            note = f"; it is inside {wider}: remove that range instead" if wider else ""
            skipped.append(Skipped(str(network), f"not {verb}{note}"))
    return SetChange(view.kind, view.version, view.name, view.state, remove=tuple(removes)), skipped


def plan_expired(view: SetView, stamp: Stamp) -> SetChange:
    """The entries of one set whose expiry has passed."""
    removes = [_removing(view, entry.address, stamp, f"expired at {entry.expires_at}")
               for entry in view.ledger.values() if entry.expired(stamp.now) and entry.address in view.addresses]
    return SetChange(view.kind, view.version, view.name, view.state, remove=tuple(removes))


def _removing(view: SetView, address: str, stamp: Stamp, why: str) -> LedgerEntry:
    now = iso(stamp.now)
    entry = view.ledger.get(address) or unknown_origin(view.kind, view.version, address, now)
    return replace(entry, status=REMOVING, removed_by=stamp.caller, removed_at=now, removed_reason=why,
                   updated_at=now, ttl=None)


def _by_network(addresses: frozenset[str]) -> dict[Network, str]:
    """WAF's entries keyed by parsed network (WAF keeps the text as written; we match by meaning)."""
    found = {}
    for address in addresses:
        try:
            found[parse_network(address)] = address
        except ValueError:
            continue
    return found
