"""Bucket policies conditioned on aws:SecureTransport: the emulator's callers count as TLS clients."""

from __future__ import annotations

import json

import pytest
from botocore.exceptions import ClientError


def _deny(bucket: str, secure: str) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Deny", "Principal": "*", "Action": "s3:*",
        "Resource": [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"],
        "Condition": {"Bool": {"aws:SecureTransport": secure}}}]})


def test_deny_insecure_transport_lets_emulator_calls_through(client):
    s3 = client("s3")
    s3.create_bucket(Bucket="tls-only")
    s3.put_bucket_policy(Bucket="tls-only", Policy=_deny("tls-only", "false"))
    s3.put_object(Bucket="tls-only", Key="a.txt", Body=b"hello")
    assert s3.get_object(Bucket="tls-only", Key="a.txt")["Body"].read() == b"hello"


def test_a_deny_on_secure_transport_true_still_denies(client):
    s3 = client("s3")
    s3.create_bucket(Bucket="never-tls")
    s3.put_bucket_policy(Bucket="never-tls", Policy=_deny("never-tls", "true"))
    with pytest.raises(ClientError) as refused:
        s3.put_object(Bucket="never-tls", Key="a.txt", Body=b"hello")
    assert refused.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
