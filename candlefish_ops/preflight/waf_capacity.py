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
import re
from typing import Any, Mapping

from candlefish_ops.preflight import FAIL, PASS, WARN, Check

MAX_WCU = 5000
INCLUDED_WCU = 1500
EXTRA_STEP_WCU = 500
EXTRA_USD_PER_MILLION_PER_STEP = 0.20
WEB_ACL_TYPE = "AWS::WAFv2::WebACL"

_STAND_IN = {"LabelMatchStatement": {"Scope": "LABEL", "Key": "candlefish:ip-set-not-created-yet"}}
_REFERENCE_STATEMENTS = ("IPSetReferenceStatement", "RegexPatternSetReferenceStatement", "RuleGroupReferenceStatement")
_NO_VALUE = object()


class Unrenderable(ValueError):
    """The template uses something this renderer cannot evaluate before the deploy."""


def web_acls(document: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    """The template's web ACL resources by logical id."""
    return {name: body for name, body in (document.get("Resources") or {}).items()
            if isinstance(body, dict) and body.get("Type") == WEB_ACL_TYPE}


def render_web_acl(document: Mapping[str, Any], logical_id: str,
                   parameters: Mapping[str, str]) -> tuple[str, list[dict]]:
    """(scope, rules in the WAF API's shape) of one web ACL, with `parameters` as the stack would get them."""
    values = _parameter_values(document, parameters)
    context = _Context(document, values)
    properties = context.render((document["Resources"][logical_id] or {}).get("Properties") or {})
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


# -- rendering ------------------------------------------------------------------------------------------

def _parameter_values(document: Mapping[str, Any], given: Mapping[str, str]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for name, spec in (document.get("Parameters") or {}).items():
        spec = spec or {}
        if name in given:
            raw = given[name]
        elif "Default" in spec:
            raw = spec["Default"]
        else:
            continue
        kind = str(spec.get("Type", "String"))
        if kind == "Number":
            number = float(raw)
            values[name] = int(number) if number.is_integer() else number
        elif kind == "CommaDelimitedList" or kind.startswith("List<"):
            values[name] = [part.strip() for part in str(raw).split(",")]
        else:
            values[name] = str(raw)
    return values


class _Context:
    def __init__(self, document: Mapping[str, Any], parameters: Mapping[str, Any]) -> None:
        self.document = document
        self.parameters = parameters
        self._conditions: dict[str, bool] = {}

    def condition(self, name: str) -> bool:
        if name not in self._conditions:
            definition = (self.document.get("Conditions") or {}).get(name)
            if definition is None:
                raise Unrenderable(f"unknown condition {name!r}")
            self._conditions[name] = bool(self.render(definition))
        return self._conditions[name]

    def render(self, node: Any) -> Any:
        if isinstance(node, list):
            rendered = [self.render(item) for item in node]
            return [item for item in rendered if item is not _NO_VALUE]
        if not isinstance(node, dict):
            return node
        if len(node) == 1:
            (key, value), = node.items()
            function = key[5:] if key.startswith("Fn::") else key
            if function in _FUNCTIONS:
                return getattr(self, f"_fn_{function}")(value)
        rendered = {key: self.render(value) for key, value in node.items()}
        return {key: value for key, value in rendered.items() if value is not _NO_VALUE}

    def _fn_Ref(self, name: str) -> Any:
        if name == "AWS::NoValue":
            return _NO_VALUE
        if name in self.parameters:
            return self.parameters[name]
        if name.startswith("AWS::"):
            return {"AWS::Partition": "aws"}.get(name, f"<{name}>")
        resource = (self.document.get("Resources") or {}).get(name)
        if resource is not None:
            return _Unknown(name)
        raise Unrenderable(f"Ref {name}: no such parameter or resource")

    def _fn_GetAtt(self, value: Any) -> Any:
        target = value[0] if isinstance(value, list) else str(value).split(".", 1)[0]
        return _Unknown(target)

    def _fn_If(self, value: list) -> Any:
        name, when_true, when_false = value
        return self.render(when_true if self.condition(name) else when_false)

    def _fn_Condition(self, name: str) -> bool:
        return self.condition(name)

    def _fn_Equals(self, value: list) -> bool:
        left, right = (self.render(item) for item in value)
        return left == right

    def _fn_Not(self, value: list) -> bool:
        return not self.render(value[0])

    def _fn_And(self, value: list) -> bool:
        return all(self.render(item) for item in value)

    def _fn_Or(self, value: list) -> bool:
        return any(self.render(item) for item in value)

    def _fn_Join(self, value: list) -> str:
        separator, items = value
        return str(separator).join(str(item) for item in self.render(items))

    def _fn_Sub(self, value: Any) -> str:
        text, variables = (value[0], self.render(value[1])) if isinstance(value, list) else (value, {})

        def substitute(match: re.Match) -> str:
            name = match.group(1)
            if name in variables:
                return str(variables[name])
            resolved = self._fn_Ref(name) if "." not in name else _Unknown(name.split(".", 1)[0])
            return str(resolved)

        return re.sub(r"\$\{([^}!][^}]*)\}", substitute, text)


# Intrinsic functions, long (Fn::X) or short (!X, parsed as {"X": ...}) form.
_FUNCTIONS = {"Ref", "GetAtt", "If", "Sub", "Join", "Equals", "Not", "And", "Or", "Condition"}


class _Unknown(str):
    """A value only known once the stack exists (a resource's Ref or attribute)."""

    def __new__(cls, resource: str) -> "_Unknown":
        return super().__new__(cls, f"<{resource}>")


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
