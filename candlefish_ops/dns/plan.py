"""The DNS planner: pure functions from (desired, current) to a frozen plan of health-check and record changes.

Order of execution (the executor follows it): health checks created/updated, then the record changes in one
atomic batch (deletes first, then creates and upserts, the ownership marker last), then health checks no
longer referenced are deleted. Batches are split only when Route 53's per-request limits force it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Iterable

from candlefish_ops.dns.model import (NEW_HEALTH_CHECK, HealthCheckSettings, HealthCheckState, RecordKey,
                                      RecordSet)
from candlefish_ops.dns.ownership import marker_name, marker_record, owned_keys

MAX_BATCH_VALUES = 1000          # ResourceRecord elements per request (UPSERT counts twice)
MAX_BATCH_CHARS = 32_000         # characters of values per request (UPSERT counts twice)
_ACTION_ORDER = {"DELETE": 0, "CREATE": 1, "UPSERT": 2}


@dataclass(frozen=True)
class HealthCheckChange:
    action: str                              # CREATE | UPDATE | DELETE
    name: str
    desired: HealthCheckSettings | None = None
    current: HealthCheckState | None = None
    reason: str = ""


@dataclass(frozen=True)
class RecordChange:
    action: str                              # CREATE | UPSERT | DELETE
    record: RecordSet                        # what is sent (for DELETE, the exact current record)
    before: RecordSet | None = None

    @property
    def key(self) -> RecordKey:
        return self.record.key


@dataclass(frozen=True)
class DnsPlan:
    environment: str
    zone: str
    health_checks: tuple[HealthCheckChange, ...] = ()
    changes: tuple[RecordChange, ...] = ()
    marker: RecordChange | None = None
    marker_union: RecordSet | None = None    # marker listing old and new keys (only used if batches split)
    adopted: tuple[RecordKey, ...] = ()
    conflicts: tuple[str, ...] = ()
    kept_canary_weights: tuple[tuple[RecordKey, int, int], ...] = ()   # (key, live, config)
    unchanged: int = 0

    @property
    def empty(self) -> bool:
        return not (self.health_checks or self.changes or self.marker)

    @property
    def record_changes(self) -> tuple[RecordChange, ...]:
        """The changes of one batch, in a safe order (deletes first, the marker last)."""
        ordered = sorted(self.changes, key=lambda c: (_ACTION_ORDER[c.action], c.record.name, c.record.type,
                                                       c.record.set_id or ""))
        return tuple(ordered) + ((self.marker,) if self.marker else ())

    def health_checks_before(self) -> tuple[HealthCheckChange, ...]:
        return tuple(c for c in self.health_checks if c.action in ("CREATE", "UPDATE"))

    def health_checks_after(self) -> tuple[HealthCheckChange, ...]:
        return tuple(c for c in self.health_checks if c.action == "DELETE")


def plan_dns(environment: str, zone: str, desired: Iterable[RecordSet], desired_checks: Iterable[HealthCheckSettings],
             current: Iterable[RecordSet], current_checks: Iterable[HealthCheckState], adopt: bool = False) -> DnsPlan:
    """Compare what config wants with what Route 53 holds; only managed records are ever changed."""
    current = tuple(current)
    check_changes, check_ids = plan_health_checks(desired_checks, current_checks)
    desired = tuple(_with_check_ids(record, check_ids) for record in desired)
    marker = _find(current, marker_name(environment, zone), "TXT")
    owned = owned_keys(marker, zone)
    by_key = {record.key: record for record in current if record is not marker}
    desired, kept = _keep_live_canary_weights(desired, by_key)
    changes, adopted, conflicts, unchanged = _record_changes(desired, by_key, owned, adopt)
    changes += _conflicting_unmanaged(desired, by_key, owned, adopt, conflicts)
    desired_keys = {record.key for record in desired}
    changes += [RecordChange("DELETE", by_key[key], by_key[key]) for key in sorted(owned - desired_keys, key=str)
                if key in by_key]
    return DnsPlan(environment, zone, check_changes, tuple(changes),
                   _marker_change(environment, zone, marker, desired_keys),
                   marker_record(environment, zone, desired_keys | owned), tuple(adopted), tuple(conflicts),
                   tuple(kept), unchanged)


def plan_health_checks(desired: Iterable[HealthCheckSettings], current: Iterable[HealthCheckState]):
    """(changes, ids of the checks that exist and stay) — replaced checks are created anew, then deleted."""
    current_by_name = {state.settings.name: state for state in current}
    changes, ids = [], {}
    for settings in desired:
        state = current_by_name.pop(settings.name, None)
        if state is None:
            changes.append(HealthCheckChange("CREATE", settings.name, settings, reason="new"))
        elif state.settings == settings:
            ids[settings.name] = state.id
        elif settings.needs_replacement(state.settings):
            changes.append(HealthCheckChange("CREATE", settings.name, settings, state,
                                             reason="type/interval cannot be updated: replace"))
            changes.append(HealthCheckChange("DELETE", settings.name, None, state, reason="replaced"))
        else:
            changes.append(HealthCheckChange("UPDATE", settings.name, settings, state))
            ids[settings.name] = state.id
    changes += [HealthCheckChange("DELETE", name, None, state, reason="no longer in config")
                for name, state in sorted(current_by_name.items())]
    return tuple(changes), ids


def _with_check_ids(record: RecordSet, ids: dict[str, str]) -> RecordSet:
    if record.health_check_id and record.health_check_id.startswith(NEW_HEALTH_CHECK):
        name = record.health_check_id[len(NEW_HEALTH_CHECK):]
        if name in ids:
            return replace(record, health_check_id=ids[name])
    return record


def _find(records: tuple[RecordSet, ...], name: str, record_type: str) -> RecordSet | None:
    return next((r for r in records if r.name == name and r.type == record_type and r.set_id is None), None)


def _keep_live_canary_weights(desired, by_key):
    """The canary's weights are run-time state (`dns canary`): an update keeps the live ones."""
    kept, result = [], []
    for record in desired:
        live = by_key.get(record.key)
        if record.canary_role and live is not None and live.weight is not None and live.weight != record.weight:
            kept.append((record.key, live.weight, record.weight))
            record = replace(record, weight=live.weight)
        result.append(record)
    return tuple(result), kept


