"""`candlefish dns` use cases: read (stacks, zone, records, health checks), plan, apply, canary, status.

The CLI parses and renders; the benchmark calls these same functions with a counted session.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace
from typing import Callable

from candlefish_ops.dns import canary as canary_rules
from candlefish_ops.dns import resolve, validate
from candlefish_ops.dns.model import NEW_HEALTH_CHECK, RecordKey, RecordSet, host
from candlefish_ops.dns.ownership import absolute, marker_name, owned_keys
from candlefish_ops.dns.plan import DnsPlan, RecordChange, batches, plan_dns, same_record_changes
from candlefish_ops.errors import AwsError, CandlefishError, ConflictError, NotFoundError, ValidationError
from candlefish_ops.stack_outputs import HOSTED_ZONE_ID, StackOutputs

MAX_CONFLICT_RETRIES = 3


class WaitInterrupted(CandlefishError):
    """Ctrl-C while waiting for INSYNC: the change was submitted atomically and completes on its own."""

    exit_code = 130


@dataclass(frozen=True)
class ApplyResult:
    change_ids: tuple[str, ...]
    health_checks_created: dict[str, str]
    waited_seconds: float


@dataclass
class DnsSession:
    """The clients and facts one command needs (built once per command)."""

    environment: object
    session: object
    sleep: Callable[[float], None] = time.sleep
    progress: Callable[[str], None] | None = None
    read_strategy: str = "auto"         # auto | full | by-name (how current records are read)

    def __post_init__(self) -> None:
        from candlefish_ops.aws.route53 import Route53

        self.route53 = Route53(self.session, sleep=self.sleep)
        self.outputs = StackOutputs(self.session, self.environment, self.sleep)
        self._zone = None

    @property
    def config(self):
        return self.environment.dns

    @property
    def zone_name(self) -> str | None:
        return self.config.zone or self.environment.domain

    def say(self, text: str) -> None:
        if self.progress:
            self.progress(text)

    def zone(self):
        if self._zone is None:
            self._zone = find_zone(self)
        return self._zone


def check_config(environment) -> None:
    """All the rules that need no AWS call (raises ValidationError naming record and fix)."""
    validate.check(environment.dns, environment.dns.zone or environment.domain, environment)


def stack_outputs(dns: DnsSession, pairs) -> dict[tuple[str, str], dict[str, str]]:
    return {(key, region): dns.outputs.require(key, region) for key, region in pairs}


def find_zone(dns: DnsSession):
    """The public hosted zone of the domain: the dns stack's HostedZoneId output, else looked up by name."""
    name = dns.zone_name
    zone_id = _zone_id_from_stack(dns)
    if zone_id:
        zone = dns.route53.get_zone(zone_id)
        if host(zone.name) != host(name):
            raise ValidationError(f"the dns stack's HostedZoneId {zone_id} is zone {host(zone.name)}, not {name}; "
                                  "set dns.zone to match")
    else:
        zones = dns.route53.find_zones(name)
        public = [z for z in zones if not z.private]
        if not public:
            what = "only a private zone" if zones else "no hosted zone"
            raise NotFoundError(f"{what} named {name} found; candlefish needs a public zone (CloudFront aliases "
                                "cannot live in private zones): create it, e.g. by deploying the dns stack")
        if len(public) > 1:
            raise ValidationError(f"{len(public)} public hosted zones are named {name} "
                                  f"({', '.join(z.id for z in public)}); give the dns stack a HostedZoneId output")
        zone = public[0]
    if zone.private:
        raise ValidationError(f"zone {name} ({zone.id}) is private; CloudFront aliases need the public zone")
    return zone


def _zone_id_from_stack(dns: DnsSession) -> str | None:
    key = dns.config.stacks.get("dns")
    if key not in dns.environment.stacks:
        return None
    return (dns.outputs.of(key) or {}).get(HOSTED_ZONE_ID)


