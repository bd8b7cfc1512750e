"""WAF capacity (WCU) of the web ACLs a deploy would create or update. Pure: no AWS calls.

AWS documents (https://docs.aws.amazon.com/waf/latest/developerguide/aws-waf-capacity-units.html and the
what's-new of 2023-04-11 "AWS WAF increases web ACL capacity units limit"): a web ACL may use at most
5,000 WCU; above 1,500 WCU, every started 500 WCU adds a charge per million requests inspected
(https://aws.amazon.com/waf/pricing/: $0.20 per million requests per 500 WCU at the time of writing).

The rules are taken from the template as CloudFormation would send them (parameters, conditions,
`AWS::NoValue` resolved) and priced by WAF's own `CheckCapacity`. An IP set reference whose ARN is not
known before the deploy (a `!GetAtt` of an IP set the same stack creates) is priced through a label match
statement, which AWS documents at the same 1 WCU as an IP set match without a forwarded-IP position ANY.
"""

from __future__ import annotations

import math
from typing import Any, Mapping

from candlefish_ops.preflight import FAIL, PASS, WARN, Check
from candlefish_ops.preflight.cfn import Unrenderable, render_properties

__all__ = ["Unrenderable", "judge", "render_web_acl", "web_acls"]

MAX_WCU = 5000
INCLUDED_WCU = 1500
EXTRA_STEP_WCU = 500
EXTRA_USD_PER_MILLION_PER_STEP = 0.20
WEB_ACL_TYPE = "AWS::WAFv2::WebACL"

_STAND_IN = {"LabelMatchStatement": {"Scope": "LABEL", "Key": "candlefish:ip-set-not-created-yet"}}
_REFERENCE_STATEMENTS = ("IPSetReferenceStatement", "RegexPatternSetReferenceStatement", "RuleGroupReferenceStatement")


def web_acls(document: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    """The template's web ACL resources by logical id."""
    return {name: body for name, body in (document.get("Resources") or {}).items()
            if isinstance(body, dict) and body.get("Type") == WEB_ACL_TYPE}


def render_web_acl(document: Mapping[str, Any], logical_id: str,
                   parameters: Mapping[str, str]) -> tuple[str, list[dict]]:
    """(scope, rules in the WAF API's shape) of one web ACL, with `parameters` as the stack would get them."""
    properties = render_properties(document, logical_id, parameters)
    rules = [_api_shape(rule) for rule in properties.get("Rules") or []]
    return str(properties.get("Scope", "REGIONAL")), rules


def judge(target: str, capacity: int) -> Check:
    """PASS up to 1,500 WCU, WARN with the extra cost above it, FAIL above AWS's 5,000 maximum."""
    data = {"capacity_wcu": capacity, "included_wcu": INCLUDED_WCU, "max_wcu": MAX_WCU}
    if capacity > MAX_WCU:
        return Check("waf-capacity", target, FAIL,
                     f"the web ACL needs {capacity:,} WCU; AWS refuses a web ACL above {MAX_WCU:,}",
                     "remove or merge rules until it fits (see docs/waf.md, WAF capacity)", data)
    if capacity > INCLUDED_WCU:
        steps = math.ceil((capacity - INCLUDED_WCU) / EXTRA_STEP_WCU)
        extra = steps * EXTRA_USD_PER_MILLION_PER_STEP
        return Check("waf-capacity", target, WARN,
                     f"{capacity:,} WCU: {capacity - INCLUDED_WCU:,} above the {INCLUDED_WCU:,} included, so every "
                     f"request costs ${extra:.2f} per million more ({steps} x ${EXTRA_USD_PER_MILLION_PER_STEP:.2f})",
                     f"bring the rules under {INCLUDED_WCU:,} WCU (see docs/waf.md, WAF capacity)",
                     {**data, "extra_usd_per_million_requests": round(extra, 2)})
    return Check("waf-capacity", target, PASS, f"{capacity:,} WCU of the {INCLUDED_WCU:,} included "
                 f"(maximum {MAX_WCU:,})", "", data)


def _api_shape(node: Any) -> Any:
    """CloudFormation's rule shape as WAF's API takes it: reference statements spell "ARN", not "Arn";
    an IP set whose ARN is not known yet is priced through a 1-WCU stand-in."""
    if isinstance(node, list):
        return [_api_shape(item) for item in node]
    if not isinstance(node, dict):
        return node
    converted = {}
    for key, value in node.items():
        if key == "IPSetReferenceStatement" and not str(value.get("Arn", value.get("ARN", ""))).startswith("arn:"):
            return dict(_STAND_IN)
        converted[key] = _api_shape(value)
    for key in _REFERENCE_STATEMENTS:
        statement = converted.get(key)
        if isinstance(statement, dict) and "Arn" in statement:
            statement["ARN"] = statement.pop("Arn")
    return converted
