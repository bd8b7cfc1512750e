"""The `dns:` section of an environment's config (parsed here; owned by `candlefish dns`).

The parser checks shapes and types only. The Route 53 rules (weights, set identifiers, geolocation codes,
failover pairs, CNAME placement, TTLs, partitions) are checked by `candlefish_ops.dns.validate`, which
names the record and the fix, before any AWS call.

```yaml
dns:
  zone: candlefish.ai            # default: the environment's domain
  ttl: 300                       # default TTL of non-alias records
  dnssec: true                   # expected DNSSEC signing (status reports it, update warns)
  wait_timeout: 300              # seconds to wait for INSYNC
  stacks: {edge: edge, compute: compute, api: api, dns: dns}   # stack keys the targets read
  health_checks:
    site: {target: cloudfront, path: /healthz}   # HTTPS, port 443, interval 30, failure_threshold 3
  records:
    - name: "@"                  # "@" = the zone apex; relative names get the zone appended
      type: [A, AAAA]
      routing: failover          # simple | failover | geolocation | latency | weighted
      routes:
        - {set_id: primary, failover: PRIMARY, target: cloudfront, health_check: site}
        - {set_id: secondary, failover: SECONDARY, target: alb@us-east-1}
  canary: {name: app, type: [A, AAAA], stable: cloudfront, canary: alb@us-east-1, weight: 10}
```
"""

from __future__ import annotations

from dataclasses import dataclass, field

from candlefish_ops.config.schema import Node

ROUTING_POLICIES = ("simple", "failover", "geolocation", "latency", "weighted")
_SECTION_KEYS = {"zone", "ttl", "dnssec", "wait_timeout", "stacks", "health_checks", "records", "canary"}
_RECORD_KEYS = {"name", "type", "ttl", "routing", "routes", "target", "values", "alias", "health_check"}
_ROUTE_KEYS = {"set_id", "target", "values", "alias", "health_check", "weight", "failover", "location",
               "region", "evaluate_target_health"}
_HEALTH_KEYS = {"target", "fqdn", "path", "port", "type", "interval", "failure_threshold", "search_string"}
_CANARY_KEYS = {"name", "type", "ttl", "stable", "canary", "weight", "health_check"}
_ALIAS_KEYS = {"dns_name", "hosted_zone_id", "evaluate_target_health"}
_LOCATION_KEYS = {"continent", "country", "subdivision"}
DEFAULT_STACKS = {"edge": "edge", "compute": "compute", "api": "api", "dns": "dns"}


@dataclass(frozen=True)
class Alias:
    """A literal alias target (e.g. another AWS resource not in the environment's stacks)."""

    dns_name: str
    hosted_zone_id: str
    evaluate_target_health: bool = False


@dataclass(frozen=True)
class Location:
    """A geolocation: a continent, a country (optionally a subdivision), or `*` (the default)."""

    continent: str | None = None
    country: str | None = None
    subdivision: str | None = None

    @property
    def is_default(self) -> bool:
        return self.country == "*"

    def __str__(self) -> str:
        if self.continent:
            return f"continent {self.continent}"
        if self.is_default:
            return "default (*)"
        return f"country {self.country}" + (f"/{self.subdivision}" if self.subdivision else "")


@dataclass(frozen=True)
class RouteSpec:
    """One record set of a name/type: its target and, for routed records, the routing fields."""

    set_id: str | None = None
    target: str | None = None          # symbolic (cloudfront, alb@REGION, ...) or a literal host name
    values: tuple[str, ...] = ()        # literal record values
    alias: Alias | None = None          # literal alias target
    health_check: str | None = None     # name of a health check in `health_checks`
    weight: int | None = None
    failover: str | None = None         # PRIMARY | SECONDARY
    location: Location | None = None
    region: str | None = None           # latency region (default: the target's @region)
    evaluate_target_health: bool | None = None
    canary_role: str | None = None      # "stable" | "canary" for the records `canary:` generates


@dataclass(frozen=True)
class RecordSpec:
    """All record sets of one name, for one or more types, with one routing policy."""

    name: str
    types: tuple[str, ...]
    routing: str
    routes: tuple[RouteSpec, ...]
    ttl: int | None = None
    where: str = ""                     # config key path, for messages


@dataclass(frozen=True)
class HealthCheckSpec:
    name: str
    target: str | None = None           # symbolic target whose host name is checked
    fqdn: str | None = None             # or a literal host name
    path: str = "/"
    port: int = 443
    type: str = "HTTPS"
    interval: int = 30
    failure_threshold: int = 3
    search_string: str | None = None


@dataclass(frozen=True)
class CanarySpec:
    """A weighted pair `stable`/`canary` on one name; `weight` is the initial % sent to the canary."""

    name: str
    types: tuple[str, ...]
    stable: str
    canary: str
    weight: int = 10
    ttl: int | None = None
    health_check: str | None = None


@dataclass(frozen=True)
class DnsConfig:
    """Settings of `candlefish dns` for one environment."""

    zone: str | None = None             # None: the environment's domain
    ttl: int = 300
    dnssec: bool = False
    wait_timeout: float = 300.0
    stacks: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_STACKS))
    health_checks: tuple[HealthCheckSpec, ...] = ()
    records: tuple[RecordSpec, ...] = ()
    canary: CanarySpec | None = None

    def all_records(self) -> tuple[RecordSpec, ...]:
        """The declared records plus the weighted pair the canary expands into."""
        return self.records + ((canary_record(self.canary),) if self.canary else ())


def canary_record(canary: CanarySpec) -> RecordSpec:
    weight = canary.weight
    routes = (
        RouteSpec(set_id="stable", target=canary.stable, weight=100 - weight, health_check=canary.health_check,
                  canary_role="stable"),
        RouteSpec(set_id="canary", target=canary.canary, weight=weight, canary_role="canary"),
    )
    return RecordSpec(canary.name, canary.types, "weighted", routes, canary.ttl, "dns.canary")


