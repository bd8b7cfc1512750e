"""S3: the artifacts bucket (templates over CloudFormation's inline limit, Lambda@Edge packages, release records)."""

from __future__ import annotations

import time
from typing import Callable

import boto3
from botocore.exceptions import ClientError

from candlefish_ops.aws.base import aws_errors, client, error_code


class S3:
    def __init__(self, session: boto3.Session, region: str, sleep: Callable[[float], None] = time.sleep):
        self.region = region
        self._client = client(session, "s3", region)
        self._sleep = sleep

    def ensure_private_bucket(self, bucket: str) -> bool:
        """Create `bucket` (encrypted, public access blocked) unless it exists; True when created."""
        try:
            self._client.head_bucket(Bucket=bucket)
            return False
        except ClientError as error:
            if error_code(error) not in ("404", "NoSuchBucket", "NotFound"):
                with aws_errors(f"checking artifacts bucket {bucket}"):
                    raise
        with aws_errors(f"creating artifacts bucket {bucket} in {self.region}"):
            request = {"Bucket": bucket}
            if self.region != "us-east-1":
                request["CreateBucketConfiguration"] = {"LocationConstraint": self.region}
            self._client.create_bucket(**request)
            self._client.put_public_access_block(Bucket=bucket, PublicAccessBlockConfiguration={
                "BlockPublicAcls": True, "IgnorePublicAcls": True,
                "BlockPublicPolicy": True, "RestrictPublicBuckets": True})
            self._client.put_bucket_encryption(Bucket=bucket, ServerSideEncryptionConfiguration={
                "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]})
        return True

    def put_text(self, bucket: str, key: str, body: str) -> str:
        """Upload `body` and return its HTTPS URL (what CloudFormation's TemplateURL expects)."""
        with aws_errors(f"uploading s3://{bucket}/{key}"):
            self._client.put_object(Bucket=bucket, Key=key, Body=body.encode("utf-8"))
        return f"https://{bucket}.s3.{self.region}.amazonaws.com/{key}"

    def exists(self, bucket: str, key: str) -> bool:
        try:
            self._client.head_object(Bucket=bucket, Key=key)
            return True
        except ClientError as error:
            if error_code(error) in ("404", "NoSuchKey", "NotFound"):
                return False
            with aws_errors(f"checking s3://{bucket}/{key}"):
                raise

    def put_bytes(self, bucket: str, key: str, body: bytes, content_type: str = "application/octet-stream") -> None:
        """Upload `body`, with its SHA-256 checked by S3 on arrival."""
        with aws_errors(f"uploading s3://{bucket}/{key}"):
            self._client.put_object(Bucket=bucket, Key=key, Body=body, ContentType=content_type,
                                    ChecksumAlgorithm="SHA256")

    def get_bytes(self, bucket: str, key: str) -> bytes:
        with aws_errors(f"reading s3://{bucket}/{key}"):
            return self._client.get_object(Bucket=bucket, Key=key)["Body"].read()

    def keys(self, bucket: str, prefix: str) -> list[str]:
        """Every key under `prefix`, in S3's (lexicographic) order."""
        found: list[str] = []
        with aws_errors(f"listing s3://{bucket}/{prefix}"):
            for page in self._client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
                found.extend(item["Key"] for item in page.get("Contents", []))
        return found
