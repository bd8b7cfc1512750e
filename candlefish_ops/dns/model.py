"""The dns area's Route 53 vocabulary: CloudFront's alias zone per partition, the placeholder id of a health
check a plan creates, and (re-exported) the record-set and health-check values of aws/route53_values.

Only `candlefish_ops/aws/route53.py` talks to Route 53 (it also owns the wire format).
"""

from __future__ import annotations

# the values (and fqdn/host) live beside the Route 53 client that reads and writes them; re-exported here
from candlefish_ops.aws.route53_values import (  # noqa: F401
    AliasTarget, HealthCheckSettings, HealthCheckState, RecordKey, RecordSet, fqdn, host)

CLOUDFRONT_ZONE = {"aws": "Z2FDTNDATAQYW2", "aws-cn": "Z3RFFRIM2A3IF5"}
NEW_HEALTH_CHECK = "new:"          # placeholder id of a health check the plan creates


def partition_of(region: str) -> str:
    if region.startswith("cn-"):
        return "aws-cn"
    if region.startswith("us-gov-"):
        return "aws-us-gov"
    return "aws"
