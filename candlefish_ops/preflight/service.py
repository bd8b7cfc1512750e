"""Run the preflight checks of an environment's deploy against AWS (or the emulator)."""

from __future__ import annotations

from typing import Sequence

from candlefish_ops.config import Environment
from candlefish_ops.deploy.plan import StackTarget, reference_region
from candlefish_ops.preflight import WARN, Check, PreflightReport
from candlefish_ops.stack_outputs import StackOutputs


def run_preflight(session, environment: Environment, targets: Sequence[StackTarget],
                  resolver=None) -> PreflightReport:
    """Every check that applies to `targets` (the stacks a deploy would touch). `resolver`: the public DNS
    (`candlefish_ops.dns.delegation`) for the zone-delegation check, which is skipped without one."""
    checks: list[Check] = []
    outputs = StackOutputs(session, environment)
    reads = _Reads(session, environment, outputs)
    for target in targets:
        checks.extend(_waf_capacity(session, environment, target, reads))
        checks.extend(_account_checks(target, reads))
    if resolver is not None:
        checks.extend(_zone_delegation(session, environment, targets, outputs, resolver))
    return PreflightReport(environment.name, tuple(checks))


def _zone_delegation(session, environment: Environment, targets: Sequence[StackTarget], outputs,
                     resolver) -> list[Check]:
    """The zone of the dns stack (given or deployed) is delegated, when certificates or the dns stack deploy."""
    from candlefish_ops.dns import delegation
    from candlefish_ops.errors import NotFoundError
    from candlefish_ops.preflight.delegation import judge_delegation, wrong_zone, zone_not_created

    dns_stack = delegation.dns_stack(environment)
    certificate_stacks = sorted({t.key for t in targets if delegation.needs_validated_certificates(t)})
    if dns_stack is None or not (certificate_stacks or any(t.key == dns_stack.key for t in targets)):
        return []
    domain = _dns_domain(environment, dns_stack)
    zone_id = delegation.zone_id(environment, outputs.of)
    if zone_id is None:
        return [zone_not_created(domain, certificate_stacks)]
    try:
        found, private = delegation.lookup(session, zone_id, resolver)
    except NotFoundError:
        return [wrong_zone(domain, zone_id, "does not exist")]
    if private:
        return [wrong_zone(domain, zone_id, "is private; ACM validates through the public DNS")]
    if found.name != domain.rstrip(".").lower():
        return [wrong_zone(domain, zone_id, f"is zone {found.name}, not {domain}")]
    return [judge_delegation(found, certificate_stacks)]


def _dns_domain(environment: Environment, dns_stack) -> str:
    value = dns_stack.parameters.get("DomainName")
    if value is not None and not value.refs:
        return value.text.strip().rstrip(".")
    return (environment.dns.zone or environment.domain or "").rstrip(".")


class _Reads:
    """What the checks read, each thing once per preflight: the account's Lambda settings and Availability
    Zones per region, a function's reservation, a template's document, a target's known parameters."""

    def __init__(self, session, environment: Environment, outputs: StackOutputs) -> None:
        self.session, self.environment, self.outputs = session, environment, outputs
        self._memo: dict[tuple, object] = {}

    def _once(self, key: tuple, read):
        if key not in self._memo:
            self._memo[key] = read()
        return self._memo[key]

    def account_concurrency(self, region: str) -> tuple[int, int]:
        return self._once(("lambda-settings", region), lambda: self._lambda(region).account_concurrency())

    def reserved_concurrency(self, region: str, function_name: str) -> int:
        return self._once(("lambda-reserved", region, function_name),
                          lambda: self._lambda(region).reserved_concurrency(function_name))

    def availability_zones(self, region: str) -> list[tuple[str, str]]:
        from candlefish_ops.aws.ec2 import availability_zones

        return self._once(("zones", region), lambda: availability_zones(self.session, region))

    def document(self, target: StackTarget):
        """The parsed template (read only by the checks, so one copy serves every region)."""
        from candlefish_ops.deploy.templates import template_document

        return self._once(("document", target.template.path), lambda: template_document(target.template))

    def parameters(self, target: StackTarget) -> tuple[dict[str, str], list[str]]:
        """`_parameters` of the target (a fresh dict for each caller)."""
        values, waiting = self._once(("parameters", target.key, target.region),
                                     lambda: _parameters(self.session, self.environment, target, self.outputs))
        return dict(values), list(waiting)

    def _lambda(self, region: str):
        from candlefish_ops.aws.lambda_ import Lambda

        return self._once(("lambda", region), lambda: Lambda(self.session, region))


