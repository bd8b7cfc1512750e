"""The WAF ledger: who added each IP set entry, when, why, until when; and its reconciliation with WAF.

Layout (one DynamoDB table, string keys `pk` and `sk`):

- live partition `pk` = "<kind>#<version>" (e.g. "block#v4"), `sk` = the CIDR: one item per entry that is in
  WAF or on its way in or out (adding, active, removing), plus *tombstones* (removed) for a while;
- history partition `pk` = "history#<kind>#<version>", `sk` = "<CIDR>#<removed_at>": one item per removal,
  with a `ttl` so DynamoDB's TTL expires it after `waf.removed_retention_days`.

Every command reads only the live partition, so its cost does not grow with history. A tombstone stays in the
live partition until it is older than the grace period (so that a command whose WAF read predates the removal
does not take the address for one of unknown origin), then reconciliation moves it to history. A ledger
written in the old layout (every removed item in the live partition) is therefore read correctly as it is:
its removed items are tombstones, moved to history by the writing commands, `ARCHIVE_PER_SET` at a time.

WAF is the truth about membership; the ledger holds metadata and the state of in-flight changes. See
`candlefish_ops.waf.service` for the write protocol these states belong to.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from datetime import datetime, timedelta
from typing import Any, Iterable

from candlefish_ops.waf.expiry import iso, parse_iso

ADDING, ACTIVE, REMOVING, REMOVED = "adding", "active", "removing", "removed"
LIVE = (ADDING, ACTIVE, REMOVING)
UNKNOWN_REASON = "unknown origin: found in WAF without a ledger entry"


ARCHIVE_PER_SET = 500  # tombstones moved to history per set and command (bounds the one-off migration)


def partition(kind: str, version: str) -> str:
    return f"{kind}#{version}"


def history_partition(kind: str, version: str) -> str:
    return f"history#{kind}#{version}"


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
    # the attributes the stored item had when read (empty: not read from the table); not stored itself
    stored: frozenset[str] = field(default=frozenset(), compare=False, repr=False)

    def key(self) -> dict[str, str]:
        return {"pk": partition(self.kind, self.version), "sk": self.address}

    def to_item(self) -> dict[str, Any]:
        """The live item (absent fields as None, which the table layer leaves out)."""
        item = {name: getattr(self, name) for name in _FIELDS}  # flat, so no deep-copying asdict()
        item.update(self.key())
        return item

    def history_item(self) -> dict[str, Any]:
        """This removal as a history record (its key is stable, so writing it twice is harmless)."""
        item = {name: getattr(self, name) for name in _FIELDS}
        item.update(pk=history_partition(self.kind, self.version),
                    sk=f"{self.address}#{self.removed_at or self.updated_at}")
        return item

    def as_read(self) -> dict[str, Any]:
        """The attributes of the live item as it was read (what a conditional write expects to find)."""
        item = self.to_item()
        return {k: v for k, v in item.items() if not self.stored or k in self.stored or k in ("pk", "sk")}

    def expired(self, now: datetime) -> bool:
        return self.status == ACTIVE and self.expires_at is not None and parse_iso(self.expires_at) <= now

    def to_dict(self) -> dict[str, Any]:
        return {"set": self.kind, "version": self.version, "address": self.address, "status": self.status,
                "reason": self.reason, "added_by": self.added_by, "added_at": self.added_at,
                "expires_at": self.expires_at, "origin": self.origin}


_FIELDS = tuple(f.name for f in fields(LedgerEntry) if f.name != "stored")


def entry_from_item(item: dict[str, Any]) -> LedgerEntry:
    values = {name: item[name] for name in _FIELDS if name in item}
    if values.get("ttl") is not None:
        values["ttl"] = int(values["ttl"])
    return LedgerEntry(**values, stored=frozenset(values))


@dataclass(frozen=True)
class Repair:
    """One ledger fix found by reconciliation: `put` (an entry to write) or `delete` (a key), written only if
    the live item is still `seen` (the entry as read; None: there was no item), and `archive`, a removal to
    record in history first."""

    address: str
    action: str  # completed-add | abandoned-add | completed-remove | abandoned-remove | removed-outside
    #              | unknown-origin | archived
    put: LedgerEntry | None = None
    delete: dict[str, str] | None = None
    seen: LedgerEntry | None = None
    archive: LedgerEntry | None = None


@dataclass(frozen=True)
class ReconcileClock:
    now: datetime
    grace: timedelta  # entries changed more recently are left alone: another operator may be mid-way, and a
    #                   WAF read may lag behind a write by up to this long
    retention: timedelta


def reconcile(kind: str, version: str, waf: frozenset[str], entries: Iterable[LedgerEntry],
              clock: ReconcileClock, archive_limit: int = ARCHIVE_PER_SET) -> list[Repair]:
    """The ledger fixes that make it agree with WAF (WAF wins), for settled entries only."""
    repairs, seen, archived = [], set(), 0
    for entry in entries:
        seen.add(entry.address)
        repair = _repair(entry, entry.address in waf, clock)
        if repair is not None and repair.action == "archived":
            archived += 1
            if archived > archive_limit:
                continue
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
    if not _older_than(entry.updated_at, clock.now - clock.grace):
        return _young_repair(entry, in_waf, clock)
    return _settled_repair(entry, in_waf, clock)


def _young_repair(entry: LedgerEntry, in_waf: bool, clock: ReconcileClock) -> Repair | None:
    """A recent change: only finish what its own author started (WAF already shows the outcome)."""
    if entry.status == ADDING and in_waf:
        return Repair(entry.address, "completed-add", put=replace(entry, status=ACTIVE, updated_at=iso(clock.now)),
                      seen=entry)
    if entry.status == REMOVING and not in_waf:
        return Repair(entry.address, "completed-remove", seen=entry,
                      put=removed(entry, entry.removed_by or "", entry.removed_reason or "", clock))
    return None


def _settled_repair(entry: LedgerEntry, in_waf: bool, clock: ReconcileClock) -> Repair | None:
    now = iso(clock.now)
    young = _young_repair(entry, in_waf, clock)
    if young is not None:
        return young
    if entry.status == ADDING:
        return Repair(entry.address, "abandoned-add", delete=entry.key(), seen=entry)
    if entry.status == ACTIVE and not in_waf:
        return Repair(entry.address, "removed-outside", seen=entry, put=removed(
            entry, "outside candlefish", "no longer in WAF (removed outside candlefish)", clock))
    if entry.status == REMOVING:
        return Repair(entry.address, "abandoned-remove", seen=entry, put=replace(
            entry, status=ACTIVE, removed_by=None, removed_at=None, removed_reason=None, updated_at=now))
    if entry.status == REMOVED and in_waf:
        return Repair(entry.address, "unknown-origin", seen=entry, archive=entry,
                      put=unknown_origin(entry.kind, entry.version, entry.address, now))
    if entry.status == REMOVED:
        return Repair(entry.address, "archived", delete=entry.key(), seen=entry, archive=entry)
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
    """The ledger view (address -> entry) after the repairs; an archived tombstone stays in the view (it is
    history either way)."""
    view = {entry.address: entry for entry in entries}
    for repair in repairs:
        if repair.put is not None:
            view[repair.address] = repair.put
        elif repair.action != "archived":
            view.pop(repair.address, None)
    return view
