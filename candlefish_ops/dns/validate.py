"""The Route 53 rules candlefish enforces itself, on the config, before any AWS call (moto checks none).

Each problem names the record (name, type, set identifier, config key) and what to do about it.
"""

from __future__ import annotations

import re
from collections import defaultdict

from candlefish_ops.dns.config import DnsConfig, HealthCheckSpec, RecordSpec, RouteSpec
from candlefish_ops.config.stacks import REGION_PATTERN
from candlefish_ops.dns.geo import location_problem
from candlefish_ops.dns.model import CLOUDFRONT_ZONE, partition_of
from candlefish_ops.dns.names import (MAX_NAME, host_problem, name_problem, path_problem, search_string_problem,
                                      txt_problem)
from candlefish_ops.dns.ownership import absolute
from candlefish_ops.dns.targets import TargetError, bind, parse_target
from candlefish_ops.echo import quoted
from candlefish_ops.errors import ValidationError

SUPPORTED_TYPES = {"A", "AAAA", "CNAME", "TXT", "MX", "CAA", "SRV"}
ALIAS_TYPES = {"A", "AAAA", "CNAME"}
TTL_RANGE = (10, 172_800)
WEIGHT_RANGE = (0, 255)
_SET_ID = re.compile(r"^[\w .:/=+@-]{1,128}$")
_ROUTING_FIELDS = {"weighted": "weight", "failover": "failover", "geolocation": "location", "latency": "region"}


def check(config: DnsConfig, zone: str | None, environment) -> None:
    """Raise one ValidationError listing every problem (nothing has been sent to AWS yet)."""
    problems = problems_of(config, zone, environment)
    if problems:
        more = f" (and {len(problems) - 1} more problem(s))" if len(problems) > 1 else ""
        raise ValidationError("; ".join(problems[:3]) + (more if len(problems) > 3 else ""))


def problems_of(config: DnsConfig, zone: str | None, environment) -> list[str]:
    if not zone:
        return ["dns.zone: no zone: set dns.zone or the environment's domain"]
    if host_problem(zone):
        return [f"dns.zone: {host_problem(zone)}"]
    problems = [p for spec in config.health_checks for p in _health_check_problems(spec, config, environment)]
    checks = {spec.name for spec in config.health_checks}
    records = config.all_records()
    for record in records:
        problems.extend(_record_problems(record, zone, config, environment, checks))
    problems.extend(_placement_problems(records, zone))
    if config.canary and not 0 <= config.canary.weight <= 100:
        problems.append(f"dns.canary.weight: {config.canary.weight} is not a percentage; use 0-100")
    if not TTL_RANGE[0] <= config.ttl <= TTL_RANGE[1]:
        problems.append(f"dns.ttl: {config.ttl} s is not a sane TTL; use {TTL_RANGE[0]}-{TTL_RANGE[1]} s")
    return problems


def _label(record: RecordSpec, record_type: str | None = None, route: RouteSpec | None = None) -> str:
    kind = record_type or "/".join(record.types)
    set_id = f" [{route.set_id}]" if route is not None and route.set_id else ""
    return f"record {quoted(record.name)} {kind}{set_id} ({record.where})"


def _record_problems(record, zone, config, environment, checks) -> list[str]:
    problems = _name_problems(record, zone)
    for record_type in record.types:
        if record_type not in SUPPORTED_TYPES:
            problems.append(f"{_label(record, record_type)}: type {record_type} is not supported "
                            f"(use {', '.join(sorted(SUPPORTED_TYPES))})")
    if record.ttl is not None and not TTL_RANGE[0] <= record.ttl <= TTL_RANGE[1]:
        problems.append(f"{_label(record)}: ttl {record.ttl} s is not sane; use {TTL_RANGE[0]}-{TTL_RANGE[1]} s")
    problems.extend(_routing_problems(record))
    for route in record.routes:
        problems.extend(_route_problems(record, route, config, environment, checks))
    return problems


