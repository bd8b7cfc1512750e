"""S3 bucket configurations and bucket policies of a stack are materialised in the emulator's S3 service."""

from __future__ import annotations

import copy
import json

import pytest

POLICY = {"Version": "2012-10-17", "Statement": [{
    "Sid": "DenyInsecureTransport", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
    "Resource": [{"Fn::GetAtt": ["Assets", "Arn"]}, {"Fn::Sub": "${Assets.Arn}/*"}],
    "Condition": {"Bool": {"aws:SecureTransport": "false"}}}]}
TEMPLATE = {
    "Resources": {
        "Logs": {"Type": "AWS::S3::Bucket", "Properties": {"BucketName": "cf-test-logs"}},
        "Assets": {
            "Type": "AWS::S3::Bucket",
            "Properties": {
                "BucketName": "cf-test-assets",
                "VersioningConfiguration": {"Status": "Enabled"},
                "PublicAccessBlockConfiguration": {"BlockPublicAcls": True, "BlockPublicPolicy": True,
                                                   "IgnorePublicAcls": True, "RestrictPublicBuckets": True},
                "OwnershipControls": {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]},
                "LoggingConfiguration": {"DestinationBucketName": {"Ref": "Logs"}, "LogFilePrefix": "assets/"},
                "CorsConfiguration": {"CorsRules": [{"AllowedMethods": ["GET"], "AllowedOrigins": ["https://candlefish.ai"],
                                                     "MaxAge": 600}]},
                "LifecycleConfiguration": {"Rules": [
                    {"Id": "intelligent-tiering", "Status": "Enabled",
                     "Transitions": [{"StorageClass": "INTELLIGENT_TIERING", "TransitionInDays": 0}],
                     "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 7}},
                    {"Id": "noncurrent-versions", "Status": "Enabled",
                     "NoncurrentVersionTransitions": [{"StorageClass": "STANDARD_IA", "TransitionInDays": 30},
                                                      {"StorageClass": "GLACIER", "TransitionInDays": 90}],
                     "NoncurrentVersionExpiration": {"NoncurrentDays": 365}},
                    {"Id": "tmp", "Status": "Enabled", "Prefix": "tmp/", "ExpirationInDays": 1},
                ]},
                "ReplicationConfiguration": {
                    "Role": "arn:aws:iam::123456789012:role/replication",
                    "Rules": [{"Id": "dr", "Status": "Enabled", "Priority": 1, "Filter": {"Prefix": ""},
                               "DeleteMarkerReplication": {"Status": "Enabled"},
                               "Destination": {"Bucket": "arn:aws:s3:::cf-test-replica", "StorageClass": "GLACIER_IR"}}]},
            },
        },
        "AssetsPolicy": {"Type": "AWS::S3::BucketPolicy",
                         "Properties": {"Bucket": {"Ref": "Assets"}, "PolicyDocument": POLICY}},
    },
}


@pytest.fixture
def s3(client):
    return client("s3")


def test_versioning_and_lifecycle_are_applied(stack, s3):
    stack.create(TEMPLATE)

    assert s3.get_bucket_versioning(Bucket="cf-test-assets")["Status"] == "Enabled"
    rules = {r["ID"]: r for r in s3.get_bucket_lifecycle_configuration(Bucket="cf-test-assets")["Rules"]}
    assert rules["intelligent-tiering"]["Transitions"] == [{"Days": 0, "StorageClass": "INTELLIGENT_TIERING"}]
    assert rules["intelligent-tiering"]["AbortIncompleteMultipartUpload"] == {"DaysAfterInitiation": 7}
    noncurrent = rules["noncurrent-versions"]
    assert [(t["NoncurrentDays"], t["StorageClass"]) for t in noncurrent["NoncurrentVersionTransitions"]] == [
        (30, "STANDARD_IA"), (90, "GLACIER")]
    assert noncurrent["NoncurrentVersionExpiration"]["NoncurrentDays"] == 365
    assert rules["tmp"]["Expiration"] == {"Days": 1} and rules["tmp"]["Filter"] == {"Prefix": "tmp/"}


