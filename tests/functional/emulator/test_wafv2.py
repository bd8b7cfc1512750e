"""WAFv2 resources of a stack are materialised in the emulator's WAFv2 service."""

from __future__ import annotations

import copy

import pytest

VISIBILITY = {"SampledRequestsEnabled": True, "CloudWatchMetricsEnabled": True, "MetricName": "edge"}
TEMPLATE = {
    "Resources": {
        "BlockedV4": {
            "Type": "AWS::WAFv2::IPSet",
            "Properties": {"Name": "blocked-v4", "Scope": "CLOUDFRONT", "IPAddressVersion": "IPV4",
                           "Addresses": ["192.0.2.0/24", "198.51.100.7/32"], "Description": "denied"},
        },
        "BlockedV6": {
            "Type": "AWS::WAFv2::IPSet",
            "Properties": {"Scope": "CLOUDFRONT", "IPAddressVersion": "IPV6", "Addresses": ["2001:db8::/32"]},
        },
        "EdgeAcl": {
            "Type": "AWS::WAFv2::WebACL",
            "Properties": {
                "Name": "edge-acl", "Scope": "CLOUDFRONT", "DefaultAction": {"Allow": {}},
                "VisibilityConfig": VISIBILITY,
                "Rules": [{
                    "Name": "block-listed", "Priority": 0, "Action": {"Block": {}},
                    "Statement": {"IPSetReferenceStatement": {"Arn": {"Fn::GetAtt": ["BlockedV4", "Arn"]}}},
                    "VisibilityConfig": {**VISIBILITY, "MetricName": "block-listed"},
                }, {
                    "Name": "api-only-json", "Priority": 1, "Action": {"Count": {}},
                    "Statement": {"ByteMatchStatement": {
                        "SearchString": "/api/", "FieldToMatch": {"UriPath": {}}, "PositionalConstraint": "STARTS_WITH",
                        "TextTransformations": [{"Priority": 0, "Type": "NONE"}]}},
                    "VisibilityConfig": {**VISIBILITY, "MetricName": "api-only-json"},
                }],
            },
        },
        "ApiAcl": {
            "Type": "AWS::WAFv2::WebACL",
            "Properties": {"Name": "api-acl", "Scope": "REGIONAL", "DefaultAction": {"Block": {}},
                           "VisibilityConfig": VISIBILITY},
        },
    },
    "Outputs": {
        "BlockedV4Arn": {"Value": {"Fn::GetAtt": ["BlockedV4", "Arn"]}},
        "BlockedV4Id": {"Value": {"Fn::GetAtt": ["BlockedV4", "Id"]}},
        "EdgeAclArn": {"Value": {"Fn::GetAtt": ["EdgeAcl", "Arn"]}},
        "EdgeAclRef": {"Value": {"Ref": "EdgeAcl"}},
    },
}


@pytest.fixture
def wafv2(client):
    return client("wafv2")


def test_ip_sets_are_readable_through_wafv2_api(stack, wafv2):
    stack.create(TEMPLATE)
    outputs = stack.outputs()

    ip_set = wafv2.get_ip_set(Name="blocked-v4", Scope="CLOUDFRONT", Id=outputs["BlockedV4Id"])["IPSet"]
    assert ip_set["Addresses"] == ["192.0.2.0/24", "198.51.100.7/32"]
    assert ip_set["ARN"] == outputs["BlockedV4Arn"] and ip_set["Description"] == "denied"
    listed = {s["Name"]: s for s in wafv2.list_ip_sets(Scope="CLOUDFRONT")["IPSets"]}
    v6_name = next(name for name in listed if "BlockedV6" in name)
    v6 = wafv2.get_ip_set(Name=v6_name, Scope="CLOUDFRONT", Id=listed[v6_name]["Id"])["IPSet"]
    assert v6["IPAddressVersion"] == "IPV6" and v6["Addresses"] == ["2001:db8::/32"]


def test_web_acl_references_ip_set(stack, wafv2):
    stack.create(TEMPLATE)
    outputs = stack.outputs()
    name, acl_id, scope = outputs["EdgeAclRef"].split("|")

    acl = wafv2.get_web_acl(Name=name, Scope=scope, Id=acl_id)["WebACL"]
    assert acl["ARN"] == outputs["EdgeAclArn"] and acl["DefaultAction"] == {"Allow": {}}
    rule, byte_match = acl["Rules"]
    assert rule["Statement"]["IPSetReferenceStatement"]["ARN"] == outputs["BlockedV4Arn"]
    assert rule["Action"] == {"Block": {}}
    assert byte_match["Statement"]["ByteMatchStatement"]["SearchString"] == b"/api/"
    regional = [a["Name"] for a in wafv2.list_web_acls(Scope="REGIONAL")["WebACLs"]]
    assert "api-acl" in regional