def _name_problems(record: RecordSpec, zone: str) -> list[str]:
    """The name as Route 53 takes it: characters, labels, length, inside the zone."""
    problem = name_problem(record.name)
    if problem:
        return [f"{_label(record)}: {problem}"]
    name = absolute(record.name, zone)
    if len(name.rstrip(".")) > MAX_NAME:
        return [f"{_label(record)}: {name} is {len(name.rstrip('.'))} characters with the zone; a name has at "
                f"most {MAX_NAME}: shorten it"]
    if not (name == absolute("@", zone) or name.endswith("." + absolute("@", zone))):
        return [f"{_label(record)}: {name} is outside the zone {zone}; use a name inside it"]
    return []


def _routing_problems(record: RecordSpec) -> list[str]:
    if record.routing == "simple":
        return []
    problems = []
    seen: dict[str, int] = defaultdict(int)
    for route in record.routes:
        if not route.set_id:
            problems.append(f"{_label(record)}: a {record.routing} route has no set_id; give each route a "
                            "unique set_id")
        elif not _SET_ID.match(route.set_id):
            problems.append(f"{_label(record, route=route)}: set_id must be 1-128 letters, digits, spaces or "
                            "._-:/=+@")
        else:
            seen[route.set_id] += 1
    problems.extend(f"{_label(record)}: set_id {set_id!r} is used {count} times; make it unique per name "
                    "and type" for set_id, count in seen.items() if count > 1)
    check = {"weighted": _weighted, "failover": _failover, "geolocation": _geolocation,
             "latency": _latency}[record.routing]
    return problems + check(record) + _foreign_fields(record)


def _foreign_fields(record: RecordSpec) -> list[str]:
    problems = []
    for route in record.routes:
        for policy, field_name in _ROUTING_FIELDS.items():
            if policy != record.routing and getattr(route, field_name) is not None:
                problems.append(f"{_label(record, route=route)}: {field_name} belongs to {policy} routing, "
                                f"not {record.routing}; remove it")
    return problems


def _weighted(record: RecordSpec) -> list[str]:
    problems = []
    for route in record.routes:
        if route.weight is None:
            problems.append(f"{_label(record, route=route)}: weighted route without weight; set 0-255")
        elif not WEIGHT_RANGE[0] <= route.weight <= WEIGHT_RANGE[1]:
            problems.append(f"{_label(record, route=route)}: weight {route.weight} is outside 0-255; "
                            "set a weight between 0 and 255")
    if len(record.routes) > 100:
        problems.append(f"{_label(record)}: {len(record.routes)} weighted routes; Route 53 allows 100")
    return problems


def _failover(record: RecordSpec) -> list[str]:
    roles = [route.failover for route in record.routes]
    bad = [role for role in roles if role not in ("PRIMARY", "SECONDARY")]
    if bad:
        return [f"{_label(record)}: failover {bad[0]!r} must be PRIMARY or SECONDARY"]
    if sorted(roles) != ["PRIMARY", "SECONDARY"]:
        return [f"{_label(record)}: a failover pair needs exactly one PRIMARY and one SECONDARY route "
                f"(found {', '.join(roles) or 'none'})"]
    primary = next(route for route in record.routes if route.failover == "PRIMARY")
    if not primary.health_check:
        return [f"{_label(record, route=primary)}: the PRIMARY route needs a health_check, or Route 53 never "
                "fails over; add health_check: NAME"]
    return []


def _geolocation(record: RecordSpec) -> list[str]:
    problems, seen = [], set()
    for route in record.routes:
        location = route.location
        if location is None:
            problems.append(f"{_label(record, route=route)}: geolocation route without location; give "
                            '{continent: EU}, {country: US} or "*"')
            continue
        problem = location_problem(location.continent, location.country, location.subdivision)
        if problem:
            problems.append(f"{_label(record, route=route)}: {problem}")
        if location in seen:
            problems.append(f"{_label(record, route=route)}: {location} is routed twice; keep one route")
        seen.add(location)
    if not any(route.location and route.location.is_default for route in record.routes):
        problems.append(f'{_label(record)}: no default location; add a route with location: "*" so '
                        "visitors from elsewhere get an answer")
    return problems


