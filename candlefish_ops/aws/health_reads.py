"""Read-only calls `report health` needs beyond CloudWatch and stack statuses: a CloudFront distribution's
state, Route 53 health checks, a REST API's name, the Lambda functions of a stack.

(CloudFront and Route 53 get their own modules from the dns/edge areas; these few reads live here so the
areas can land in any order.)
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Callable

import boto3
from botocore.exceptions import ClientError

from candlefish_ops.aws.base import aws_errors, client, error_code


@dataclass(frozen=True)
class DistributionState:
    id: str
    status: str          # Deployed | InProgress
    enabled: bool
    aliases: tuple[str, ...]
    domain_name: str


@dataclass(frozen=True)
class HealthCheck:
    id: str
    target: str          # FQDN or IP, with the resource path
    kind: str            # HTTPS, HTTP, TCP, CALCULATED, ...
    observations: int
    healthy_observations: int
    tags: tuple[tuple[str, str], ...] = ()

    @property
    def healthy(self) -> bool:
        """Route 53 considers an endpoint healthy when more than 18 % of its checkers report it healthy."""
        return self.observations > 0 and self.healthy_observations / self.observations > 0.18


class HealthReads:
    """Global (CloudFront, Route 53) and regional (API Gateway, CloudFormation) reads for one session."""

    def __init__(self, session: boto3.Session, sleep: Callable[[float], None] = time.sleep):
        self._session = session
        self._sleep = sleep
        self._clients: dict[tuple[str, str], object] = {}

    def _client(self, service: str, region: str):
        """One client per service and region (creating botocore clients is not free)."""
        key = (service, region)
        if key not in self._clients:
            self._clients[key] = client(self._session, service, region)
        return self._clients[key]

    def distribution(self, distribution_id: str) -> DistributionState | None:
        """The distribution's state, or None when it does not exist."""
        cloudfront = self._client("cloudfront", "us-east-1")
        try:
            answer = cloudfront.get_distribution(Id=distribution_id)["Distribution"]
        except ClientError as error:
            if error_code(error) == "NoSuchDistribution":
                return None
            with aws_errors(f"reading CloudFront distribution {distribution_id}"):
                raise
        config = answer["DistributionConfig"]
        aliases = tuple(config.get("Aliases", {}).get("Items", []) or ())
        return DistributionState(answer["Id"], answer["Status"], bool(config.get("Enabled")), aliases,
                                 answer.get("DomainName", ""))

    def health_checks(self, wanted: Callable[[str, tuple[tuple[str, str], ...]], bool]) -> list[HealthCheck]:
        """The Route 53 health checks `wanted(target, tags)` selects, with their checkers' latest status
        (asked only for those)."""
        route53 = self._client("route53", "us-east-1")
        with aws_errors("reading Route 53 health checks"):
            checks = [c for page in route53.get_paginator("list_health_checks").paginate()
                      for c in page["HealthChecks"]]
            tags = self._health_check_tags(route53, [c["Id"] for c in checks])
            chosen = [c for c in checks if wanted(_target(c.get("HealthCheckConfig", {})), tags.get(c["Id"], ()))]
            return [self._health_check(route53, check, tags.get(check["Id"], ())) for check in chosen]

    @staticmethod
    def _health_check_tags(route53, ids: list[str]) -> dict[str, tuple[tuple[str, str], ...]]:
        tags: dict[str, tuple[tuple[str, str], ...]] = {}
        for offset in range(0, len(ids), 10):  # the API takes at most 10 ids
            answer = route53.list_tags_for_resources(ResourceType="healthcheck", ResourceIds=ids[offset:offset + 10])
            for entry in answer.get("ResourceTagSets", []):
                tags[entry["ResourceId"]] = tuple((t["Key"], t.get("Value", "")) for t in entry.get("Tags", []))
        return tags

    @staticmethod
    def _health_check(route53, check: dict, tags: tuple[tuple[str, str], ...]) -> HealthCheck:
        config = check.get("HealthCheckConfig", {})
        target = _target(config)
        observations = route53.get_health_check_status(HealthCheckId=check["Id"]).get("HealthCheckObservations", [])
        healthy = sum(1 for o in observations if o.get("StatusReport", {}).get("Status", "").startswith("Success"))
        return HealthCheck(check["Id"], target, config.get("Type", ""), len(observations), healthy, tags)

    def rest_api_name(self, region: str, rest_api_id: str) -> str | None:
        """The name API Gateway publishes REST API metrics under (dimension ApiName)."""
        apigateway = self._client("apigateway", region)
        try:
            return apigateway.get_rest_api(restApiId=rest_api_id)["name"]
        except ClientError as error:
            if error_code(error) == "NotFoundException":
                return None
            with aws_errors(f"reading REST API {rest_api_id} in {region}"):
                raise

    def stack_functions(self, region: str, stack_name: str) -> list[str]:
        """The physical names of the stack's AWS::Lambda::Function resources."""
        cloudformation = self._client("cloudformation", region)
        with aws_errors(f"listing the resources of {stack_name} in {region}"):
            pages = cloudformation.get_paginator("list_stack_resources").paginate(StackName=stack_name)
            return [r["PhysicalResourceId"] for page in pages for r in page["StackResourceSummaries"]
                    if r["ResourceType"] == "AWS::Lambda::Function" and r.get("PhysicalResourceId")]


def _target(config: dict) -> str:
    """What a health check probes: FQDN or IP, then the resource path."""
    return (config.get("FullyQualifiedDomainName") or config.get("IPAddress") or "") + (config.get("ResourcePath") or "")