def check_distribution_aliases(dns: DnsSession, outputs) -> None:
    """Every name aliased to a distribution must be one of its alternate domain names."""
    from candlefish_ops.aws.cloudfront import CloudFront

    cloudfront = None
    for distribution in resolve.distributions(dns.config, dns.zone_name, dns.environment):
        distribution_id = resolve.distribution_id(outputs, dns.environment, distribution)
        cloudfront = cloudfront or CloudFront(dns.session)
        aliases = cloudfront.aliases(distribution_id)
        missing = [name for name in distribution.names if not _covered(name, aliases)]
        if missing:
            raise ValidationError(f"{', '.join(missing)} point(s) at CloudFront distribution {distribution_id}, "
                                  f"which does not list it among its aliases ({', '.join(aliases) or 'none'}); "
                                  "add it to the distribution's alternate domain names first")


def _covered(name: str, aliases: tuple[str, ...]) -> bool:
    return name in aliases or any(a.startswith("*.") and name.count(".") == a.count(".") and
                                  name.endswith(a[1:]) for a in aliases)


def plan_update(dns: DnsSession, adopt: bool = False, allow_conflicts: bool = False) -> DnsPlan:
    """Read everything the plan needs and compute it (no change is made)."""
    check_config(dns.environment)
    outputs = stack_outputs(dns, resolve.needed_stacks(dns.config, dns.environment))
    zone = dns.zone()
    check_distribution_aliases(dns, outputs)
    desired = resolve.desired_records(dns.config, dns.zone_name, dns.environment, outputs, {})
    checks = resolve.desired_health_checks(dns.config, dns.environment, outputs)
    current = read_current(dns, zone)
    current_checks = dns.route53.list_health_checks(dns.environment.name)
    plan = plan_dns(dns.environment.name, dns.zone_name, desired, checks, current, current_checks, adopt)
    if plan.conflicts and not allow_conflicts:
        raise ValidationError("; ".join(plan.conflicts))
    return plan


