"""Symbolic targets (`cloudfront`, `alb@eu-west-1`, `api@us-east-1`, `websocket:api-beta@...`) and the stacks
and outputs they read.

Grammar: `KIND[:STACK_KEY][@REGION]`; KIND is cloudfront (edge stack), alb (compute stack), api or websocket
(api stack); STACK_KEY overrides the stack the role maps to; REGION picks one region of a multi-region
stack. Anything else with a dot in it is a literal host name.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from candlefish_ops import stack_outputs as outputs
from candlefish_ops.dns.names import host_problem
from candlefish_ops.echo import quoted

KINDS = {
    "cloudfront": ("edge", outputs.DISTRIBUTION_DOMAIN_NAME),
    "alb": ("compute", outputs.LOAD_BALANCER_DNS_NAME),
    "api": ("api", outputs.REST_API_REGIONAL_DOMAIN_NAME),           # the regional custom domain api.DOMAIN
    "websocket": ("api", outputs.WEBSOCKET_REGIONAL_DOMAIN_NAME),    # the regional custom domain ws.DOMAIN
}
# The Route 53 zone of each alias target's name (CloudFront's is fixed: model.CLOUDFRONT_ZONE).
ZONE_OUTPUTS = {"alb": outputs.LOAD_BALANCER_ZONE_ID, "api": outputs.REST_API_REGIONAL_ZONE_ID,
                "websocket": outputs.WEBSOCKET_REGIONAL_ZONE_ID}
# Health checks of an API probe its own region's execute-api host (the custom domain's name is routed
# between regions by the very records the check guards); the REST API answers there under its stage.
HEALTH_CHECK_HOST_OUTPUTS = {"api": outputs.REST_API_DOMAIN_NAME, "websocket": outputs.WEBSOCKET_DOMAIN_NAME}
HEALTH_CHECK_STAGE_OUTPUTS = {"api": outputs.REST_API_STAGE_NAME}
_SYMBOLIC = re.compile(r"^(?P<kind>[a-z]+)(:(?P<stack>[a-z][a-z0-9-]*))?(@(?P<region>[a-z0-9-]+))?$")
_HOST = re.compile(r"^(?=.{1,253}\.?\Z)(\*\.)?([a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?\.)+[a-z0-9-]{1,63}\.?\Z", re.I)


class TargetError(ValueError):
    """The target text cannot be understood or does not fit the environment's stacks."""


@dataclass(frozen=True)
class Target:
    kind: str                   # cloudfront | alb | api | websocket | host
    stack_key: str | None = None
    region: str | None = None
    host: str | None = None

    @property
    def symbolic(self) -> bool:
        return self.kind != "host"

    @property
    def output(self) -> str:
        return KINDS[self.kind][1]


def parse_target(text: str) -> Target:
    match = _SYMBOLIC.match(text)
    if match and match["kind"] in KINDS:
        return Target(match["kind"], match["stack"], match["region"])
    if "." in text and _HOST.match(text):
        return Target("host", host=text)
    problem = host_problem(text) if "." in text else None
    if problem:
        raise TargetError(f"target host name {problem}")
    raise TargetError(f"target {quoted(text)} is neither cloudfront, alb, api or websocket "
                      "(optionally :STACK and @REGION) nor a host name")


def bind(target: Target, roles: dict[str, str], stacks) -> Target:
    """Fill in the stack key and region from the environment's stacks (raises TargetError if impossible)."""
    if not target.symbolic:
        return target
    key = target.stack_key or roles[KINDS[target.kind][0]]
    stack = stacks.get(key)
    if stack is None:
        raise TargetError(f"target {target.kind} reads stack {key!r}, which the environment does not declare "
                          f"(stacks: {', '.join(stacks) or 'none'})")
    if target.region:
        if target.region not in stack.regions:
            raise TargetError(f"stack {key!r} does not deploy to {target.region} "
                              f"(it deploys to {', '.join(stack.regions)})")
        return Target(target.kind, key, target.region)
    if len(stack.regions) > 1:
        raise TargetError(f"target {target.kind} is ambiguous: stack {key!r} deploys to "
                          f"{', '.join(stack.regions)}; write {target.kind}@REGION")
    return Target(target.kind, key, stack.regions[0])
