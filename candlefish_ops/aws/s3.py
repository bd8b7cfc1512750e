"""S3: the artifacts bucket (templates over CloudFormation's inline limit, Lambda@Edge packages, release records),
and the static-assets bucket that `candlefish site` publishes to."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Callable

import boto3
from botocore.exceptions import BotoCoreError, ClientError

from candlefish_ops.aws.base import aws_errors, client, error_code, translate


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

            # botocore's datetimes carry dateutil's tzutc, which format_datetime(usegmt=True) refuses
            headers["last-modified"] = format_datetime(answer["LastModified"].astimezone(timezone.utc), usegmt=True)
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


# -- the static-assets bucket of `candlefish site` ------------------------------------------------------------

SHA256_METADATA = "sha256"   # x-amz-meta-sha256: hex SHA-256 of the bytes (the ETag depends on multipart)


@dataclass(frozen=True)
class ListedObject:
    key: str
    size: int
    etag: str
    last_modified: datetime


@dataclass(frozen=True)
class ObjectHead:
    sha256: str | None
    content_type: str
    cache_control: str
    content_encoding: str


@dataclass(frozen=True)
class UploadItem:
    path: str
    key: str
    sha256: str
    content_type: str
    cache_control: str
    content_encoding: str = ""

    def extra_args(self) -> dict[str, object]:
        args: dict[str, object] = {"ContentType": self.content_type, "CacheControl": self.cache_control,
                                   "Metadata": {SHA256_METADATA: self.sha256}}
        if self.content_encoding:
            args["ContentEncoding"] = self.content_encoding
        return args


class SiteBucket:
    """One bucket, read and written the way `candlefish site` needs: listing with ETags, metadata heads,
    parallel uploads and copies through boto3's managed transfer (multipart above the threshold)."""

    def __init__(self, session: boto3.Session, region: str, bucket: str, parallel: int = 8,
                 multipart_threshold: int = 8 * 1024 * 1024) -> None:
        self.bucket, self.region = bucket, region
        self._client = client(session, "s3", region, pool=parallel + 2)
        self._parallel = parallel
        self._threshold = multipart_threshold

    def exists(self) -> bool:
        try:
            self._client.head_bucket(Bucket=self.bucket)
            return True
        except ClientError as error:
            if error_code(error) in ("404", "NoSuchBucket", "NotFound"):
                return False
            with aws_errors(f"checking bucket {self.bucket}"):
                raise

    def list(self, prefix: str = "") -> list[ListedObject]:
        found: list[ListedObject] = []
        with aws_errors(f"listing s3://{self.bucket}/{prefix}"):
            pages = self._client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=prefix)
            for page in pages:
                found.extend(ListedObject(item["Key"], item["Size"], item["ETag"].strip('"'), item["LastModified"])
                             for item in page.get("Contents", []))
        return found

    def head(self, key: str) -> ObjectHead:
        with aws_errors(f"reading s3://{self.bucket}/{key}"):
            answer = self._client.head_object(Bucket=self.bucket, Key=key)
        return ObjectHead((answer.get("Metadata") or {}).get(SHA256_METADATA), answer.get("ContentType", ""),
                          answer.get("CacheControl", ""), answer.get("ContentEncoding", ""))

    def get_bytes(self, key: str) -> bytes:
        with aws_errors(f"reading s3://{self.bucket}/{key}"):
            return self._client.get_object(Bucket=self.bucket, Key=key)["Body"].read()

    def put_bytes(self, key: str, body: bytes, content_type: str) -> None:
        with aws_errors(f"uploading s3://{self.bucket}/{key}"):
            self._client.put_object(Bucket=self.bucket, Key=key, Body=body, ContentType=content_type,
                                    ChecksumAlgorithm="SHA256")

    def upload(self, items: list[UploadItem], on_bytes: Callable[[int], None] | None = None,
               on_file: Callable[[UploadItem], None] | None = None) -> None:
        """Upload every item in parallel (boto3's transfer manager: multipart above the threshold, retries,
        its own thread pool); returns when all are done; the first failure is raised after the others end."""
        from boto3.s3.transfer import TransferConfig, create_transfer_manager
        from s3transfer.subscribers import BaseSubscriber

        class Progress(BaseSubscriber):
            def __init__(self, item: UploadItem) -> None:
                self.item = item

            def on_progress(self, future, bytes_transferred, **kwargs) -> None:
                if on_bytes:
                    on_bytes(bytes_transferred)

            def on_done(self, future, **kwargs) -> None:
                if on_file and future.meta.call_args and not _failed(future):
                    on_file(self.item)

        config = TransferConfig(max_concurrency=self._parallel, multipart_threshold=self._threshold,
                                multipart_chunksize=self._threshold)
        with create_transfer_manager(self._client, config) as manager:
            futures = [(item, manager.upload(item.path, self.bucket, item.key, extra_args=item.extra_args(),
                                             subscribers=[Progress(item)])) for item in items]
            first_error = None
            for item, future in futures:
                try:
                    future.result()
                except (ClientError, BotoCoreError) as error:
                    first_error = first_error or translate(error, f"uploading {item.path} to s3://{self.bucket}/{item.key}")
            if first_error is not None:
                raise first_error

    def copy(self, source_key: str, item: UploadItem, size: int | None = None) -> None:
        """Server-side copy of `source_key` to `item.key` with `item`'s headers: the way to change an
        object's metadata, or to restore a recorded version. One CopyObject up to the multipart threshold
        (when the size is known), else boto3's managed copy (multipart copy; CopyObject stops at 5 GB)."""
        extra = {**item.extra_args(), "MetadataDirective": "REPLACE"}
        source = {"Bucket": self.bucket, "Key": source_key}
        with aws_errors(f"copying s3://{self.bucket}/{source_key} to {item.key}"):
            if size is not None and size < self._threshold:
                self._client.copy_object(CopySource=source, Bucket=self.bucket, Key=item.key, **extra)
            else:
                from boto3.s3.transfer import TransferConfig

                self._client.copy(source, self.bucket, item.key, ExtraArgs=extra, Config=TransferConfig(
                    multipart_threshold=self._threshold, multipart_chunksize=self._threshold))

    def copy_many(self, copies: list[tuple[str, UploadItem, int | None]],
                  on_done: Callable[[UploadItem], None] | None = None) -> None:
        """`copy` for each (source key, item, size), `parallel` at a time."""
        from concurrent.futures import ThreadPoolExecutor

        def one(entry: tuple[str, UploadItem, int | None]) -> None:
            self.copy(*entry)
            if on_done:
                on_done(entry[1])

        with ThreadPoolExecutor(max_workers=self._parallel) as pool:
            list(pool.map(one, copies))

    def delete(self, keys: list[str]) -> list[str]:
        """Delete `keys` (1,000 per request); returns the keys S3 refused."""
        refused: list[str] = []
        for start in range(0, len(keys), 1000):
            batch = [{"Key": key} for key in keys[start:start + 1000]]
            with aws_errors(f"deleting {len(batch)} objects from s3://{self.bucket}"):
                answer = self._client.delete_objects(Bucket=self.bucket, Delete={"Objects": batch, "Quiet": True})
            refused.extend(error["Key"] for error in answer.get("Errors", []))
        return refused


def _failed(future) -> bool:
    try:
        future.result()
        return False
    except Exception:  # noqa: BLE001 - reported by upload() itself
        return True
