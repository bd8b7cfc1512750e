"""CloudFront (small for now): the alternate domain names (Aliases) of a distribution."""

from __future__ import annotations

import boto3

from candlefish_ops.aws.base import aws_errors, client


class CloudFront:
    """CloudFront is global; its API lives in us-east-1."""

    def __init__(self, session: boto3.Session) -> None:
        self._client = client(session, "cloudfront", "us-east-1")

    def aliases(self, distribution_id: str) -> tuple[str, ...]:
        """The distribution's alternate domain names (lower-case)."""
        with aws_errors(f"reading CloudFront distribution {distribution_id}"):
            config = self._client.get_distribution_config(Id=distribution_id)["DistributionConfig"]
        return tuple(name.lower().rstrip(".") for name in config.get("Aliases", {}).get("Items", []) or [])