def _latency(record: RecordSpec) -> list[str]:
    problems = []
    for route in record.routes:
        region = route.region or (_target_region(route.target) if route.target else None)
        if region is None:
            problems.append(f"{_label(record, route=route)}: latency route without region; set region: "
                            "REGION or use a target@REGION")
        elif not REGION_PATTERN.match(region):
            problems.append(f"{_label(record, route=route)}: {region!r} is not an AWS region")
    regions = [route.region or _target_region(route.target or "") for route in record.routes]
    duplicates = sorted({r for r in regions if r and regions.count(r) > 1})
    if duplicates:
        problems.append(f"{_label(record)}: region {duplicates[0]} has two latency routes; keep one")
    return problems


def _target_region(text: str) -> str | None:
    try:
        return parse_target(text).region
    except TargetError:
        return None


def _route_problems(record, route, config, environment, checks) -> list[str]:
    problems = []
    if route.health_check and route.health_check not in checks:
        problems.append(f"{_label(record, route=route)}: health_check {route.health_check!r} is not declared "
                        f"under dns.health_checks (declared: {', '.join(sorted(checks)) or 'none'})")
    for record_type in record.types:
        problem = _content_problem(record_type, route, config, environment)
        if problem:
            problems.append(f"{_label(record, record_type, route)}: {problem}")
    return problems


def _content_problem(record_type: str, route: RouteSpec, config, environment) -> str | None:
    partition = partition_of(environment.region)
    if route.alias:
        if record_type not in ALIAS_TYPES:
            return f"an alias cannot be a {record_type} record; use values"
        foreign = {zone: p for p, zone in CLOUDFRONT_ZONE.items() if p != partition}
        if route.alias.hosted_zone_id in foreign:
            return (f"alias zone {route.alias.hosted_zone_id} is CloudFront's in {foreign[route.alias.hosted_zone_id]}"
                    f", not {partition}; use {CLOUDFRONT_ZONE.get(partition, 'a zone of this partition')}")
        problem = host_problem(route.alias.dns_name)
        return f"alias dns_name {problem}" if problem else None
    if route.values:
        return _values_problem(record_type, route.values)
    return _target_problem(record_type, route.target, config, environment, partition)


def _values_problem(record_type: str, values: tuple[str, ...]) -> str | None:
    import ipaddress

    if record_type == "CNAME" and len(values) != 1:
        return "a CNAME has exactly one value"
    for value in values:
        problem = _value_text_problem(record_type, value)
        if problem:
            return problem
        if record_type in ("A", "AAAA"):
            try:
                address = ipaddress.ip_address(value)
            except ValueError:
                return f"{value!r} is not an IP address; an {record_type} record holds addresses"
            if (address.version == 4) != (record_type == "A"):
                return f"{value} is an IPv{address.version} address, wrong for {record_type}"
    return None


def _value_text_problem(record_type: str, value: str) -> str | None:
    if record_type == "TXT":
        return txt_problem(value)
    if record_type == "CNAME":
        problem = host_problem(value)
        return f"value {problem}" if problem else None
    if not value.isascii() or not value.isprintable():
        return f"value {quoted(value)} has control or non-ASCII characters; use printable ASCII"
    return None


def _target_problem(record_type, text, config, environment, partition) -> str | None:
    try:
        target = bind(parse_target(text), config.stacks, environment.stacks)
    except TargetError as error:
        return str(error)
    if record_type in ("A", "AAAA") and not target.symbolic:
        return (f"{text} is a host name: an {record_type} record needs cloudfront, alb, api, websocket, values or "
                "alias; use CNAME")
    if record_type not in ALIAS_TYPES:
        return f"a {record_type} record takes values, not a target"
    if target.kind == "cloudfront" and partition not in CLOUDFRONT_ZONE:
        return f"CloudFront has no alias zone in partition {partition}; use another target"
    if target.region and partition_of(target.region) != partition:
        return (f"{text} is in partition {partition_of(target.region)}, the zone's is {partition}; alias "
                "targets must be in the same partition")
    return None


