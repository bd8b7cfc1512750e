"""The WAF ledger: who added each IP set entry, when, why, until when; and its reconciliation with WAF.

Items live in a DynamoDB table with string keys `pk` = "<kind>#<version>" (e.g. "block#v4") and `sk` =
the CIDR. WAF is the truth about membership; the ledger holds metadata and the state of in-flight changes.
See `candlefish_ops.waf.service` for the write protocol these states belong to.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from datetime import datetime, timedelta
from typing import Any, Iterable

from candlefish_ops.waf.expiry import iso, parse_iso

ADDING, ACTIVE, REMOVING, REMOVED = "adding", "active", "removing", "removed"
LIVE = (ADDING, ACTIVE, REMOVING)
UNKNOWN_REASON = "unknown origin: found in WAF without a ledger entry"


def partition(kind: str, version: str) -> str:
    return f"{kind}#{version}"


@dataclass(frozen=True)
class LedgerEntry:
    kind: str  # block | allow
    version: str  # v4 | v6
    address: str  # CIDR, as written to WAF
    status: str
    reason: str = ""
    added_by: str = ""
    added_at: str = ""
    expires_at: str | None = None
    origin: str = "candlefish"  # candlefish | unknown
    updated_at: str = ""
    removed_by: str | None = None
    removed_at: str | None = None
    removed_reason: str | None = None
    ttl: int | None = None  # epoch seconds; only on removed entries (DynamoDB TTL may expire them)

    def key(self) -> dict[str, str]:
        return {"pk": partition(self.kind, self.version), "sk": self.address}

    def to_item(self) -> dict[str, Any]:
        item = {name: getattr(self, name) for name in _FIELDS}  # flat, so no deep-copying asdict()
        item.update(self.key())
        return item

    def expired(self, now: datetime) -> bool:
        return self.status == ACTIVE and self.expires_at is not None and parse_iso(self.expires_at) <= now

    def to_dict(self) -> dict[str, Any]:
        return {"set": self.kind, "version": self.version, "address": self.address, "status": self.status,
                "reason": self.reason, "added_by": self.added_by, "added_at": self.added_at,
                "expires_at": self.expires_at, "origin": self.origin}


_FIELDS = tuple(f.name for f in fields(LedgerEntry))


def entry_from_item(item: dict[str, Any]) -> LedgerEntry:
    values = {name: item[name] for name in _FIELDS if name in item}
    if values.get("ttl") is not None:
        values["ttl"] = int(values["ttl"])
    return LedgerEntry(**values)


@dataclass(frozen=True)
class Repair:
    """One ledger fix found by reconciliation: `put` (an entry to write) or `delete` (a key)."""

    address: str
    action: str  # completed-add | abandoned-add | completed-remove | abandoned-remove | removed-outside | unknown-origin
    put: LedgerEntry | None = None
    delete: dict[str, str] | None = None


@dataclass(frozen=True)
class ReconcileClock:
    now: datetime
    grace: timedelta  # in-flight changes younger than this are left alone (another operator may be mid-way)
    retention: timedelta


def reconcile(kind: str, version: str, waf: frozenset[str], entries: Iterable[LedgerEntry],
              clock: ReconcileClock) -> list[Repair]:
    """The ledger fixes that make it agree with WAF (WAF wins)."""
    repairs, seen = [], set()
    for entry in entries:
        seen.add(entry.address)
        repair = _repair(entry, entry.address in waf, clock)
        if repair is not None:
            repairs.append(repair)
    now = iso(clock.now)
    for address in sorted(waf - seen):
        repairs.append(Repair(address, "unknown-origin", put=unknown_origin(kind, version, address, now)))
    return repairs


def unknown_origin(kind: str, version: str, address: str, now: str) -> LedgerEntry:
    return LedgerEntry(kind, version, address, ACTIVE, reason=UNKNOWN_REASON, added_by="unknown", added_at=now,
                       origin="unknown", updated_at=now)


def _repair(entry: LedgerEntry, in_waf: bool, clock: ReconcileClock) -> Repair | None:
    now = iso(clock.now)
    settled = _older_than(entry.updated_at, clock.now - clock.grace)
    if entry.status == ADDING and in_waf:
        return Repair(entry.address, "completed-add", put=replace(entry, status=ACTIVE, updated_at=now))
    if entry.status == ADDING and settled:
        return Repair(entry.address, "abandoned-add", delete=entry.key())
    if entry.status == ACTIVE and not in_waf:
        return Repair(entry.address, "removed-outside", put=removed(
            entry, "outside candlefish", "no longer in WAF (removed outside candlefish)", clock))
    if entry.status == REMOVING and not in_waf:
        return Repair(entry.address, "completed-remove", put=removed(
            entry, entry.removed_by or "", entry.removed_reason or "", clock))
    if entry.status == REMOVING and settled:
        return Repair(entry.address, "abandoned-remove", put=replace(
            entry, status=ACTIVE, removed_by=None, removed_at=None, removed_reason=None, updated_at=now))
    if entry.status == REMOVED and in_waf:
        return Repair(entry.address, "unknown-origin",
                      put=unknown_origin(entry.kind, entry.version, entry.address, now))
    return None


def removed(entry: LedgerEntry, by: str, why: str, clock: ReconcileClock) -> LedgerEntry:
    now = iso(clock.now)
    return replace(entry, status=REMOVED, removed_by=by, removed_at=entry.removed_at or now, removed_reason=why,
                   updated_at=now, ttl=int((clock.now + clock.retention).timestamp()))


def _older_than(stamp: str, limit: datetime) -> bool:
    try:
        return parse_iso(stamp) <= limit
    except (ValueError, TypeError):
        return True


def apply_repairs(entries: Iterable[LedgerEntry], repairs: Iterable[Repair]) -> dict[str, LedgerEntry]:
    """The ledger view (address -> entry) after the repairs."""
    view = {entry.address: entry for entry in entries}
    for repair in repairs:
        if repair.put is not None:
            view[repair.address] = repair.put
        else:
            view.pop(repair.address, None)
    return view
