"""CloudFront: a distribution's aliases and Lambda@Edge associations, and invalidations (create, list, read, wait)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import boto3
from botocore.exceptions import WaiterError

from candlefish_ops.aws.base import aws_errors, client
from candlefish_ops.errors import AwsError


@dataclass(frozen=True)
class Invalidation:
    invalidation_id: str
    status: str                      # InProgress | Completed
    created: datetime | None = None
    paths: tuple[str, ...] = ()      # only when read with `invalidation()`

    @property
    def in_progress(self) -> bool:
        return self.status.lower() != "completed"


@dataclass(frozen=True)
class Association:
    path_pattern: str    # "*" for the default behaviour
    event_type: str      # viewer-request | origin-request | origin-response | viewer-response
    function_arn: str    # a numbered version ARN


class CloudFront:
    """CloudFront is global; its API lives in us-east-1."""

    def __init__(self, session: boto3.Session) -> None:
        self._client = client(session, "cloudfront", "us-east-1")

    def aliases(self, distribution_id: str) -> tuple[str, ...]:
        """The distribution's alternate domain names (lower-case)."""
        with aws_errors(f"reading CloudFront distribution {distribution_id}"):
            config = self._client.get_distribution_config(Id=distribution_id)["DistributionConfig"]
        return tuple(name.lower().rstrip(".") for name in config.get("Aliases", {}).get("Items", []) or [])

    def lambda_associations(self, distribution_id: str) -> list[Association]:
        """Every Lambda@Edge association, behaviour by behaviour (the default behaviour is `*`)."""
        with aws_errors(f"reading CloudFront distribution {distribution_id}"):
            config = self._client.get_distribution_config(Id=distribution_id)["DistributionConfig"]
        behaviours = [("*", config["DefaultCacheBehavior"])]
        behaviours += [(b["PathPattern"], b) for b in (config.get("CacheBehaviors") or {}).get("Items") or []]
        return [Association(path, item["EventType"], item["LambdaFunctionARN"])
                for path, behaviour in behaviours
                for item in (behaviour.get("LambdaFunctionAssociations") or {}).get("Items") or []]

    def distribution_ids(self) -> list[str]:
        with aws_errors("listing CloudFront distributions"):
            pages = self._client.get_paginator("list_distributions").paginate()
            return [item["Id"] for page in pages for item in (page["DistributionList"].get("Items") or [])]

    def invalidations(self, distribution_id: str) -> list[Invalidation]:
        """Every invalidation of the distribution (summaries: no paths), as CloudFront lists them."""
        found = []
        with aws_errors(f"listing invalidations of CloudFront distribution {distribution_id}"):
            pages = self._client.get_paginator("list_invalidations").paginate(DistributionId=distribution_id)
            for page in pages:
                found.extend(_summary(item) for item in page["InvalidationList"].get("Items", []) or [])
        return found

    def invalidation(self, distribution_id: str, invalidation_id: str) -> Invalidation:
        with aws_errors(f"reading invalidation {invalidation_id} of distribution {distribution_id}"):
            answer = self._client.get_invalidation(DistributionId=distribution_id, Id=invalidation_id)
        return _full(answer["Invalidation"])

    def create_invalidation(self, distribution_id: str, paths: tuple[str, ...], caller_reference: str) -> Invalidation:
        batch = {"Paths": {"Quantity": len(paths), "Items": list(paths)}, "CallerReference": caller_reference}
        with aws_errors(f"invalidating {len(paths)} paths on CloudFront distribution {distribution_id}"):
            answer = self._client.create_invalidation(DistributionId=distribution_id, InvalidationBatch=batch)
        return _full(answer["Invalidation"])

    def wait_completed(self, distribution_id: str, invalidation_id: str, delay: int, attempts: int) -> None:
        """botocore's invalidation_completed waiter, with our delay and patience."""
        waiter = self._client.get_waiter("invalidation_completed")
        try:
            waiter.wait(DistributionId=distribution_id, Id=invalidation_id,
                        WaiterConfig={"Delay": delay, "MaxAttempts": attempts})
        except WaiterError as error:
            last = error.last_response or {}
            if "Error" in last:
                raise AwsError(f"waiting for invalidation {invalidation_id}: {last['Error'].get('Code', 'error')}: "
                               f"{last['Error'].get('Message', '')}", last["Error"].get("Code", "")) from error
            raise AwsError(f"invalidation {invalidation_id} is not complete after {delay * attempts} s; CloudFront "
                           "carries on: check with `candlefish cdn invalidations`", "WaiterTimeout") from error


def _summary(item: dict) -> Invalidation:
    return Invalidation(item["Id"], item["Status"], item.get("CreateTime"))


def _full(item: dict) -> Invalidation:
    paths = tuple(item.get("InvalidationBatch", {}).get("Paths", {}).get("Items", []) or [])
    return Invalidation(item["Id"], item["Status"], item.get("CreateTime"), paths)