def _placement_problems(records: tuple[RecordSpec, ...], zone: str) -> list[str]:
    """CNAME neither at the apex nor beside other types; one routing policy per name and type."""
    apex = absolute("@", zone)
    by_name: dict[str, list[tuple[RecordSpec, str]]] = defaultdict(list)
    for record in records:
        for record_type in record.types:
            by_name[absolute(record.name, zone)].append((record, record_type))
    problems = []
    for name, entries in by_name.items():
        types = [t for _, t in entries]
        cname = next((r for r, t in entries if t == "CNAME"), None)
        if cname and name == apex:
            problems.append(f"{_label(cname, 'CNAME')}: a CNAME cannot be at the zone apex {zone}; use alias A "
                            "and AAAA records (target: cloudfront)")
        elif cname and len(set(types)) > 1:
            others = ", ".join(sorted(set(types) - {"CNAME"}))
            problems.append(f"{_label(cname, 'CNAME')}: a CNAME cannot sit beside other records of {name} "
                            f"({others}); use alias A/AAAA records or another name")
        problems.extend(_declared_twice(entries, name))
    return problems


def _declared_twice(entries, name) -> list[str]:
    problems, seen = [], {}
    for record, record_type in entries:
        if record_type in seen:
            first = seen[record_type]
            if record.routing != first.routing or record.routing == "simple":
                problems.append(f"{_label(record, record_type)}: {name} {record_type} is also declared at "
                                f"{first.where}; declare each name and type once")
            else:
                ids = {r.set_id for r in first.routes} & {r.set_id for r in record.routes}
                if ids:
                    problems.append(f"{_label(record, record_type)}: set_id {sorted(ids)[0]!r} is also used "
                                    f"at {first.where}; make it unique per name and type")
        else:
            seen[record_type] = record
    return problems


def _health_check_problems(spec: HealthCheckSpec, config: DnsConfig, environment) -> list[str]:
    where = f"dns.health_checks.{spec.name}"
    problems = []
    if spec.type not in ("HTTPS", "HTTP", "HTTPS_STR_MATCH", "HTTP_STR_MATCH"):
        problems.append(f"{where}: type {spec.type} is not supported; use HTTPS or HTTP (or *_STR_MATCH)")
    if spec.interval not in (10, 30):
        problems.append(f"{where}: interval {spec.interval} s; Route 53 checks every 10 or 30 s")
    if not 1 <= spec.failure_threshold <= 10:
        problems.append(f"{where}: failure_threshold {spec.failure_threshold}; use 1-10")
    if not 1 <= spec.port <= 65535:
        problems.append(f"{where}: port {spec.port} is not a TCP port")
    if not spec.path.startswith("/"):
        problems.append(f"{where}: path {quoted(spec.path)} must start with /")
    problems.extend(f"{where}: {problem}" for problem in _health_check_text_problems(spec))
    if spec.type.endswith("STR_MATCH") != bool(spec.search_string):
        problems.append(f"{where}: search_string goes with (and only with) a *_STR_MATCH type")
    if spec.target:
        try:
            bind(parse_target(spec.target), config.stacks, environment.stacks)
        except TargetError as error:
            problems.append(f"{where}: {error}")
    return problems


def _health_check_text_problems(spec: HealthCheckSpec) -> list[str]:
    """Path, search string and fqdn as Route 53 takes them (before the check is created)."""
    problems = [path_problem(spec.path)]
    if spec.search_string:
        problems.append(search_string_problem(spec.search_string))
    if spec.fqdn is not None and host_problem(spec.fqdn):
        problems.append(f"fqdn {host_problem(spec.fqdn)}")
    return [problem for problem in problems if problem]
