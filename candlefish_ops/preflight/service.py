"""Run the preflight checks of an environment's deploy against AWS (or the emulator)."""

from __future__ import annotations

from typing import Sequence

from candlefish_ops.config import Environment
from candlefish_ops.deploy.plan import StackTarget, reference_region
from candlefish_ops.preflight import WARN, Check, PreflightReport
from candlefish_ops.stack_outputs import StackOutputs


def run_preflight(session, environment: Environment, targets: Sequence[StackTarget]) -> PreflightReport:
    """Every check that applies to `targets` (the stacks a deploy would touch)."""
    checks: list[Check] = []
    outputs = StackOutputs(session, environment)
    for target in targets:
        checks.extend(_waf_capacity(session, environment, target, outputs))
        checks.extend(_account_checks(session, environment, target, outputs))
    return PreflightReport(environment.name, tuple(checks))


def _account_checks(session, environment: Environment, target: StackTarget, outputs) -> list[Check]:
    """Subnet carving, Lambda reserved concurrency and EKS zones of one stack in one region."""
    from candlefish_ops.deploy.templates import template_document
    from candlefish_ops.preflight.cfn import Unrenderable, evaluate
    from candlefish_ops.preflight.network import cidr_checks
    from candlefish_ops.preflight.quotas import eks_zones, lambda_concurrency

    types = target.template.resource_types
    if not types & {"AWS::EC2::VPC", "AWS::EC2::Subnet", "AWS::Lambda::Function", "AWS::EKS::Cluster"}:
        return []
    document = template_document(target.template)
    parameters, _waiting = _parameters(session, environment, target, outputs)
    label = f"{target.key} ({target.region})"
    checks = cidr_checks(label, document, parameters)

    def active(resource: dict) -> bool:
        condition = resource.get("Condition")
        try:
            return condition is None or bool(evaluate(document, {"Condition": condition}, parameters))
        except Unrenderable:
            return True

    resources = {name: body for name, body in (document.get("Resources") or {}).items() if isinstance(body, dict)}
    wanted, names = 0, []
    for name, body in resources.items():
        if body.get("Type") != "AWS::Lambda::Function" or not active(body):
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
    if wanted:
        from candlefish_ops.aws.lambda_ import Lambda

        lambda_ = Lambda(session, target.region)
        quota, unreserved = lambda_.account_concurrency()
        reserved_now = sum(lambda_.reserved_concurrency(name) for name in names)
        checks.append(lambda_concurrency(label, target.region, wanted, reserved_now, quota, unreserved))
    if any(body.get("Type") == "AWS::EKS::Cluster" and active(body) for body in resources.values()):
        from candlefish_ops.aws.ec2 import availability_zones

        checks.append(eks_zones(label, target.region, availability_zones(session, target.region)))
    return checks


def _waf_capacity(session, environment: Environment, target: StackTarget, outputs) -> list[Check]:
    from candlefish_ops.deploy.templates import template_document
    from candlefish_ops.preflight.waf_capacity import WEB_ACL_TYPE, Unrenderable, judge, render_web_acl, web_acls

    if WEB_ACL_TYPE not in target.template.resource_types:
        return []
    from candlefish_ops.aws.wafv2 import check_capacity

    document = template_document(target.template)
    parameters, waiting = _parameters(session, environment, target, outputs)
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