def parse(node: Node | None, environment: str) -> DnsConfig:
    """Validate the section's shape (absent means: no records; the zone is then the environment's domain)."""
    if node is None:
        return DnsConfig()
    node.mapping(_SECTION_KEYS)
    stacks = {**DEFAULT_STACKS, **node.str_map("stacks")}
    unknown = set(stacks) - set(DEFAULT_STACKS)
    if unknown:
        raise node.error(f"unknown stack role {sorted(unknown)[0]!r} (roles: edge, compute, api, dns)", "stacks")
    return DnsConfig(
        zone=node.get("zone", str),
        ttl=node.get("ttl", int, 300),
        dnssec=node.get("dnssec", bool, False),
        wait_timeout=node.number_in("wait_timeout", 1, 3600, 300.0),
        stacks=stacks,
        health_checks=_health_checks(node),
        records=tuple(_record(element) for element in _list(node, "records")),
        canary=_canary(node.child("canary")) if node.value.get("canary") is not None else None,
    )


def _list(node: Node, key: str) -> list[Node]:
    return list(node.child(key).elements()) if node.value.get(key) is not None else []


def _health_checks(node: Node) -> tuple[HealthCheckSpec, ...]:
    if node.value.get("health_checks") is None:
        return ()
    checks = []
    for name, check in node.child("health_checks").mapping().items():
        check.mapping(_HEALTH_KEYS)
        if (check.value.get("target") is None) == (check.value.get("fqdn") is None):
            raise check.error("give exactly one of target (e.g. cloudfront) or fqdn (a host name)")
        checks.append(HealthCheckSpec(
            name=name, target=check.get("target", str), fqdn=check.get("fqdn", str),
            path=check.get("path", str, "/"), port=check.get("port", int, 443),
            type=check.get("type", str, "HTTPS"), interval=check.get("interval", int, 30),
            failure_threshold=check.get("failure_threshold", int, 3),
            search_string=check.get("search_string", str)))
    return tuple(checks)


def _types(node: Node) -> tuple[str, ...]:
    value = node.value.get("type")
    if value is None:
        raise node.error("is required (A, AAAA, CNAME, TXT, ... or a list such as [A, AAAA])", "type")
    types = (node.get("type", str),) if isinstance(value, str) else node.str_list("type")
    if not types:
        raise node.error("lists no record type", "type")
    return tuple(t.upper() for t in types)


def _record(node: Node) -> RecordSpec:
    node.mapping(_RECORD_KEYS, required={"name"})
    routing = node.get("routing", str, "simple")
    if routing not in ROUTING_POLICIES:
        raise node.error(f"{routing!r} is not a routing policy (use {', '.join(ROUTING_POLICIES)})", "routing")
    if routing == "simple":
        if node.value.get("routes") is not None:
            raise node.error("a simple record has no routes: give target, values or alias", "routes")
        routes = (_route(node, simple=True),)
    else:
        if any(node.value.get(key) is not None for key in ("target", "values", "alias")):
            raise node.error(f"a {routing} record gives its targets under routes, one per set_id")
        routes = tuple(_route(element) for element in _list(node, "routes"))
        if not routes:
            raise node.error(f"a {routing} record needs routes", "routes")
    return RecordSpec(node.get("name", str, required=True), _types(node), routing, routes,
                      node.get("ttl", int), node.path)


def _route(node: Node, simple: bool = False) -> RouteSpec:
    if not simple:
        node.mapping(_ROUTE_KEYS)
    targets = [key for key in ("target", "values", "alias") if node.value.get(key) is not None]
    if len(targets) != 1:
        raise node.error("give exactly one of target, values or alias")
    return RouteSpec(
        set_id=None if simple else _set_id(node),
        target=node.get("target", str),
        values=node.str_list("values"),
        alias=_alias(node.child("alias")) if node.value.get("alias") is not None else None,
        health_check=node.get("health_check", str),
        weight=None if simple else node.get("weight", int),
        failover=None if simple else _upper(node.get("failover", str)),
        location=None if simple else _location(node),
        region=None if simple else node.get("region", str),
        evaluate_target_health=None if simple else node.get("evaluate_target_health", bool),
    )


def _set_id(node: Node) -> str | None:
    value = node.value.get("set_id")
    return None if value is None else str(value)


def _upper(value: str | None) -> str | None:
    return value.upper() if value is not None else None


def _alias(node: Node) -> Alias:
    node.mapping(_ALIAS_KEYS, required={"dns_name", "hosted_zone_id"})
    return Alias(node.get("dns_name", str), node.get("hosted_zone_id", str),
                 node.get("evaluate_target_health", bool, False))


def _location(node: Node) -> Location | None:
    value = node.value.get("location")
    if value is None:
        return None
    if value == "*":
        return Location(country="*")
    location = node.child("location")
    if not isinstance(value, dict):
        raise location.error('must be "*" or a mapping such as {continent: EU} or {country: US}')
    location.mapping(_LOCATION_KEYS)
    return Location(_upper(location.get("continent", str)), _upper(location.get("country", str)),
                    _upper(location.get("subdivision", str)))


def _canary(node: Node) -> CanarySpec:
    node.mapping(_CANARY_KEYS, required={"name", "stable", "canary"})
    return CanarySpec(
        name=node.get("name", str), types=_types(node) if "type" in node.value else ("A", "AAAA"),
        stable=node.get("stable", str), canary=node.get("canary", str), weight=node.get("weight", int, 10),
        ttl=node.get("ttl", int), health_check=node.get("health_check", str))