def test_update_changes_addresses_in_place(stack, wafv2):
    stack.create(TEMPLATE)
    ip_set_id = stack.outputs()["BlockedV4Id"]
    changed = copy.deepcopy(TEMPLATE)
    changed["Resources"]["BlockedV4"]["Properties"]["Addresses"] = ["203.0.113.9/32"]
    changed["Resources"]["EdgeAcl"]["Properties"]["DefaultAction"] = {"Block": {}}

    stack.update(changed)

    assert stack.outputs()["BlockedV4Id"] == ip_set_id
    ip_set = wafv2.get_ip_set(Name="blocked-v4", Scope="CLOUDFRONT", Id=ip_set_id)["IPSet"]
    assert ip_set["Addresses"] == ["203.0.113.9/32"]
    name, acl_id, scope = stack.outputs()["EdgeAclRef"].split("|")
    assert wafv2.get_web_acl(Name=name, Scope=scope, Id=acl_id)["WebACL"]["DefaultAction"] == {"Block": {}}


def test_delete_removes_ip_sets_and_web_acls(stack, wafv2):
    stack.create(TEMPLATE)
    ip_set_id = stack.outputs()["BlockedV4Id"]

    stack.delete()

    with pytest.raises(wafv2.exceptions.WAFNonexistentItemException):
        wafv2.get_ip_set(Name="blocked-v4", Scope="CLOUDFRONT", Id=ip_set_id)
    assert "edge-acl" not in [a["Name"] for a in wafv2.list_web_acls(Scope="CLOUDFRONT")["WebACLs"]]


def test_web_acl_association_is_visible_for_the_resource(stack, wafv2):
    template = {"Resources": {
        "ApiAcl": TEMPLATE["Resources"]["ApiAcl"],
        "Association": {"Type": "AWS::WAFv2::WebACLAssociation", "Properties": {
            "WebACLArn": {"Fn::GetAtt": ["ApiAcl", "Arn"]},
            "ResourceArn": "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/api/1"}},
    }}
    template["Resources"]["ApiAcl"] = copy.deepcopy(template["Resources"]["ApiAcl"])
    template["Resources"]["ApiAcl"]["Properties"]["Name"] = "assoc-acl"
    stack.create(template)

    acl = wafv2.get_web_acl_for_resource(
        ResourceArn="arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/api/1")["WebACL"]
    assert acl["Name"] == "assoc-acl"


def test_logging_configuration_of_web_acl(stack, wafv2):
    template = copy.deepcopy(TEMPLATE)
    template["Resources"]["Logging"] = {"Type": "AWS::WAFv2::LoggingConfiguration", "Properties": {
        "ResourceArn": {"Fn::GetAtt": ["EdgeAcl", "Arn"]},
        "LogDestinationConfigs": ["arn:aws:firehose:us-east-1:123456789012:deliverystream/aws-waf-logs-x"],
        "RedactedFields": [{"SingleHeader": {"Name": "authorization"}}]}}
    stack.create(template)

    config = wafv2.get_logging_configuration(ResourceArn=stack.outputs()["EdgeAclArn"])["LoggingConfiguration"]
    assert config["LogDestinationConfigs"] == ["arn:aws:firehose:us-east-1:123456789012:deliverystream/aws-waf-logs-x"]
    assert config["RedactedFields"] == [{"SingleHeader": {"Name": "authorization"}}]


def _seed_web_acl_rules():
    """The seed's 15 rules (security.yaml before the capacity review), as WAF's API takes them."""
    from pathlib import Path

    from candlefish_ops.deploy.templates import load_template, template_document
    from candlefish_ops.preflight.waf_capacity import render_web_acl

    document = template_document(load_template(Path(__file__).resolve().parents[3] / "templates" / "security.yaml"))
    sets = {name: "(created by the deploy)" for name in ("AllowListV4Arn", "AllowListV6Arn", "BlockListV4Arn",
                                                         "BlockListV6Arn")}
    _scope, rules = render_web_acl(document, "WebAcl", {"Environment": "production", "GeoBlockCountries": "CU",
                                                        **sets})
    xss = {"Name": "xss", "Priority": 11, "Action": {"Block": {}}, "VisibilityConfig": {**VISIBILITY, "MetricName": "xss"},
           "Statement": {"OrStatement": {"Statements": [
               {"XssMatchStatement": {"FieldToMatch": field, "TextTransformations": transformations}}
               for field, transformations in (
                   ({"QueryString": {}}, [{"Priority": 0, "Type": "URL_DECODE"}, {"Priority": 1, "Type": "HTML_ENTITY_DECODE"}]),
                   ({"Body": {"OversizeHandling": "CONTINUE"}},
                    [{"Priority": 0, "Type": "URL_DECODE"}, {"Priority": 1, "Type": "HTML_ENTITY_DECODE"}]),
                   ({"UriPath": {}}, [{"Priority": 0, "Type": "URL_DECODE"}]))]}}}
    return rules, xss