def test_access_logging_cors_and_replication_are_applied(stack, s3):
    stack.create(TEMPLATE)

    block = s3.get_public_access_block(Bucket="cf-test-assets")["PublicAccessBlockConfiguration"]
    assert all(block.values())
    ownership = s3.get_bucket_ownership_controls(Bucket="cf-test-assets")["OwnershipControls"]
    assert ownership["Rules"] == [{"ObjectOwnership": "BucketOwnerEnforced"}]
    logging = s3.get_bucket_logging(Bucket="cf-test-assets")["LoggingEnabled"]
    assert logging == {"TargetBucket": "cf-test-logs", "TargetPrefix": "assets/"}
    [cors] = s3.get_bucket_cors(Bucket="cf-test-assets")["CORSRules"]
    assert cors["AllowedOrigins"] == ["https://candlefish.ai"] and cors["MaxAgeSeconds"] == 600
    replication = s3.get_bucket_replication(Bucket="cf-test-assets")["ReplicationConfiguration"]
    assert replication["Role"].endswith("role/replication")
    assert replication["Rules"][0]["Destination"]["Bucket"] == "arn:aws:s3:::cf-test-replica"


def test_bucket_policy_is_applied(stack, s3):
    stack.create(TEMPLATE)

    policy = json.loads(s3.get_bucket_policy(Bucket="cf-test-assets")["Policy"])
    [statement] = policy["Statement"]
    assert statement["Sid"] == "DenyInsecureTransport"
    assert statement["Resource"] == ["arn:aws:s3:::cf-test-assets", "arn:aws:s3:::cf-test-assets/*"]


def test_update_changes_and_removes_configuration(stack, s3):
    stack.create(TEMPLATE)
    changed = copy.deepcopy(TEMPLATE)
    props = changed["Resources"]["Assets"]["Properties"]
    props["VersioningConfiguration"] = {"Status": "Suspended"}
    props["LifecycleConfiguration"]["Rules"] = [{"Id": "tmp", "Status": "Enabled", "Prefix": "tmp/",
                                                 "ExpirationInDays": 3}]
    del props["ReplicationConfiguration"], props["CorsConfiguration"]
    props["Tags"] = [{"Key": "tier", "Value": "static"}]
    changed["Resources"]["AssetsPolicy"]["Properties"]["PolicyDocument"]["Statement"][0]["Sid"] = "TlsOnly"

    stack.update(changed)

    assert s3.get_bucket_versioning(Bucket="cf-test-assets")["Status"] == "Suspended"
    [rule] = s3.get_bucket_lifecycle_configuration(Bucket="cf-test-assets")["Rules"]
    assert rule["Expiration"] == {"Days": 3}
    assert s3.get_bucket_tagging(Bucket="cf-test-assets")["TagSet"] == [{"Key": "tier", "Value": "static"}]
    with pytest.raises(s3.exceptions.ClientError, match="ReplicationConfigurationNotFound"):
        s3.get_bucket_replication(Bucket="cf-test-assets")
    with pytest.raises(s3.exceptions.ClientError, match="NoSuchCORSConfiguration"):
        s3.get_bucket_cors(Bucket="cf-test-assets")
    assert json.loads(s3.get_bucket_policy(Bucket="cf-test-assets")["Policy"])["Statement"][0]["Sid"] == "TlsOnly"


def test_replication_without_versioning_fails_like_aws(stack):
    broken = copy.deepcopy(TEMPLATE)
    del broken["Resources"]["Assets"]["Properties"]["VersioningConfiguration"]
    with pytest.raises(Exception, match="Versioning must be 'Enabled'"):
        stack.create(broken)


def test_delete_removes_policy_and_buckets(stack, s3):
    stack.create(TEMPLATE)
    stack.delete()
    names = [b["Name"] for b in s3.list_buckets()["Buckets"]]
    assert "cf-test-logs" not in names and "cf-test-assets" not in names


def test_tls_only_policy_lets_sdk_requests_through_and_other_denies_still_apply(stack, s3):
    """The emulator's HTTP stands for AWS's HTTPS: the DenyInsecureTransport statement does not apply, so
    objects can be written and read; a Deny that holds for TLS requests (`SecureTransport: true`) still denies."""
    stack.create(TEMPLATE)
    s3.put_object(Bucket="cf-test-assets", Key="a.txt", Body=b"hello")
    assert s3.get_object(Bucket="cf-test-assets", Key="a.txt")["Body"].read() == b"hello"

    deny_tls = {"Version": "2012-10-17", "Statement": [{
        "Effect": "Deny", "Principal": "*", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::cf-test-assets/*",
        "Condition": {"Bool": {"aws:SecureTransport": ["true"]}}}]}
    s3.put_bucket_policy(Bucket="cf-test-assets", Policy=json.dumps(deny_tls))
    with pytest.raises(s3.exceptions.ClientError, match="403|AccessDenied|Forbidden"):
        s3.get_object(Bucket="cf-test-assets", Key="a.txt")
