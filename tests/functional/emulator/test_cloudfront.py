"""CloudFront resources of a stack are materialised in the emulator's CloudFront service."""

from __future__ import annotations

import copy
import json

import pytest

EDGE_ARN = "arn:aws:lambda:us-east-1:123456789012:function:image-resize:3"
VIEWER_FN_ARN = "arn:aws:cloudfront::123456789012:function/rewrite"

TEMPLATE = {
    "Resources": {
        "Assets": {"Type": "AWS::S3::Bucket"},
        "AssetsAccess": {
            "Type": "AWS::CloudFront::OriginAccessControl",
            "Properties": {"OriginAccessControlConfig": {
                "Name": "assets-oac", "OriginAccessControlOriginType": "s3",
                "SigningBehavior": "always", "SigningProtocol": "sigv4"}},
        },
        "Cdn": {
            "Type": "AWS::CloudFront::Distribution",
            "Properties": {
                "DistributionConfig": {
                    "Enabled": True,
                    "Comment": "candlefish edge",
                    "Aliases": ["cdn.candlefish.ai", "img.candlefish.ai"],
                    "HttpVersion": "http2and3",
                    "PriceClass": "PriceClass_100",
                    "WebACLId": "arn:aws:wafv2:us-east-1:123456789012:global/webacl/edge/abc",
                    "ViewerCertificate": {
                        "AcmCertificateArn": "arn:aws:acm:us-east-1:123456789012:certificate/1",
                        "SslSupportMethod": "sni-only", "MinimumProtocolVersion": "TLSv1.2_2021"},
                    "Origins": [
                        {"Id": "assets", "DomainName": {"Fn::GetAtt": ["Assets", "RegionalDomainName"]},
                         "S3OriginConfig": {"OriginAccessIdentity": ""},
                         "OriginAccessControlId": {"Fn::GetAtt": ["AssetsAccess", "Id"]}},
                        {"Id": "api", "DomainName": "api.candlefish.ai",
                         "CustomOriginConfig": {"OriginProtocolPolicy": "https-only",
                                                "OriginSSLProtocols": ["TLSv1.2"]},
                         "OriginCustomHeaders": [{"HeaderName": "X-Origin-Verify", "HeaderValue": "s3cr3t"}]},
                    ],
                    "DefaultCacheBehavior": {
                        "TargetOriginId": "assets", "ViewerProtocolPolicy": "redirect-to-https",
                        "CachePolicyId": "658327ea-f89d-4fab-a63d-7e88639e58f6",
                        "FunctionAssociations": [{"EventType": "viewer-request", "FunctionARN": VIEWER_FN_ARN}],
                    },
                    "CacheBehaviors": [{
                        "PathPattern": "/img/*", "TargetOriginId": "assets",
                        "ViewerProtocolPolicy": "https-only",
                        "AllowedMethods": ["GET", "HEAD", "OPTIONS"],
                        "CachePolicyId": "658327ea-f89d-4fab-a63d-7e88639e58f6",
                        "LambdaFunctionAssociations": [
                            {"EventType": "origin-request", "LambdaFunctionARN": EDGE_ARN}],
                    }],
                },
                "Tags": [{"Key": "service", "Value": "edge"}],
            },
        },
    },
    "Outputs": {
        "DistributionId": {"Value": {"Ref": "Cdn"}},
        "DistributionDomain": {"Value": {"Fn::GetAtt": ["Cdn", "DomainName"]}},
    },
}


@pytest.fixture
def cloudfront(client):
    return client("cloudfront")


def test_distribution_is_readable_through_cloudfront_api(stack, cloudfront):
    stack.create(TEMPLATE)
    outputs = stack.outputs()
    distribution = cloudfront.get_distribution(Id=outputs["DistributionId"])["Distribution"]
    config = distribution["DistributionConfig"]

    assert distribution["DomainName"] == outputs["DistributionDomain"]
    assert config["Aliases"]["Items"] == ["cdn.candlefish.ai", "img.candlefish.ai"]
    assert config["WebACLId"] == "arn:aws:wafv2:us-east-1:123456789012:global/webacl/edge/abc"
    assert config["HttpVersion"] == "http2and3" and config["PriceClass"] == "PriceClass_100"
    assert config["ViewerCertificate"]["ACMCertificateArn"].endswith("certificate/1")
    origins = {o["Id"]: o for o in config["Origins"]["Items"]}
    assert origins["assets"]["DomainName"].endswith(".amazonaws.com")
    assert origins["assets"]["OriginAccessControlId"] == stack.physical_id("AssetsAccess")
    assert origins["api"]["CustomOriginConfig"]["OriginProtocolPolicy"] == "https-only"
    assert origins["api"]["CustomHeaders"]["Items"][0]["HeaderName"] == "X-Origin-Verify"