def test_check_capacity_prices_rules_as_aws_documents(wafv2):
    rules, xss = _seed_web_acl_rules()
    assert wafv2.check_capacity(Scope="CLOUDFRONT", Rules=rules)["Capacity"] == 1454
    assert wafv2.check_capacity(Scope="CLOUDFRONT", Rules=[xss])["Capacity"] == 170
    assert wafv2.check_capacity(Scope="CLOUDFRONT", Rules=rules + [xss])["Capacity"] == 1624  # the seed's ACL


def test_web_acl_capacity_is_computed_and_capped_at_5000(stack, wafv2):
    name, acl_id, scope = stack.create(TEMPLATE).outputs()["EdgeAclRef"].split("|")
    acl = wafv2.get_web_acl(Name=name, Scope=scope, Id=acl_id)
    assert acl["WebACL"]["Capacity"] == 3  # IP set match 1 + STARTS_WITH string match 2
    common = {"Name": "c", "Priority": 0, "OverrideAction": {"None": {}}, "VisibilityConfig": VISIBILITY,
              "Statement": {"ManagedRuleGroupStatement": {"VendorName": "AWS", "Name": "AWSManagedRulesCommonRuleSet"}}}
    too_big = [{**common, "Name": f"c{n}", "Priority": n} for n in range(8)]
    with pytest.raises(wafv2.exceptions.WAFLimitsExceededException):
        wafv2.create_web_acl(Name="too-big", Scope="CLOUDFRONT", DefaultAction={"Allow": {}},
                             VisibilityConfig=VISIBILITY, Rules=too_big)


def _change_set(client, stack_name: str, template: dict, kind: str, tags: dict[str, str]) -> None:
    import json as _json

    cfn = client("cloudformation")
    change_set = cfn.create_change_set(StackName=stack_name, ChangeSetName=f"cs-{len(tags)}-{kind}",
                                       ChangeSetType=kind, TemplateBody=_json.dumps(template),
                                       Tags=[{"Key": k, "Value": v} for k, v in tags.items()])["Id"]
    cfn.get_waiter("change_set_create_complete").wait(ChangeSetName=change_set)
    changes = cfn.describe_change_set(ChangeSetName=change_set)["Changes"]
    cfn.execute_change_set(ChangeSetName=change_set)
    return changes


def test_an_update_of_an_ip_set_resource_sends_the_template_addresses(client, wafv2):
    """As on AWS: addresses written with UpdateIPSet are replaced by the template's on a stack update that
    touches the IP set, here a change of the stack's tags (propagated to its resources)."""
    template = {"Resources": {"BlockedV4": copy.deepcopy(TEMPLATE["Resources"]["BlockedV4"])}}
    template["Resources"]["BlockedV4"]["Properties"]["Addresses"] = []
    _change_set(client, "owns-ip-set", template, "CREATE", {"CostCenter": "platform"})
    summary = next(s for s in wafv2.list_ip_sets(Scope="CLOUDFRONT")["IPSets"] if s["Name"] == "blocked-v4")
    token = wafv2.get_ip_set(Name="blocked-v4", Scope="CLOUDFRONT", Id=summary["Id"])["LockToken"]
    wafv2.update_ip_set(Name="blocked-v4", Scope="CLOUDFRONT", Id=summary["Id"], Addresses=["203.0.113.7/32"],
                        LockToken=token)

    changes = _change_set(client, "owns-ip-set", template, "UPDATE", {"CostCenter": "security"})

    assert [c["ResourceChange"]["LogicalResourceId"] for c in changes] == ["BlockedV4"]
    ip_set = wafv2.get_ip_set(Name="blocked-v4", Scope="CLOUDFRONT", Id=summary["Id"])["IPSet"]
    assert ip_set["Addresses"] == []