def read_current(dns: DnsSession, zone) -> tuple[RecordSet, ...]:
    """The records the plan needs: the whole zone (pages of 300), or, when that takes more calls, only the
    marker and the names declared or owned (one call each) — the same answer for candlefish's purposes."""
    marker_at = marker_name(dns.environment.name, dns.zone_name)
    declared = {key.name for key in declared_keys(dns.environment, dns.zone_name)}
    pages = max(1, -(-zone.record_count // 300))
    if dns.read_strategy == "full" or (dns.read_strategy == "auto" and pages <= len(declared) + 1):
        dns.say(f"reading the {zone.record_count} record sets of {host(zone.name)} ({zone.id})")
        return dns.route53.list_records(zone.id)
    marker = dns.route53.list_records_named(zone.id, marker_at)
    owned = {key.name for key in owned_keys(next((r for r in marker if r.type == "TXT"), None), dns.zone_name)}
    names = sorted((declared | owned) - {marker_at})
    dns.say(f"reading {len(names)} managed name(s) of {host(zone.name)} ({zone.id}, {zone.record_count} record sets)")
    return marker + tuple(r for name in names for r in dns.route53.list_records_named(zone.id, name))


def update(dns: DnsSession, show: Callable[[DnsPlan], None], confirm: Callable[[DnsPlan], None], yes: bool,
           plan_only: bool = False, adopt: bool = False, timeout: float | None = None) -> tuple[DnsPlan, ApplyResult | None]:
    """Plan, show, confirm, apply; on a concurrent edit re-read, re-plan, show and ask again (or fail under --yes)."""
    for attempt in range(MAX_CONFLICT_RETRIES):
        plan = plan_update(dns, adopt)
        show(plan)
        if plan.empty or plan_only:
            return plan, None
        confirm(plan)
        try:
            return plan, apply(dns, plan, timeout)
        except ConflictError as error:
            if error.code != "InvalidChangeBatch":
                raise
            fresh = plan_update(dns, adopt, allow_conflicts=True)
            if same_record_changes(plan, fresh):
                raise rejected_batch(error) from error
            dns.say(f"[yellow]the zone changed while applying ({error.code}): re-reading it[/yellow]")
            if yes:
                show(fresh)
                blocked = f"; now blocked: {'; '.join(fresh.conflicts)}" if fresh.conflicts else ""
                raise ConflictError(f"the zone changed under candlefish ({error}); nothing of this batch was "
                                    f"applied; review the new diff above and rerun{blocked}", error.code) from error
    raise ConflictError(f"the zone kept changing during {MAX_CONFLICT_RETRIES} attempts; rerun when it is quiet")


def rejected_batch(error: ConflictError) -> AwsError:
    """Route 53 refused the batch, yet the zone is as it was read: the batch itself is at fault."""
    return AwsError(f"Route 53 rejected the change batch ({error}); the zone has not changed since it was read, so "
                    "this is not a concurrent edit: nothing of the batch was applied; fix the record Route 53 names "
                    "in the config and rerun", error.code)


def apply(dns: DnsSession, plan: DnsPlan, timeout: float | None = None) -> ApplyResult:
    """Health checks first, then the record batch(es) with INSYNC waits, then obsolete checks deleted."""
    created = _apply_health_checks(dns, plan)
    plan = with_health_check_ids(plan, created)
    change_ids, waited = [], 0.0
    for batch in batches(plan):
        change_id = dns.route53.change_records(dns.zone().id, [(c.action, c.record) for c in batch],
                                               f"candlefish dns update {dns.environment.name}")
        change_ids.append(change_id)
        dns.say(f"submitted change {change_id} ({len(batch)} record change(s))")
        waited += wait(dns, change_id, timeout)
    for change in plan.health_checks_after():
        _delete_health_check(dns, change)
    return ApplyResult(tuple(change_ids), created, waited)


def _delete_health_check(dns: DnsSession, change) -> None:
    try:
        dns.route53.delete_health_check(change.current.id)
    except AwsError as error:
        if error.code != "HealthCheckInUse":
            raise
        dns.say(f"[yellow]health check {change.name} ({change.current.id}) is still used by a record candlefish "
                "does not manage; left in place[/yellow]")
        return
    dns.say(f"deleted health check {change.name} ({change.current.id}): {change.reason}")


def _apply_health_checks(dns: DnsSession, plan: DnsPlan) -> dict[str, str]:
    created = {}
    for change in plan.health_checks_before():
        if change.action == "CREATE":
            created[change.name] = dns.route53.create_health_check(change.desired, dns.environment.name,
                                                                   dns.environment.project)
            dns.say(f"created health check {change.name} ({created[change.name]})")
        else:
            dns.route53.update_health_check(change.current, change.desired)
            dns.say(f"updated health check {change.name} ({change.current.id})")
    return created


def with_health_check_ids(plan: DnsPlan, ids: dict[str, str]) -> DnsPlan:
    """Put the ids of the health checks just created in place of the plan's `new:NAME` placeholders."""
    def fill(change: RecordChange) -> RecordChange:
        check = change.record.health_check_id or ""
        if check.startswith(NEW_HEALTH_CHECK) and check[len(NEW_HEALTH_CHECK):] in ids:
            return replace(change, record=replace(change.record, health_check_id=ids[check[len(NEW_HEALTH_CHECK):]]))
        return change

    return replace(plan, changes=tuple(fill(c) for c in plan.changes))


def wait(dns: DnsSession, change_id: str, timeout: float | None) -> float:
    from candlefish_ops.aws.route53 import InterruptedWait

    limit = timeout if timeout is not None else dns.config.wait_timeout
    try:
        return dns.route53.wait_insync(change_id, limit,
                                       lambda status, waited: dns.say(f"change {change_id}: {status} ({waited:.0f}s)"))
    except InterruptedWait:
        raise WaitInterrupted(
            f"interrupted while waiting; change {change_id} was submitted as one atomic batch and completes on its "
            f"own: check with `aws route53 get-change --id {change_id}` or `candlefish dns status "
            f"{dns.environment.name}`") from None


# canary ----------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class CanaryPlan:
    name: str
    before: tuple[canary_rules.CanaryPair, ...]
    changes: tuple[RecordChange, ...]
    after_percent: float


def check_canary(environment, weight: int | None, promote: bool, abort: bool) -> None:
    """The canary's arguments and config, checked before any AWS call (and before --local deploys)."""
    if environment.dns.canary is None:
        raise ValidationError(f"{environment.file}: dns.canary is not configured; declare it "
                              "(name, stable, canary, weight) first")
    if sum((weight is not None, promote, abort)) != 1:
        raise ValidationError("give exactly one of --weight N, --promote or --abort")
    if weight is not None:
        canary_rules.weights_for(weight)      # validates the percentage
    check_config(environment)


def plan_canary(dns: DnsSession, weight: int | None, promote: bool, abort: bool) -> CanaryPlan:
    check_canary(dns.environment, weight, promote, abort)
    spec = dns.config.canary
    name = absolute(spec.name, dns.zone_name)
    zone = dns.zone()
    records = dns.route53.list_records_named(zone.id, name)
    _require_owned(dns, zone.id, name, spec.types)
    pairs = canary_rules.pairs(records, name, spec.types)
    if promote:
        return CanaryPlan(name, pairs, canary_rules.plan_promote(pairs), 0.0)
    percent = 0 if abort else weight
    return CanaryPlan(name, pairs, canary_rules.plan_weight(pairs, percent), float(percent))


def _require_owned(dns: DnsSession, zone_id: str, name: str, types) -> None:
    marker_at = marker_name(dns.environment.name, dns.zone_name)
    marker = next((r for r in dns.route53.list_records_named(zone_id, marker_at) if r.type == "TXT"), None)
    owned = owned_keys(marker, dns.zone_name)
    for record_type in types:
        if RecordKey(name, record_type, canary_rules.STABLE) not in owned:
            raise NotFoundError(f"{name} {record_type} [stable] is not managed by candlefish for "
                                f"{dns.environment.name}; run `candlefish dns update {dns.environment.name}` first")


def apply_canary(dns: DnsSession, plan: CanaryPlan, timeout: float | None = None) -> str | None:
    if not plan.changes:
        return None
    change_id = dns.route53.change_records(dns.zone().id, [(c.action, c.record) for c in plan.changes],
                                           f"candlefish dns canary {dns.environment.name}")
    dns.say(f"submitted change {change_id}")
    wait(dns, change_id, timeout)
    return change_id


# status ----------------------------------------------------------------------------------------------
def declared_keys(environment, zone: str) -> set[RecordKey]:
    return {RecordKey(absolute(record.name, zone), record_type, route.set_id)
            for record in environment.dns.all_records() for record_type in record.types for route in record.routes}


def status(dns: DnsSession) -> dict:
    """Managed records (declared or owned), their targets, routing and health; health checks; DNSSEC."""
    zone = dns.zone()
    current = read_current(dns, zone)
    marker = next((r for r in current if r.name == marker_name(dns.environment.name, dns.zone_name)
                   and r.type == "TXT"), None)
    managed = owned_keys(marker, dns.zone_name) | declared_keys(dns.environment, dns.zone_name)
    live = {r.key: r for r in current}
    checks = dns.route53.list_health_checks(dns.environment.name)
    states = {c.id: dns.route53.health_check_status(c.id) for c in checks}
    return {
        "environment": dns.environment.name,
        "zone": {"name": host(zone.name), "id": zone.id, "private": zone.private, "records": zone.record_count},
        "dnssec": {"expected": dns.config.dnssec, "status": dns.route53.dnssec_status(zone.id)},
        "records": [_record_status(key, live.get(key), states) for key in sorted(managed, key=_sort_key)],
        "health_checks": [{"name": c.settings.name, "id": c.id, "check": c.settings.describe(),
                           "status": states[c.id]} for c in checks],
        "canary": _canary_status(dns, current),
    }


def _sort_key(key: RecordKey):
    return (key.name, key.type, key.set_id or "")


def _record_status(key: RecordKey, record: RecordSet | None, states: dict[str, str]) -> dict:
    if record is None:
        return {"name": key.name, "type": key.type, "set_identifier": key.set_id, "state": "missing"}
    data = record.to_json()
    data["state"] = "present"
    if record.health_check_id:
        data["health"] = states.get(record.health_check_id, "unknown (not a candlefish health check)")
    return data


def _canary_status(dns: DnsSession, current) -> dict | None:
    spec = dns.config.canary
    if spec is None:
        return None
    name = absolute(spec.name, dns.zone_name)
    try:
        found = canary_rules.pairs(current, name, spec.types)
    except NotFoundError:
        return {"name": name, "state": "missing"}
    return {"name": name, "state": "present", "percent": round(found[0].percent, 1),
            "weights": {p.type: {"stable": p.stable.weight, "canary": p.canary.weight} for p in found}}
