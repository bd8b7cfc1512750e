"""CloudFront: a distribution's aliases, Lambda@Edge associations, full config (behaviours, origins) and
policies (cache, origin request, response headers), and invalidations (create, list, read, wait)."""

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
class EdgeAssociation:
    event_type: str      # viewer-request | origin-request | origin-response | viewer-response
    function_arn: str    # a numbered version ARN
    include_body: bool = False


@dataclass(frozen=True)
class Behaviour:
    """A cache behaviour as deployed (`path_pattern` "*" for the default one)."""

    path_pattern: str
    target_origin_id: str
    allowed_methods: tuple[str, ...]
    cached_methods: tuple[str, ...]
    cache_policy_id: str
    origin_request_policy_id: str
    response_headers_policy_id: str
    associations: tuple[EdgeAssociation, ...]
    compress: bool = False


@dataclass(frozen=True)
class DistributionOrigin:
    origin_id: str
    domain_name: str
    origin_path: str
    s3: bool                          # an S3 origin (S3OriginConfig) rather than a custom one
    access_control_id: str            # the origin access control (OAC), "" without
    custom_headers: tuple[tuple[str, str], ...]
    protocol_policy: str = ""         # custom origins: http-only | https-only | match-viewer
    read_timeout: int = 30
    keepalive_timeout: int = 5


@dataclass(frozen=True)
class Distribution:
    distribution_id: str
    domain_name: str
    behaviours: tuple[Behaviour, ...]      # in CloudFront's order of evaluation; the default one last
    origins: dict[str, DistributionOrigin]

    def associations(self) -> list[tuple[str, EdgeAssociation]]:
        """(path pattern, association) for every Lambda@Edge association, behaviour by behaviour."""
        return [(b.path_pattern, a) for b in self.behaviours for a in b.associations]

    def paths_served_from(self, domain_prefix: str) -> list[str]:
        """The path patterns ("*": the default behaviour) whose origin's domain starts with `domain_prefix`."""
        served = {origin_id for origin_id, origin in self.origins.items() if origin.domain_name.startswith(domain_prefix)}
        return [b.path_pattern for b in self.behaviours if b.target_origin_id in served]


@dataclass(frozen=True)
class Policy:
    """A cache / origin request / response headers policy: its id, name and config in the API's shape."""

    policy_id: str
    name: str
    config: dict


class CloudFront:
    """CloudFront is global; its API lives in us-east-1."""

    def __init__(self, session: boto3.Session) -> None:
        self._client = client(session, "cloudfront", "us-east-1")

    def aliases(self, distribution_id: str) -> tuple[str, ...]:
        """The distribution's alternate domain names (lower-case)."""
        with aws_errors(f"reading CloudFront distribution {distribution_id}"):
            config = self._client.get_distribution_config(Id=distribution_id)["DistributionConfig"]
        return tuple(name.lower().rstrip(".") for name in config.get("Aliases", {}).get("Items", []) or [])

    def distribution(self, distribution_id: str) -> Distribution:
        """Behaviours (path patterns in order, methods, policy ids, Lambda@Edge associations) and origins."""
        with aws_errors(f"reading CloudFront distribution {distribution_id}"):
            answer = self._client.get_distribution(Id=distribution_id)["Distribution"]
        config = answer["DistributionConfig"]
        behaviours = [_behaviour(b) for b in (config.get("CacheBehaviors") or {}).get("Items") or []]
        behaviours.append(_behaviour({**config["DefaultCacheBehavior"], "PathPattern": "*"}))
        origins = {o["Id"]: _origin(o) for o in (config.get("Origins") or {}).get("Items") or []}
        return Distribution(answer["Id"], answer["DomainName"], tuple(behaviours), origins)

    def cache_policy(self, policy_id: str) -> Policy:
        with aws_errors(f"reading CloudFront cache policy {policy_id}"):
            policy = self._client.get_cache_policy(Id=policy_id)["CachePolicy"]
        return Policy(policy["Id"], policy["CachePolicyConfig"]["Name"], policy["CachePolicyConfig"])

    def origin_request_policy(self, policy_id: str) -> Policy:
        with aws_errors(f"reading CloudFront origin request policy {policy_id}"):
            policy = self._client.get_origin_request_policy(Id=policy_id)["OriginRequestPolicy"]
        return Policy(policy["Id"], policy["OriginRequestPolicyConfig"]["Name"], policy["OriginRequestPolicyConfig"])

    def response_headers_policy(self, policy_id: str) -> Policy:
        with aws_errors(f"reading CloudFront response headers policy {policy_id}"):
            policy = self._client.get_response_headers_policy(Id=policy_id)["ResponseHeadersPolicy"]
        config = policy["ResponseHeadersPolicyConfig"]
        return Policy(policy["Id"], config["Name"], config)

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


def _items(value) -> list:
    return list((value or {}).get("Items") or [])


def _behaviour(item: dict) -> Behaviour:
    methods = item.get("AllowedMethods") or {}
    return Behaviour(
        item["PathPattern"], item["TargetOriginId"], tuple(_items(methods) or ["GET", "HEAD"]),
        tuple(_items(methods.get("CachedMethods")) or ["GET", "HEAD"]), item.get("CachePolicyId") or "",
        item.get("OriginRequestPolicyId") or "", item.get("ResponseHeadersPolicyId") or "",
        tuple(EdgeAssociation(a["EventType"], a["LambdaFunctionARN"], bool(a.get("IncludeBody")))
              for a in _items(item.get("LambdaFunctionAssociations"))),
        bool(item.get("Compress")))


def _origin(item: dict) -> DistributionOrigin:
    custom = item.get("CustomOriginConfig") or {}
    return DistributionOrigin(
        item["Id"], item["DomainName"], item.get("OriginPath") or "", "S3OriginConfig" in item,
        item.get("OriginAccessControlId") or "",
        tuple((h["HeaderName"], h["HeaderValue"]) for h in _items(item.get("CustomHeaders"))),
        custom.get("OriginProtocolPolicy", ""), int(custom.get("OriginReadTimeout") or 30),
        int(custom.get("OriginKeepaliveTimeout") or 5))


def _summary(item: dict) -> Invalidation:
    return Invalidation(item["Id"], item["Status"], item.get("CreateTime"))


def _full(item: dict) -> Invalidation:
    paths = tuple(item.get("InvalidationBatch", {}).get("Paths", {}).get("Items", []) or [])
    return Invalidation(item["Id"], item["Status"], item.get("CreateTime"), paths)
