"""Lambda: the published versions of the edge functions (read, and delete the unused ones); concurrency."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Callable

import boto3
from botocore.exceptions import ClientError

from candlefish_ops.aws.base import aws_errors, client, error_code


@dataclass(frozen=True)
class FunctionVersion:
    function_name: str
    version: str
    arn: str
    code_sha256: str
    last_modified: str
    handler: str = ""
    timeout: int = 3
    memory: int = 128


class Lambda:
    def __init__(self, session: boto3.Session, region: str = "us-east-1",
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.region = region
        self._client = client(session, "lambda", region)
        self._sleep = sleep

    def versions(self, function_name: str) -> list[FunctionVersion]:
        """Numbered versions, oldest first ($LATEST left out)."""
        found = []
        with aws_errors(f"listing versions of {function_name}"):
            for page in self._client.get_paginator("list_versions_by_function").paginate(FunctionName=function_name):
                found.extend(_version(item) for item in page["Versions"] if item["Version"] != "$LATEST")
        return sorted(found, key=lambda v: int(v.version))

    def version(self, qualified_arn: str) -> FunctionVersion:
        with aws_errors(f"reading {qualified_arn}"):
            return _version(self._client.get_function_configuration(FunctionName=qualified_arn))

    def account_concurrency(self) -> tuple[int, int]:
        """(the region's concurrent executions quota, how much of it no function reserves)."""
        with aws_errors(f"reading the Lambda account settings of {self.region}"):
            limit = self._client.get_account_settings()["AccountLimit"]
        return int(limit["ConcurrentExecutions"]), int(limit["UnreservedConcurrentExecutions"])

    def reserved_concurrency(self, function_name: str) -> int:
        """What the function reserves now (0 when it reserves nothing or does not exist)."""
        try:
            answer = self._client.get_function_concurrency(FunctionName=function_name)
        except ClientError as error:
            if error_code(error) == "ResourceNotFoundException":
                return 0
            with aws_errors(f"reading the concurrency of {function_name}"):
                raise
        return int(answer.get("ReservedConcurrentExecutions") or 0)

    def delete_version(self, function_name: str, version: str) -> str:
        """Delete one version; "" when deleted, else the reason AWS refused (a replicated version)."""
        try:
            self._client.delete_function(FunctionName=function_name, Qualifier=version)
            return ""
        except ClientError as error:
            if error_code(error) in ("InvalidParameterValueException", "ResourceConflictException"):
                return error.response.get("Error", {}).get("Message", "") or error_code(error)
            with aws_errors(f"deleting {function_name}:{version}"):
                raise


def _version(item: dict) -> FunctionVersion:
    return FunctionVersion(item["FunctionName"], item["Version"], item["FunctionArn"], item["CodeSha256"],
                           item.get("LastModified", ""), item.get("Handler", ""), int(item.get("Timeout") or 3),
                           int(item.get("MemorySize") or 128))
