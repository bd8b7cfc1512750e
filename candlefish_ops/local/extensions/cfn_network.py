"""EC2 in CloudFormation: AWS::EC2::FlowLog to an S3 prefix.

moto's flow-log check takes everything after the bucket ARN's prefix as the bucket name, so an S3
destination with a key prefix (`arn:aws:s3:::bucket/flow-logs/`, which AWS accepts) fails, and its CloudFormation
model then crashes with an IndexError. `install()` wraps the model's create: the bucket is checked by its
name, the flow log keeps the full destination, and a missing bucket fails the stack with AWS's message.
"""

from __future__ import annotations

import copy
from typing import Any


def _bucket_only(destination: str) -> tuple[str, str]:
    prefix, _, path = destination.partition(":::")
    bucket = path.split("/", 1)[0]
    return f"{prefix}:::{bucket}", bucket


def _wrapped_create(original: Any) -> Any:
    def create(cls: type, resource_name: str, cloudformation_json: dict[str, Any], account_id: str,
               region_name: str, **kwargs: Any) -> Any:
        props = cloudformation_json.get("Properties") or {}
        destination = props.get("LogDestination") or ""
        if props.get("LogDestinationType") != "s3" or "/" not in destination.partition(":::")[2]:
            return original(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs)
        from moto.s3.models import s3_backends
        from moto.utilities.utils import get_partition

        bucket_arn, bucket = _bucket_only(destination)
        if bucket not in s3_backends[account_id][get_partition(region_name)].buckets:
            raise ValueError(f"LogDestination: {bucket} does not exist.")
        trimmed = copy.deepcopy(cloudformation_json)
        trimmed["Properties"]["LogDestination"] = bucket_arn
        flow_log = original(cls, resource_name, trimmed, account_id, region_name, **kwargs)
        flow_log.log_destination = destination
        return flow_log

    create._candlefish = True  # type: ignore[attr-defined]
    return classmethod(create)


def install() -> None:
    from moto.ec2.models.flow_logs import FlowLogs

    original = FlowLogs.__dict__["create_from_cloudformation_json"].__func__
    if not getattr(original, "_candlefish", False):
        FlowLogs.create_from_cloudformation_json = _wrapped_create(original)  # type: ignore[method-assign]
