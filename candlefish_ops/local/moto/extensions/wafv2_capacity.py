"""WAFv2 capacity (WCU) in the emulator, computed as AWS documents it.

moto 5.2.5 has no CheckCapacity and gives every web ACL a capacity of 3. Here:
- `CheckCapacity` answers the capacity of the rules it is given;
- a web ACL's `Capacity` is the capacity of its rules, and creating or updating a web ACL above the
  maximum of 5,000 WCU fails with WAFLimitsExceededException, as on AWS.

Costs, from the AWS WAF Developer Guide (each statement's page under "Rule statement characteristics";
https://docs.aws.amazon.com/waf/latest/developerguide/aws-waf-capacity-units.html and
https://docs.aws.amazon.com/waf/latest/developerguide/waf-rule-statements-match.html):
- string match: 2 for EXACTLY / STARTS_WITH / ENDS_WITH, 10 for CONTAINS / CONTAINS_WORD
  (waf-rule-statement-type-string-match.html); regex 3 (…-regex-match.html); regex pattern set 25;
  XSS 40 (…-xss-match.html); SQL injection 20, 30 at HIGH sensitivity; size constraint 1
  (…-size-constraint-match.html); geo, ASN, label and IP set match 1 (an IP set read from a forwarded
  header at position ANY: 5);
- on every component-inspecting statement: +10 per text transformation (NONE is none), +10 for
  "All query parameters", double the base cost for the JSON body;
- AND / OR / NOT: the sum of the nested statements (waf-rule-statements-logical.html);
- rate-based: 2, +30 per custom aggregation key, plus its scope-down statement
  (waf-rule-statement-type-rate-based.html);
- managed rule groups: their fixed capacity (aws-managed-rule-groups-list.html), plus any scope-down.
"""

from __future__ import annotations

import json
from typing import Any

from candlefish_ops.local.moto.compat import add, patch

MAX_WEB_ACL_CAPACITY = 5000

# AWS Managed Rules capacities (aws-managed-rule-groups-baseline.html, -use-case.html, -ip-rep.html,
# -bot.html): fixed per rule group, whatever its version.
MANAGED_GROUP_CAPACITY = {
    "AWSManagedRulesCommonRuleSet": 700,
    "AWSManagedRulesAdminProtectionRuleSet": 100,
    "AWSManagedRulesKnownBadInputsRuleSet": 200,
    "AWSManagedRulesSQLiRuleSet": 200,
    "AWSManagedRulesLinuxRuleSet": 200,
    "AWSManagedRulesUnixRuleSet": 100,
    "AWSManagedRulesWindowsRuleSet": 200,
    "AWSManagedRulesPHPRuleSet": 100,
    "AWSManagedRulesWordPressRuleSet": 100,
    "AWSManagedRulesAmazonIpReputationList": 25,
    "AWSManagedRulesAnonymousIpList": 50,
    "AWSManagedRulesBotControlRuleSet": 50,
}

_STRING_MATCH_BASE = {"EXACTLY": 2, "STARTS_WITH": 2, "ENDS_WITH": 2, "CONTAINS": 10, "CONTAINS_WORD": 10}
_ONE_WCU = ("GeoMatchStatement", "LabelMatchStatement", "AsnMatchStatement")


class UnknownStatement(ValueError):
    """A statement (or managed rule group) whose cost the emulator does not know."""


def rules_capacity(rules: list[dict[str, Any]], rule_groups: dict[str, int] | None = None) -> int:
    return sum(statement_capacity(rule.get("Statement") or {}, rule_groups or {}) for rule in rules)


def statement_capacity(statement: dict[str, Any], rule_groups: dict[str, int]) -> int:
    if len(statement) != 1:
        raise UnknownStatement(f"a rule statement must have exactly one type, got {sorted(statement) or 'none'}")
    (kind, body), = statement.items()
    body = body or {}
    if kind in ("AndStatement", "OrStatement"):
        return sum(statement_capacity(nested, rule_groups) for nested in body.get("Statements", []))
    if kind == "NotStatement":
        return statement_capacity(body.get("Statement") or {}, rule_groups)
    if kind in _ONE_WCU:
        return 1
    if kind == "IPSetReferenceStatement":
        forwarded = body.get("IPSetForwardedIPConfig") or {}
        return 5 if forwarded.get("Position") == "ANY" else 1
    if kind == "RateBasedStatement":
        return 2 + 30 * len(body.get("CustomKeys") or []) + _scope_down(body, rule_groups)
    if kind == "ManagedRuleGroupStatement":
        name = body.get("Name", "")
        if body.get("VendorName") != "AWS" or name not in MANAGED_GROUP_CAPACITY:
            raise UnknownStatement(f"managed rule group {body.get('VendorName')}/{name} is unknown to the emulator")
        return MANAGED_GROUP_CAPACITY[name] + _scope_down(body, rule_groups)
    if kind == "RuleGroupReferenceStatement":
        arn = body.get("ARN", "")
        if arn not in rule_groups:
            raise UnknownStatement(f"rule group {arn} does not exist")
        return rule_groups[arn]
    base = _inspection_base(kind, body)
    return _with_field_and_transformations(base, body)