def test_behaviours_keep_lambda_and_function_associations(stack, cloudfront):
    stack.create(TEMPLATE)
    config = cloudfront.get_distribution_config(Id=stack.outputs()["DistributionId"])["DistributionConfig"]

    default = config["DefaultCacheBehavior"]
    assert default["FunctionAssociations"]["Items"] == [{"FunctionARN": VIEWER_FN_ARN, "EventType": "viewer-request"}]
    assert default["LambdaFunctionAssociations"]["Quantity"] == 0
    [images] = config["CacheBehaviors"]["Items"]
    assert images["PathPattern"] == "/img/*"
    assert images["AllowedMethods"]["Items"] == ["GET", "HEAD", "OPTIONS"]
    assert images["LambdaFunctionAssociations"]["Items"] == [
        {"LambdaFunctionARN": EDGE_ARN, "EventType": "origin-request", "IncludeBody": False}]


def test_origin_access_control_is_readable(stack, cloudfront):
    stack.create(TEMPLATE)
    control = cloudfront.get_origin_access_control(Id=stack.physical_id("AssetsAccess"))["OriginAccessControl"]
    assert control["OriginAccessControlConfig"]["Name"] == "assets-oac"
    assert control["OriginAccessControlConfig"]["SigningBehavior"] == "always"


def test_update_changes_the_same_distribution_in_place(stack, cloudfront):
    stack.create(TEMPLATE)
    distribution_id = stack.outputs()["DistributionId"]
    changed = copy.deepcopy(TEMPLATE)
    config = changed["Resources"]["Cdn"]["Properties"]["DistributionConfig"]
    config["Aliases"] = ["cdn.candlefish.ai"]
    config["CacheBehaviors"][0]["LambdaFunctionAssociations"][0]["LambdaFunctionARN"] = EDGE_ARN[:-1] + "4"

    stack.update(changed)

    assert stack.outputs()["DistributionId"] == distribution_id
    new_config = cloudfront.get_distribution_config(Id=distribution_id)["DistributionConfig"]
    assert new_config["Aliases"]["Items"] == ["cdn.candlefish.ai"]
    association = new_config["CacheBehaviors"]["Items"][0]["LambdaFunctionAssociations"]["Items"][0]
    assert association["LambdaFunctionARN"].endswith(":image-resize:4")


def test_delete_removes_distribution_and_access_control(stack, cloudfront):
    stack.create(TEMPLATE)
    distribution_id, control_id = stack.outputs()["DistributionId"], stack.physical_id("AssetsAccess")

    stack.delete()

    listed = cloudfront.list_distributions()["DistributionList"].get("Items") or []
    assert distribution_id not in [d["Id"] for d in listed]
    with pytest.raises(cloudfront.exceptions.NoSuchOriginAccessControl):
        cloudfront.get_origin_access_control(Id=control_id)


def test_api_update_keeps_lambda_associations(stack, cloudfront):
    """The CLI wires edge functions with UpdateDistribution; moto alone dropped the associations."""
    stack.create(TEMPLATE)
    distribution_id = stack.outputs()["DistributionId"]
    response = cloudfront.get_distribution_config(Id=distribution_id)
    config = response["DistributionConfig"]
    config["DefaultCacheBehavior"]["LambdaFunctionAssociations"] = {"Quantity": 1, "Items": [
        {"LambdaFunctionARN": EDGE_ARN, "EventType": "viewer-response", "IncludeBody": False}]}

    cloudfront.update_distribution(Id=distribution_id, IfMatch=response["ETag"], DistributionConfig=config)

    default = cloudfront.get_distribution_config(Id=distribution_id)["DistributionConfig"]["DefaultCacheBehavior"]
    assert default["LambdaFunctionAssociations"]["Items"][0]["EventType"] == "viewer-response"
    assert default["FunctionAssociations"]["Items"][0]["FunctionARN"] == VIEWER_FN_ARN


def test_change_sets_materialise_and_update_the_distribution(stack, cloudfront):
    """The CLI deploys through change sets: executing them goes through the same models."""
    cloudformation = stack.cloudformation
    waiter = cloudformation.get_waiter("change_set_create_complete")
    cloudformation.create_change_set(StackName=stack.name, ChangeSetName="create", ChangeSetType="CREATE",
                                     TemplateBody=json.dumps(TEMPLATE))
    waiter.wait(StackName=stack.name, ChangeSetName="create", WaiterConfig={"Delay": 1})
    cloudformation.execute_change_set(StackName=stack.name, ChangeSetName="create")
    distribution_id = stack.physical_id("Cdn")
    assert cloudfront.get_distribution(Id=distribution_id)["Distribution"]["DistributionConfig"]["Aliases"][
        "Quantity"] == 2

    changed = copy.deepcopy(TEMPLATE)
    changed["Resources"]["Cdn"]["Properties"]["DistributionConfig"]["Aliases"] = ["cdn.candlefish.ai"]
    cloudformation.create_change_set(StackName=stack.name, ChangeSetName="update", ChangeSetType="UPDATE",
                                     TemplateBody=json.dumps(changed))
    waiter.wait(StackName=stack.name, ChangeSetName="update", WaiterConfig={"Delay": 1})
    cloudformation.execute_change_set(StackName=stack.name, ChangeSetName="update")

    assert stack.physical_id("Cdn") == distribution_id
    config = cloudfront.get_distribution_config(Id=distribution_id)["DistributionConfig"]
    assert config["Aliases"]["Items"] == ["cdn.candlefish.ai"]
