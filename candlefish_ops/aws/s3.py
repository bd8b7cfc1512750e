"""S3: the artifacts bucket (templates over CloudFormation's inline limit, Lambda@Edge packages, release records)."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Callable

import boto3
from botocore.exceptions import ClientError

from candlefish_ops.aws.base import aws_errors, client, error_code


@dataclass(frozen=True)
class S3Object:
    """An object as GetObject answers it: the status S3 gave, its headers (lower-case names) and body."""

    status: int
    headers: dict[str, str]
    body: bytes
    error_code: str = ""


_OBJECT_HEADERS = {"ContentType": "content-type", "CacheControl": "cache-control", "ETag": "etag",
                   "ContentEncoding": "content-encoding", "ContentLanguage": "content-language",
                   "ContentDisposition": "content-disposition", "Expires": "expires"}


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

    def get_object(self, bucket: str, key: str) -> S3Object:
        """GetObject as an HTTP-level answer: a missing key or bucket, or a refusal, is a status, not an error."""
        with aws_errors(f"reading s3://{bucket}/{key}"):
            try:
                answer = self._client.get_object(Bucket=bucket, Key=key)
            except ClientError as error:
                status = int(error.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 500)
                return S3Object(status, {}, b"", error_code(error))
        headers = {name: str(answer[field]) for field, name in _OBJECT_HEADERS.items() if answer.get(field)}
        if answer.get("LastModified"):
            from email.utils import format_datetime

            headers["last-modified"] = format_datetime(answer["LastModified"], usegmt=True)
        body = answer["Body"].read()
        headers["content-length"] = str(len(body))
        return S3Object(200, headers, body)

    def bucket_policy(self, bucket: str) -> str:
        """The bucket's policy document ("" when it has none)."""
        try:
            return self._client.get_bucket_policy(Bucket=bucket)["Policy"]
        except ClientError as error:
            if error_code(error) in ("NoSuchBucketPolicy", "404"):
                return ""
            with aws_errors(f"reading the policy of bucket {bucket}"):
                raise

    def keys(self, bucket: str, prefix: str) -> list[str]:
        """Every key under `prefix`, in S3's (lexicographic) order."""
        found: list[str] = []
        with aws_errors(f"listing s3://{bucket}/{prefix}"):
            for page in self._client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
                found.extend(item["Key"] for item in page.get("Contents", []))
        return found