def _scope_down(body: dict[str, Any], rule_groups: dict[str, int]) -> int:
    scope_down = body.get("ScopeDownStatement")
    return statement_capacity(scope_down, rule_groups) if scope_down else 0


def _inspection_base(kind: str, body: dict[str, Any]) -> int:
    if kind == "ByteMatchStatement":
        return _STRING_MATCH_BASE.get(body.get("PositionalConstraint", ""), 10)
    if kind == "RegexMatchStatement":
        return 3
    if kind == "RegexPatternSetReferenceStatement":
        return 25
    if kind == "XssMatchStatement":
        return 40
    if kind == "SqliMatchStatement":
        return 30 if body.get("SensitivityLevel") == "HIGH" else 20
    if kind == "SizeConstraintStatement":
        return 1
    raise UnknownStatement(f"{kind} is not a statement the emulator can price")


def _with_field_and_transformations(base: int, body: dict[str, Any]) -> int:
    field = body.get("FieldToMatch") or {}
    if "JsonBody" in field:
        base *= 2
    if "AllQueryArguments" in field:
        base += 10
    transformations = [t for t in body.get("TextTransformations") or [] if t.get("Type") != "NONE"]
    return base + 10 * len(transformations)


def install() -> None:
    from moto.wafv2.models import WAFV2Backend
    from moto.wafv2.responses import WAFV2Response

    add(WAFV2Response, "check_capacity", _check_capacity)
    for name in ("create_web_acl", "update_web_acl"):
        original = getattr(WAFV2Backend, name)
        if not getattr(original, "_candlefish", False):
            patch(WAFV2Backend, name, _priced(original, name))


def _rule_groups(backend) -> dict[str, int]:
    groups = getattr(backend, "rule_groups", {}) or {}
    return {arn: int(getattr(group, "capacity", 0) or 0) for arn, group in groups.items()}


def _check_capacity(self):
    from moto.wafv2.exceptions import WAFv2ClientError

    from moto.wafv2.models import GLOBAL_REGION

    body = json.loads(self.body)
    if body.get("Scope") == "CLOUDFRONT":
        self.region = GLOBAL_REGION
    try:
        capacity = rules_capacity(body.get("Rules") or [], _rule_groups(self.wafv2_backend))
    except UnknownStatement as error:
        raise WAFv2ClientError("WAFInvalidParameterException", str(error)) from None
    return 200, {"Content-Type": "application/json"}, json.dumps({"Capacity": capacity})


def _priced(original, name: str):
    """Compute the web ACL's capacity from its rules; refuse above 5,000 WCU before anything changes."""

    import inspect

    signature = inspect.signature(original)

    def wrapper(self, *args, **kwargs):
        from moto.wafv2.exceptions import WAFv2ClientError

        given = signature.bind(self, *args, **kwargs).arguments
        rules = given.get("rules")
        capacity = None
        if rules is not None:
            try:
                capacity = rules_capacity(rules, _rule_groups(self))
            except UnknownStatement as error:
                raise WAFv2ClientError("WAFInvalidParameterException", str(error)) from None
            if capacity > MAX_WEB_ACL_CAPACITY:
                raise WAFv2ClientError(
                    "WAFLimitsExceededException",
                    f"the web ACL needs {capacity} WCU; the maximum is {MAX_WEB_ACL_CAPACITY}")
        result = original(self, *args, **kwargs)
        if capacity is not None:
            web_acl = result if name == "create_web_acl" else self.get_web_acl(None, given["name"], given["_id"])
            web_acl.capacity = capacity
        return result

    wrapper._candlefish = True
    return wrapper
