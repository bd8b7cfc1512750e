"""From validated config plus stack outputs to the desired record sets and health checks (pure functions)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

from candlefish_ops.dns.config import DnsConfig, RecordSpec, RouteSpec
from candlefish_ops.dns.model import (CLOUDFRONT_ZONE, NEW_HEALTH_CHECK, AliasTarget, HealthCheckSettings,
                                      RecordSet, host, partition_of)
from candlefish_ops.dns.names import path_problem
from candlefish_ops.dns.ownership import absolute
from candlefish_ops.dns.targets import (HEALTH_CHECK_HOST_OUTPUTS, HEALTH_CHECK_STAGE_OUTPUTS, ZONE_OUTPUTS, Target,
                                        bind, parse_target)
from candlefish_ops.stack_outputs import DISTRIBUTION_ID
from candlefish_ops.errors import ValidationError

StackOutputs = Mapping[tuple[str, str], Mapping[str, str]]   # (stack key, region) -> outputs


@dataclass(frozen=True)
class Distribution:
    """A CloudFront distribution records point at, and the names that must be among its aliases."""

    stack_key: str
    region: str
    names: tuple[str, ...]


def _targets(config: DnsConfig, environment) -> list[Target]:
    texts = [route.target for record in config.all_records() for route in record.routes if route.target]
    texts += [check.target for check in config.health_checks if check.target]
    return [bind(parse_target(text), config.stacks, environment.stacks) for text in texts]


def needed_stacks(config: DnsConfig, environment) -> list[tuple[str, str]]:
    """The (stack key, region) pairs whose outputs the targets read, in a stable order."""
    return sorted({(t.stack_key, t.region) for t in _targets(config, environment) if t.symbolic})


def output(outputs: StackOutputs, environment, target: Target, name: str) -> str:
    value = outputs.get((target.stack_key, target.region), {}).get(name)
    if not value:
        stack = environment.stacks[target.stack_key].stack_name
        raise ValidationError(f"stack {stack} in {target.region} has no output {name}; deploy it first "
                              f"(candlefish deploy {environment.name}) or use a literal target")
    return value


def distributions(config: DnsConfig, zone: str, environment) -> list[Distribution]:
    """Per distribution: the record names that alias it (each must be one of its Aliases)."""
    names: dict[tuple[str, str], set[str]] = {}
    for record in config.all_records():
        for route in record.routes:
            if route.target:
                target = bind(parse_target(route.target), config.stacks, environment.stacks)
                if target.kind == "cloudfront":
                    names.setdefault((target.stack_key, target.region), set()).add(
                        host(absolute(record.name, zone)))
    return [Distribution(key, region, tuple(sorted(found))) for (key, region), found in sorted(names.items())]


def distribution_id(outputs: StackOutputs, environment, distribution: Distribution) -> str:
    target = Target("cloudfront", distribution.stack_key, distribution.region)
    return output(outputs, environment, target, DISTRIBUTION_ID)


def desired_health_checks(config: DnsConfig, environment, outputs: StackOutputs) -> tuple[HealthCheckSettings, ...]:
    checks = []
    for spec in config.health_checks:
        name, path = host(spec.fqdn or ""), spec.path
        if spec.target:
            target = bind(parse_target(spec.target), config.stacks, environment.stacks)
            name, path = _health_check_endpoint(target, spec.path, environment, outputs)
        checks.append(HealthCheckSettings(spec.name, spec.type, name, path, spec.port, spec.interval,
                                          spec.failure_threshold, spec.search_string))
    return tuple(checks)


def _health_check_endpoint(target: Target, path: str, environment, outputs: StackOutputs) -> tuple[str, str]:
    """(host, resource path) a health check of `target` probes. An API is probed on its execute-api host,
    whose paths start with the stage (`/api/health`): the default endpoint answers 403 without it."""
    if not target.symbolic:
        return host(target.host), path
    name = output(outputs, environment, target, HEALTH_CHECK_HOST_OUTPUTS.get(target.kind, target.output))
    stage_output = HEALTH_CHECK_STAGE_OUTPUTS.get(target.kind)
    if stage_output:
        path = "/" + output(outputs, environment, target, stage_output).strip("/") + path
        if path_problem(path):   # the stage made it longer than Route 53 takes (checked before any change)
            raise ValidationError(f"health check of {target.kind}@{target.region}: {path_problem(path)}")
    return host(name), path


def desired_records(config: DnsConfig, zone: str, environment, outputs: StackOutputs,
                    health_check_ids: Mapping[str, str]) -> tuple[RecordSet, ...]:
    """Every record set config declares; health checks not created yet get a `new:NAME` placeholder id."""
    records = []
    for record in config.all_records():
        for record_type in record.types:
            for route in record.routes:
                records.append(_record_set(record, record_type, route, config, zone, environment, outputs,
                                           health_check_ids))
    return tuple(records)


def _record_set(record: RecordSpec, record_type: str, route: RouteSpec, config, zone, environment, outputs,
                health_check_ids) -> RecordSet:
    alias, values = _content(record_type, route, config, environment, outputs)
    check = route.health_check
    location = route.location
    return RecordSet(
        name=absolute(record.name, zone), type=record_type, set_id=route.set_id,
        ttl=None if alias else (record.ttl or config.ttl), values=values, alias=alias,
        health_check_id=health_check_ids.get(check, NEW_HEALTH_CHECK + check) if check else None,
        weight=route.weight if record.routing == "weighted" else None,
        failover=route.failover if record.routing == "failover" else None,
        continent=location.continent if location else None,
        country=location.country if location else None,
        subdivision=location.subdivision if location else None,
        region=_latency_region(route) if record.routing == "latency" else None,
        canary_role=route.canary_role,
    )


def _latency_region(route: RouteSpec) -> str | None:
    return route.region or parse_target(route.target).region


def _content(record_type: str, route: RouteSpec, config, environment, outputs):
    """(alias, values) of one route for one record type."""
    if route.alias:
        spec = route.alias
        evaluate = spec.evaluate_target_health if route.evaluate_target_health is None \
            else route.evaluate_target_health
        return AliasTarget(spec.dns_name, spec.hosted_zone_id, evaluate), ()
    if route.values:
        return None, route.values
    target = bind(parse_target(route.target), config.stacks, environment.stacks)
    name = output(outputs, environment, target, target.output) if target.symbolic else target.host
    if record_type == "CNAME":
        return None, (host(name),)
    if target.kind == "cloudfront":
        zone_id = CLOUDFRONT_ZONE[partition_of(environment.region)]
        return AliasTarget(host(name), zone_id, bool(route.evaluate_target_health)), ()
    zone_id = output(outputs, environment, target, ZONE_OUTPUTS[target.kind])
    evaluate = route.evaluate_target_health
    if evaluate is None:
        evaluate = target.kind == "alb"   # the ALB's own target health; an API's health is its health check
    return AliasTarget(host(name), zone_id, evaluate), ()
