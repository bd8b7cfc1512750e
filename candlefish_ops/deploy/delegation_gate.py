"""Between the batches of a deploy: say what to set at the registrar after the dns stack, and stop before stacks
with DNS-validated certificates while the zone is not delegated (instead of waiting for ACM until they time out).

The executor calls the gate before each batch and once after the last one (`DeployExecutor(before_batch=...)`).
On a first deploy the zone does not exist when preflight runs; it exists once the dns stack's batch is done,
which is when this gate can look its delegation up (`candlefish_ops/dns/delegation.py`). A stop changes nothing
of the later stacks: no change set was created for them.
"""

from __future__ import annotations

from typing import Callable, Collection, Mapping, Sequence

from candlefish_ops.dns import delegation
from candlefish_ops.errors import ValidationError


class NotDelegated(ValidationError):
    """The zone the certificates validate in is not delegated: the deploy stops before those stacks."""


class DelegationGate:
    def __init__(self, session, environment, resolver: delegation.NameServerResolver, execute: bool,
                 say: Callable[[str], None], unchanged: Collection[str] = ()) -> None:
        self._session = session
        self._unchanged = frozenset(unchanged)  # labels of stacks the survey found unchanged: nothing to gate
        self._environment = environment
        self._resolver = resolver
        self._execute = execute
        self._say = say
        self._seen: set[str] = set()
        self._changed: set[str] = set()  # keys of stacks this deploy changes (not found unchanged)
        self._announced = False
        self._verified = False

    def __call__(self, batch: Sequence, outputs_for: Callable[[str, str], Mapping[str, str] | None]) -> None:
        dns_stack = delegation.dns_stack(self._environment)
        if not self._execute or dns_stack is None:
            return
        changing = [target for target in batch if target.label not in self._unchanged]
        waiting = [t.label for t in changing if delegation.needs_validated_certificates(t)]
        announce = (dns_stack.key in self._seen and not self._announced
                    and (dns_stack.key in self._changed or bool(waiting)))
        self._seen.update(target.key for target in batch)
        self._changed.update(target.key for target in changing)
        if not announce and (self._verified or not waiting):
            return
        zone_id = delegation.zone_id(self._environment, outputs_for)
        if zone_id is None:
            return  # no zone yet: those stacks fail on ${dns.HostedZoneId} with their own message
        found, _private = delegation.lookup(self._session, zone_id, self._resolver)
        if announce:
            self._announced = True
            self._announce(found)
        self._verified = found.delegated
        if found.delegated or not waiting:
            return
        if not found.known:
            self._say(f"zone {found.name}: {found.found()}; deploying {', '.join(waiting)} anyway (if the zone is not "
                      f"delegated, their certificates wait until the stacks time out: {found.instruction()})")
            return
        raise NotDelegated(
            f"stopped before {', '.join(waiting)}: their ACM certificates validate by DNS in zone {found.name} "
            f"({found.zone_id}), which is not delegated ({found.found()}); {found.instruction()}, then rerun "
            f"`candlefish deploy {self._environment.name}` (nothing was changed in these stacks)")

    def _announce(self, found: delegation.Delegation) -> None:
        servers = ", ".join(s.rstrip(".") for s in found.zone_name_servers)
        if found.delegated:
            self._say(f"zone {found.name} ({found.zone_id}) is delegated to its name servers {servers}")
        else:
            self._say(f"zone {found.name} ({found.zone_id}): {found.instruction()} ({found.found()})")
