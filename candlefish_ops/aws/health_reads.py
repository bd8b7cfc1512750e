"""Read-only calls `report health` needs beyond CloudWatch and stack statuses: a CloudFront distribution's
state, Route 53 health checks (listed by aws/route53), a REST API's name, the Lambda functions of a stack.

(CloudFront and Route 53 get their own modules from the dns/edge areas; these few reads live here so the
areas can land in any order.)
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable

import boto3
from botocore.exceptions import ClientError

from candlefish_ops.aws.base import aws_errors, client, error_code

if TYPE_CHECKING:
    from candlefish_ops.aws.route53 import HealthCheck


@dataclass(frozen=True)
class DistributionState:
    id: str
    status: str          # Deployed | InProgress
    enabled: bool
    aliases: tuple[str, ...]
    domain_name: str


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
        (aws/route53 lists them: one listing of health checks in the codebase)."""
        from candlefish_ops.aws.route53 import Route53

        return Route53(self._session, sleep=self._sleep).observed_health_checks(wanted)

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
