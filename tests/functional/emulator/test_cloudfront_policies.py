"""Cache, origin request and response headers policies materialise from templates and read back through
CloudFront's API (boto3's cloudfront client parses the emulator's REST-XML), with AWS's managed policies."""

from __future__ import annotations

import pytest

CACHING_DISABLED = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"
USE_ORIGIN_CACHE_CONTROL = "83da9c7e-98b4-4e11-a168-04f0df8e2c65"
ALL_VIEWER_EXCEPT_HOST = "b689b0a8-53d0-40ab-baf2-68738e2966ac"

CACHE_POLICY = {
    "Type": "AWS::CloudFront::CachePolicy",
    "Properties": {"CachePolicyConfig": {
        "Name": "images", "Comment": "keyed on width", "DefaultTTL": 3600, "MaxTTL": 86400, "MinTTL": 0,
        "ParametersInCacheKeyAndForwardedToOrigin": {
            "EnableAcceptEncodingBrotli": False, "EnableAcceptEncodingGzip": True,
            "CookiesConfig": {"CookieBehavior": "none"},
            "HeadersConfig": {"HeaderBehavior": "whitelist", "Headers": ["X-Image-Accept"]},
            "QueryStringsConfig": {"QueryStringBehavior": "whitelist", "QueryStrings": ["w", "q"]}}}},
}
TEMPLATE = {
    "Resources": {
        "Images": CACHE_POLICY,
        "Forward": {"Type": "AWS::CloudFront::OriginRequestPolicy", "Properties": {"OriginRequestPolicyConfig": {
            "Name": "forward", "CookiesConfig": {"CookieBehavior": "none"},
            "HeadersConfig": {"HeaderBehavior": "whitelist", "Headers": ["CloudFront-Viewer-Country"]},
            "QueryStringsConfig": {"QueryStringBehavior": "all"}}}},
        "Security": {"Type": "AWS::CloudFront::ResponseHeadersPolicy", "Properties": {"ResponseHeadersPolicyConfig": {
            "Name": "security",
            "SecurityHeadersConfig": {
                "StrictTransportSecurity": {"AccessControlMaxAgeSec": 63072000, "IncludeSubdomains": True,
                                            "Preload": True, "Override": True},
                "FrameOptions": {"FrameOption": "DENY", "Override": True}},
            "CustomHeadersConfig": {"Items": [{"Header": "X-Team", "Value": "edge", "Override": False}]},
            "RemoveHeadersConfig": {"Items": [{"Header": "server"}]}}}},
    },
    "Outputs": {"Images": {"Value": {"Ref": "Images"}}, "ImagesId": {"Value": {"Fn::GetAtt": ["Images", "Id"]}},
                "Forward": {"Value": {"Ref": "Forward"}}, "Security": {"Value": {"Ref": "Security"}}},
}


def test_policies_materialise_with_ref_as_id_and_read_back(stack, client):
    outputs = stack.create(TEMPLATE).outputs()
    cloudfront = client("cloudfront")
    assert outputs["Images"] == outputs["ImagesId"]

    answer = cloudfront.get_cache_policy(Id=outputs["Images"])
    policy = answer["CachePolicy"]
    assert policy["Id"] == outputs["Images"] and answer["ETag"]
    config = policy["CachePolicyConfig"]
    assert (config["MinTTL"], config["DefaultTTL"], config["MaxTTL"]) == (0, 3600, 86400)
    key = config["ParametersInCacheKeyAndForwardedToOrigin"]
    assert key["HeadersConfig"] == {"HeaderBehavior": "whitelist", "Headers": {"Quantity": 1, "Items": ["X-Image-Accept"]}}
    assert key["QueryStringsConfig"]["QueryStrings"]["Items"] == ["w", "q"]
    assert key["EnableAcceptEncodingGzip"] is True and key["EnableAcceptEncodingBrotli"] is False
    assert cloudfront.get_cache_policy_config(Id=outputs["Images"])["CachePolicyConfig"] == config

    forward = cloudfront.get_origin_request_policy(Id=outputs["Forward"])["OriginRequestPolicy"]
    assert forward["OriginRequestPolicyConfig"]["HeadersConfig"]["Headers"]["Items"] == ["CloudFront-Viewer-Country"]
    assert forward["OriginRequestPolicyConfig"]["QueryStringsConfig"] == {"QueryStringBehavior": "all"}

    security = cloudfront.get_response_headers_policy(Id=outputs["Security"])["ResponseHeadersPolicy"]
    headers = security["ResponseHeadersPolicyConfig"]
    assert headers["SecurityHeadersConfig"]["FrameOptions"] == {"FrameOption": "DENY", "Override": True}
    assert headers["SecurityHeadersConfig"]["StrictTransportSecurity"]["AccessControlMaxAgeSec"] == 63072000
    assert headers["CustomHeadersConfig"]["Items"] == [{"Header": "X-Team", "Value": "edge", "Override": False}]
    assert headers["RemoveHeadersConfig"] == {"Quantity": 1, "Items": [{"Header": "server"}]}