def _account_checks(target: StackTarget, reads: _Reads) -> list[Check]:
    """Subnet carving, Lambda reserved concurrency and EKS zones of one stack in one region."""
    from candlefish_ops.preflight.network import cidr_checks
    from candlefish_ops.preflight.quotas import eks_zones, lambda_concurrency

    types = target.template.resource_types
    if not types & {"AWS::EC2::VPC", "AWS::EC2::Subnet", "AWS::Lambda::Function", "AWS::EKS::Cluster"}:
        return []
    document = reads.document(target)
    parameters, _waiting = reads.parameters(target)
    label = f"{target.key} ({target.region})"
    checks = cidr_checks(label, document, parameters)
    active = _active_resources(document, parameters, {"AWS::Lambda::Function", "AWS::EKS::Cluster"})
    wanted, names = _reserved_concurrency(document, parameters, active)
    if wanted:
        quota, unreserved = reads.account_concurrency(target.region)
        reserved_now = sum(reads.reserved_concurrency(target.region, name) for name in names)
        checks.append(lambda_concurrency(label, target.region, wanted, reserved_now, quota, unreserved))
    if any(body.get("Type") == "AWS::EKS::Cluster" for body in active.values()):
        checks.append(eks_zones(label, target.region, reads.availability_zones(target.region)))
    return checks


def _active_resources(document: dict, parameters: dict[str, str], types: set[str]) -> dict[str, dict]:
    """The template's resources of `types` whose Condition holds (or cannot be told yet: then they count)."""
    from candlefish_ops.preflight.cfn import Unrenderable, evaluate

    def active(resource: dict) -> bool:
        condition = resource.get("Condition")
        try:
            return condition is None or bool(evaluate(document, {"Condition": condition}, parameters))
        except Unrenderable:
            return True

    return {name: body for name, body in (document.get("Resources") or {}).items()
            if isinstance(body, dict) and body.get("Type") in types and active(body)}


def _reserved_concurrency(document: dict, parameters: dict[str, str], active: dict[str, dict]) -> tuple[int, list[str]]:
    """The reserved concurrency the stack's functions ask for, and the names of those functions."""
    from candlefish_ops.preflight.cfn import Unrenderable, evaluate

    wanted, names = 0, []
    for body in active.values():
        if body.get("Type") != "AWS::Lambda::Function":
            continue
        properties = body.get("Properties") or {}
        try:  # only the properties needed: others may wait for outputs of stacks not deployed yet
            reserved = evaluate(document, properties.get("ReservedConcurrentExecutions"), parameters)
            function_name = evaluate(document, properties.get("FunctionName"), parameters)
        except Unrenderable:
            continue
        if str(reserved).isdigit():
            wanted += int(reserved)
            if isinstance(function_name, str) and "<" not in function_name:
                names.append(function_name)
    return wanted, names


def _waf_capacity(session, environment: Environment, target: StackTarget, reads: _Reads) -> list[Check]:
    from candlefish_ops.preflight.waf_capacity import WEB_ACL_TYPE, Unrenderable, judge, render_web_acl, web_acls

    if WEB_ACL_TYPE not in target.template.resource_types:
        return []
    from candlefish_ops.aws.wafv2 import check_capacity

    document = reads.document(target)
    parameters, waiting = reads.parameters(target)
    parameters.update(_ip_sets(session, environment, target))
    checks = []
    for logical_id in web_acls(document):
        label = f"{target.key} ({target.region}) {logical_id}"
        try:
            scope, rules = render_web_acl(document, logical_id, parameters)
        except Unrenderable as error:
            checks.append(Check("waf-capacity", label, WARN, f"not computed: {error}"
                                + (f" ({'; '.join(waiting)})" if waiting else ""),
                                "deploy the stacks it waits for, then run `candlefish preflight` again"))
            continue
        region = "us-east-1" if scope == "CLOUDFRONT" else target.region
        checks.append(judge(label, check_capacity(session, region, scope, rules)))
    return checks


def _parameters(session, environment: Environment, target: StackTarget, outputs) -> tuple[dict[str, str], list[str]]:
    """The target's parameters as far as they are known now: literal ones, and references to outputs of
    stacks already deployed. The others are left out (and named)."""
    values, waiting = {}, []
    for name, value in target.parameters.items():
        missing = []

        def lookup(ref):
            source = environment.stacks[ref.stack]
            region = reference_region(ref, target.region, source.regions)
            found = (outputs.of(ref.stack, region) or {}).get(ref.output)
            if found is None:
                missing.append(str(ref))
                return ""
            return found

        resolved = value.resolve(lookup)
        if missing:
            waiting.append(f"{name} waits for {', '.join(missing)}")
        else:
            values[name] = resolved
    return values, waiting


def _ip_sets(session, environment: Environment, target: StackTarget) -> dict[str, str]:
    """The WAF IP sets the deploy would pass: existing ones by ARN; the others are not created here
    (preflight changes nothing) and are priced through a stand-in."""
    if not target.ip_set_parameters:
        return {}
    from candlefish_ops.waf.ip_sets import ip_set_parameters

    arns, _created, _missing = ip_set_parameters(session, environment.waf, target.ip_set_parameters, {}, create=False)
    return {name: arns.get(name, "(created by the deploy)") for name in target.ip_set_parameters}
