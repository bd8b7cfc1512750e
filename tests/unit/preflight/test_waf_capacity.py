"""WAF capacity: the template's rules rendered as CloudFormation would send them, priced by AWS's documented
costs (the emulator's table), and judged against the 1,500 included / 5,000 maximum WCU."""

from __future__ import annotations

from pathlib import Path

import pytest

from candlefish_ops.deploy.templates import load_template, template_document
from candlefish_ops.local.moto.extensions.wafv2_capacity import UnknownStatement, rules_capacity, statement_capacity
from candlefish_ops.preflight.waf_capacity import Unrenderable, judge, render_web_acl

ROOT = Path(__file__).resolve().parents[3]


def _security(parameters=None):
    document = template_document(load_template(ROOT / "templates" / "security.yaml"))
    not_created = {name: "(created by the deploy)" for name in ("AllowListV4Arn", "AllowListV6Arn",
                                                                "BlockListV4Arn", "BlockListV6Arn")}
    return render_web_acl(document, "WebAcl", {"Environment": "production", **not_created, **(parameters or {})})


def test_the_security_acl_fits_in_the_included_capacity():
    scope, rules = _security({"GeoBlockCountries": "CU,IR,KP,SY"})
    assert scope == "CLOUDFRONT"
    assert rules_capacity(rules) == 1454  # 1,425 managed + 29 custom
    assert rules_capacity(rules) <= 1500


def test_conditions_and_defaults_are_applied():
    _scope, with_geo = _security({"GeoBlockCountries": "CU"})
    _scope, without_geo = _security()  # default "" disables the geo rule
    assert "geo-block" in {r["Name"] for r in with_geo}
    assert "geo-block" not in {r["Name"] for r in without_geo}
    rate = next(r for r in without_geo if r["Name"] == "global-rate-limit")["Statement"]["RateBasedStatement"]
    assert rate["Limit"] == 10000  # the parameter's Default, typed as a Number


def test_ip_sets_not_created_yet_are_priced_by_a_one_wcu_stand_in():
    _scope, rules = _security()
    allow = next(r for r in rules if r["Name"] == "ip-allowlist")
    statements = allow["Statement"]["OrStatement"]["Statements"]
    assert all("IPSetReferenceStatement" not in s for s in statements)
    assert rules_capacity([allow]) == 2


def test_known_ip_set_arns_are_kept_in_the_api_shape():
    arn = "arn:aws:wafv2:us-east-1:123456789012:global/ipset/x/1"
    _scope, rules = _security({name: arn for name in ("AllowListV4Arn", "AllowListV6Arn",
                                                      "BlockListV4Arn", "BlockListV6Arn")})
    allow = next(r for r in rules if r["Name"] == "ip-allowlist")
    assert allow["Statement"]["OrStatement"]["Statements"][0] == {"IPSetReferenceStatement": {"ARN": arn}}


@pytest.mark.parametrize("statement, cost", [
    ({"XssMatchStatement": {"FieldToMatch": {"QueryString": {}},
                            "TextTransformations": [{"Priority": 0, "Type": "URL_DECODE"},
                                                    {"Priority": 1, "Type": "HTML_ENTITY_DECODE"}]}}, 60),
    ({"ByteMatchStatement": {"FieldToMatch": {"UriPath": {}}, "PositionalConstraint": "STARTS_WITH",
                             "SearchString": "/api/", "TextTransformations": [{"Priority": 0, "Type": "NONE"}]}}, 2),
    ({"ByteMatchStatement": {"FieldToMatch": {"AllQueryArguments": {}}, "PositionalConstraint": "CONTAINS",
                             "SearchString": "x", "TextTransformations": [{"Priority": 0, "Type": "LOWERCASE"}]}}, 30),
    ({"SqliMatchStatement": {"FieldToMatch": {"JsonBody": {"MatchPattern": {"All": {}}, "MatchScope": "ALL"}},
                             "TextTransformations": [{"Priority": 0, "Type": "NONE"}]}}, 40),
    ({"RateBasedStatement": {"Limit": 100, "AggregateKeyType": "CUSTOM_KEYS", "CustomKeys": [{"IP": {}}],
                             "ScopeDownStatement": {"GeoMatchStatement": {"CountryCodes": ["US"]}}}}, 33),
    ({"NotStatement": {"Statement": {"SizeConstraintStatement": {
        "FieldToMatch": {"Body": {}}, "ComparisonOperator": "GT", "Size": 1,
        "TextTransformations": [{"Priority": 0, "Type": "NONE"}]}}}}, 1),
    ({"ManagedRuleGroupStatement": {"VendorName": "AWS", "Name": "AWSManagedRulesCommonRuleSet"}}, 700),
])
def test_documented_statement_costs(statement, cost):
    assert statement_capacity(statement, {}) == cost


def test_unknown_managed_groups_are_refused():
    with pytest.raises(UnknownStatement):
        statement_capacity({"ManagedRuleGroupStatement": {"VendorName": "Other", "Name": "X"}}, {})


def test_judgement_thresholds():
    assert judge("t", 1500).status == "PASS"
    warn = judge("t", 1624)
    assert warn.status == "WARN" and "$0.20 per million" in warn.detail
    assert warn.data["extra_usd_per_million_requests"] == 0.2
    assert judge("t", 2600).data["extra_usd_per_million_requests"] == 0.6
    fail = judge("t", 5001)
    assert fail.status == "FAIL" and "5,000" in fail.detail and fail.fix


def test_a_reference_that_cannot_be_evaluated_is_reported():
    document = {"Resources": {"Acl": {"Type": "AWS::WAFv2::WebACL", "Properties": {
        "Scope": "REGIONAL", "Rules": [{"Name": "r", "Statement": {"Ref": "Missing"}}]}}}}
    with pytest.raises(Unrenderable):
        render_web_acl(document, "Acl", {})