def test_managed_policies_exist_with_their_documented_settings(client):
    cloudfront = client("cloudfront")
    disabled = cloudfront.get_cache_policy(Id=CACHING_DISABLED)["CachePolicy"]["CachePolicyConfig"]
    assert (disabled["MinTTL"], disabled["DefaultTTL"], disabled["MaxTTL"]) == (0, 0, 0)
    origin = cloudfront.get_cache_policy(Id=USE_ORIGIN_CACHE_CONTROL)["CachePolicy"]["CachePolicyConfig"]
    assert (origin["MinTTL"], origin["DefaultTTL"], origin["MaxTTL"]) == (0, 0, 31536000)
    assert origin["ParametersInCacheKeyAndForwardedToOrigin"]["CookiesConfig"] == {"CookieBehavior": "all"}
    assert "host" in origin["ParametersInCacheKeyAndForwardedToOrigin"]["HeadersConfig"]["Headers"]["Items"]
    except_host = cloudfront.get_origin_request_policy(Id=ALL_VIEWER_EXCEPT_HOST)["OriginRequestPolicy"]
    assert except_host["OriginRequestPolicyConfig"]["HeadersConfig"] == {
        "HeaderBehavior": "allExcept", "Headers": {"Quantity": 1, "Items": ["host"]}}

    managed = cloudfront.list_cache_policies(Type="managed")["CachePolicyList"]["Items"]
    assert {item["CachePolicy"]["Id"] for item in managed} == {CACHING_DISABLED, USE_ORIGIN_CACHE_CONTROL,
                                                               "658327ea-f89d-4fab-a63d-7e88639e58f6"}
    assert "Items" not in cloudfront.list_cache_policies(Type="custom")["CachePolicyList"]


def test_list_separates_custom_from_managed_and_delete_removes(stack, client):
    stack.create({"Resources": {"Images": CACHE_POLICY}, "Outputs": {"Id": {"Value": {"Ref": "Images"}}}})
    cloudfront = client("cloudfront")
    custom = cloudfront.list_cache_policies(Type="custom")["CachePolicyList"]["Items"]
    assert [(item["Type"], item["CachePolicy"]["CachePolicyConfig"]["Name"]) for item in custom] == [("custom", "images")]
    policy_id = stack.outputs()["Id"]
    stack.delete()
    with pytest.raises(cloudfront.exceptions.NoSuchCachePolicy):
        cloudfront.get_cache_policy(Id=policy_id)


def test_update_keeps_the_id_and_changes_the_settings(stack, client):
    stack.create({"Resources": {"Images": CACHE_POLICY}, "Outputs": {"Id": {"Value": {"Ref": "Images"}}}})
    first = stack.outputs()["Id"]
    changed = {"Type": CACHE_POLICY["Type"], "Properties": {"CachePolicyConfig": {
        **CACHE_POLICY["Properties"]["CachePolicyConfig"], "DefaultTTL": 60}}}
    stack.update({"Resources": {"Images": changed}, "Outputs": {"Id": {"Value": {"Ref": "Images"}}}})
    assert stack.outputs()["Id"] == first
    config = client("cloudfront").get_cache_policy(Id=first)["CachePolicy"]["CachePolicyConfig"]
    assert config["DefaultTTL"] == 60


def test_a_distribution_refers_to_the_policies_by_id(stack, client):
    template = {"Resources": {
        "Images": CACHE_POLICY,
        "Cdn": {"Type": "AWS::CloudFront::Distribution", "Properties": {"DistributionConfig": {
            "Enabled": True,
            "Origins": [{"Id": "app", "DomainName": "app.example.org",
                         "CustomOriginConfig": {"OriginProtocolPolicy": "https-only"}}],
            "DefaultCacheBehavior": {"TargetOriginId": "app", "ViewerProtocolPolicy": "https-only",
                                     "CachePolicyId": {"Ref": "Images"},
                                     "OriginRequestPolicyId": ALL_VIEWER_EXCEPT_HOST}}}}},
        "Outputs": {"Id": {"Value": {"Ref": "Cdn"}}, "Policy": {"Value": {"Ref": "Images"}}}}
    outputs = stack.create(template).outputs()
    cloudfront = client("cloudfront")
    behaviour = cloudfront.get_distribution_config(Id=outputs["Id"])["DistributionConfig"]["DefaultCacheBehavior"]
    assert behaviour["CachePolicyId"] == outputs["Policy"]
    assert cloudfront.get_cache_policy(Id=behaviour["CachePolicyId"])["CachePolicy"]["CachePolicyConfig"]["Name"] == "images"
    assert cloudfront.get_origin_request_policy(Id=behaviour["OriginRequestPolicyId"])
