"""The weighted canary: percentages mapped onto Route 53 weights, promotion and abort (pure functions)."""

from __future__ import annotations

from dataclasses import dataclass, replace

from candlefish_ops.dns.model import RecordSet
from candlefish_ops.dns.plan import RecordChange
from candlefish_ops.errors import NotFoundError, ValidationError

STABLE, CANARY = "stable", "canary"
TOTAL_WEIGHT = 100        # stable + canary; a percentage maps 1:1 onto Route 53 weights (0-255)


@dataclass(frozen=True)
class CanaryPair:
    type: str
    stable: RecordSet
    canary: RecordSet

    @property
    def percent(self) -> float:
        total = (self.stable.weight or 0) + (self.canary.weight or 0)
        return 100.0 * (self.canary.weight or 0) / total if total else 50.0


def weights_for(percent: int) -> tuple[int, int]:
    """(stable weight, canary weight) for `percent` % of traffic to the canary."""
    if not 0 <= percent <= 100:
        raise ValidationError(f"--weight {percent}: give a percentage from 0 to 100")
    return TOTAL_WEIGHT - percent, percent


def pairs(records, name: str, types: tuple[str, ...]) -> tuple[CanaryPair, ...]:
    """The live stable/canary records of each type (missing ones: run `dns update` first)."""
    by_key = {(r.type, r.set_id): r for r in records if r.name == name}
    result = []
    for record_type in types:
        stable, canary = by_key.get((record_type, STABLE)), by_key.get((record_type, CANARY))
        if stable is None or canary is None or stable.weight is None or canary.weight is None:
            raise NotFoundError(f"the canary records {name} {record_type} [stable]/[canary] do not exist yet; "
                                "create them with `candlefish dns update ENV`")
        result.append(CanaryPair(record_type, stable, canary))
    return tuple(result)


def plan_weight(pairs_: tuple[CanaryPair, ...], percent: int) -> tuple[RecordChange, ...]:
    stable_weight, canary_weight = weights_for(percent)
    changes = []
    for pair in pairs_:
        changes += _upsert(pair.stable, replace(pair.stable, weight=stable_weight))
        changes += _upsert(pair.canary, replace(pair.canary, weight=canary_weight))
    return tuple(changes)


def plan_promote(pairs_: tuple[CanaryPair, ...]) -> tuple[RecordChange, ...]:
    """The canary's target becomes the stable one, and the canary gets 0 %."""
    changes = []
    for pair in pairs_:
        promoted = replace(pair.stable, alias=pair.canary.alias, values=pair.canary.values, ttl=pair.canary.ttl,
                           weight=TOTAL_WEIGHT)
        changes += _upsert(pair.stable, promoted)
        changes += _upsert(pair.canary, replace(pair.canary, weight=0))
    return tuple(changes)


def _upsert(before: RecordSet, after: RecordSet) -> list[RecordChange]:
    return [] if before.same_as(after) else [RecordChange("UPSERT", after, before)]