def _record_changes(desired, by_key, owned, adopt):
    changes, adopted, conflicts, unchanged = [], [], [], 0
    for record in desired:
        live = by_key.get(record.key)
        if live is None:
            changes.append(RecordChange("CREATE", record))
        elif live.same_as(record):
            unchanged += 1
            if record.key not in owned:
                adopted.append(record.key)
        elif record.key in owned or adopt:
            changes.append(RecordChange("UPSERT", record, live))
            if record.key not in owned:
                adopted.append(record.key)
        else:
            conflicts.append(f"{record.key} already exists and is not managed by candlefish "
                             f"({live.describe()}); delete it, or rerun with --adopt to take it over")
    return changes, adopted, conflicts, unchanged


def _conflicting_unmanaged(desired, by_key, owned, adopt, conflicts) -> list[RecordChange]:
    """Unmanaged records Route 53 would not accept beside the desired ones: a CNAME beside other types, or
    the same name and type under another routing policy."""
    desired_keys = {record.key for record in desired}
    routing: dict[str, dict[str, str]] = {}
    for record in desired:
        routing.setdefault(record.name, {})[record.type] = record.routing
    deletes = []
    for key, live in sorted(by_key.items(), key=lambda item: str(item[0])):
        wanted = routing.get(key.name)
        if not wanted or key in owned or key in desired_keys or not _clashes(live, wanted):
            continue
        if adopt:
            deletes.append(RecordChange("DELETE", live, live))
        else:
            conflicts.append(f"{key} is not managed by candlefish and Route 53 does not allow it beside the "
                             f"declared {'/'.join(sorted(wanted))} records of {key.name} ({live.describe()}); "
                             "delete it, or rerun with --adopt to replace it")
    return deletes


def _clashes(live: RecordSet, wanted: dict[str, str]) -> bool:
    if live.type == "CNAME" and set(wanted) - {"CNAME"}:
        return True
    if live.type != "CNAME" and "CNAME" in wanted:
        return True
    return live.type in wanted and wanted[live.type] != live.routing


def _marker_change(environment, zone, marker, desired_keys) -> RecordChange | None:
    if not desired_keys:
        return RecordChange("DELETE", marker, marker) if marker else None
    wanted = marker_record(environment, zone, desired_keys)
    if marker is None:
        return RecordChange("CREATE", wanted)
    return None if marker.same_as(wanted) else RecordChange("UPSERT", wanted, marker)


def batches(plan: DnsPlan) -> list[tuple[RecordChange, ...]]:
    """One atomic batch when Route 53's limits allow; else groups by name (a name's changes stay together):
    creates/upserts first, deletes last, the first batch recording the union of old and new ownership."""
    changes = plan.record_changes
    if _fits(changes):
        return [changes] if changes else []
    groups: dict[str, list[RecordChange]] = {}
    for change in plan.changes:
        groups.setdefault(change.record.name, []).append(change)
    ordered = sorted(groups.values(), key=lambda group: all(c.action == "DELETE" for c in group))
    result: list[list[RecordChange]] = [[RecordChange("UPSERT", plan.marker_union)]]
    for group in ordered:
        group = sorted(group, key=lambda c: _ACTION_ORDER[c.action])
        if not _fits(tuple(result[-1] + group)):
            result.append([])
        result[-1].extend(group)
    if plan.marker:
        final = replace(plan.marker, action="UPSERT", before=plan.marker_union) \
            if plan.marker.action != "DELETE" else replace(plan.marker, record=plan.marker_union)
        result.append([final])
    return [tuple(batch) for batch in result]


def _fits(changes: tuple[RecordChange, ...]) -> bool:
    values = chars = 0
    for change in changes:
        weight = 2 if change.action == "UPSERT" else 1
        values += weight * max(1, len(change.record.values))
        chars += weight * sum(len(v) for v in change.record.values)
    return values <= MAX_BATCH_VALUES and chars <= MAX_BATCH_CHARS


def same_record_changes(planned: DnsPlan, fresh: DnsPlan) -> bool:
    """Whether a plan made from a fresh read of the zone asks for the same record changes (and sees the same
    conflicts) as the plan whose batch Route 53 rejected: then the zone did not change under the batch. Health
    checks created meanwhile are set aside (the planned records name them `new:NAME`, the fresh ones by id)."""
    new = {c.key for c in planned.record_changes if (c.record.health_check_id or "").startswith(NEW_HEALTH_CHECK)}
    return _comparable(planned, new) == _comparable(fresh, new) and set(planned.conflicts) == set(fresh.conflicts)


def _comparable(plan: DnsPlan, new_checks: set[RecordKey]) -> dict:
    return {(c.action, c.key): (replace(c.record, health_check_id=None) if c.key in new_checks else c.record,
                                c.before) for c in plan.record_changes}
