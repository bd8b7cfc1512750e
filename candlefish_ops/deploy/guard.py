"""Stateful resources and what may not happen to them by accident. Pure: no AWS calls.

A change set that replaces or removes a resource of a stateful type deletes its data (a replaced RDS
instance, DynamoDB table, bucket, KMS key, hosted zone or IP set is a new, empty one). `deploy` refuses such
a change set unless each of those resources is named with `--allow-replacement TYPE/LOGICAL_ID`, and
protected (production) stacks carry a stack policy that denies `Update:Replace` and `Update:Delete` on
these types, so that a change made outside candlefish (console, another tool) is refused by CloudFormation
too (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/protect-stack-resources.html).
"""

from __future__ import annotations

import json
import re
from typing import Iterable, Sequence

from candlefish_ops.aws.cloudformation import ResourceChange
from candlefish_ops.errors import ValidationError

STATEFUL_TYPES = (
    "AWS::RDS::DBInstance",
    "AWS::RDS::DBCluster",
    "AWS::DynamoDB::Table",
    "AWS::S3::Bucket",
    "AWS::KMS::Key",
    "AWS::Route53::HostedZone",
    "AWS::WAFv2::IPSet",
    "AWS::ElastiCache::ReplicationGroup",
    "AWS::SecretsManager::Secret",
    "AWS::Logs::LogGroup",
    "AWS::Backup::BackupVault",
)

_ALLOW_PATTERN = re.compile(r"^(?P<type>[A-Za-z0-9]+::[A-Za-z0-9]+::[A-Za-z0-9]+)/(?P<id>[A-Za-z0-9]+)$")


def parse_allowed(values: Iterable[str]) -> frozenset[str]:
    """`--allow-replacement` values, each `TYPE/LOGICAL_ID` (e.g. `AWS::DynamoDB::Table/WafLedgerTable`)."""
    allowed = set()
    for value in values:
        if not _ALLOW_PATTERN.match(value):
            raise ValidationError(f"--allow-replacement {value!r}: write TYPE/LOGICAL_ID, e.g. "
                                  "AWS::DynamoDB::Table/WafLedgerTable (as the refused deploy lists them)")
        allowed.add(value)
    return frozenset(allowed)


def key(change: ResourceChange) -> str:
    return f"{change.resource_type}/{change.logical_id}"


def destructive(change: ResourceChange) -> bool:
    """Removes or (maybe) replaces a resource of a stateful type."""
    if change.resource_type not in STATEFUL_TYPES:
        return False
    return change.action == "Remove" or (change.action == "Modify" and change.replacement in ("True", "Conditional"))


def refused(changes: Sequence[ResourceChange], allowed: frozenset[str]) -> list[ResourceChange]:
    """The destructive changes not named by `--allow-replacement`."""
    return [change for change in changes if destructive(change) and key(change) not in allowed]


def refusal_message(changes: Sequence[ResourceChange], planned: bool = False) -> str:
    what = ", ".join(f"{key(c)} ({'removed' if c.action == 'Remove' else 'replaced'})" for c in changes)
    flags = " ".join(f"--allow-replacement {key(c)}" for c in changes)
    if planned:
        return f"a deploy would refuse this change set: it deletes the data of {what} (unless given {flags})"
    return (f"refused: this change set would delete the data of {what}; nothing was executed. If that is "
            f"intended, rerun with {flags}")


def stack_policy(exempt_logical_ids: Iterable[str] = ()) -> str:
    """Allow every update, deny Update:Replace and Update:Delete on stateful types; `exempt_logical_ids`
    (the resources a deploy was explicitly allowed to replace) are left out of the deny."""
    deny: dict = {"Effect": "Deny", "Action": ["Update:Replace", "Update:Delete"], "Principal": "*",
                  "Condition": {"StringEquals": {"ResourceType": list(STATEFUL_TYPES)}}}
    exempt = sorted(set(exempt_logical_ids))
    if exempt:
        deny["NotResource"] = [f"LogicalResourceId/{logical_id}" for logical_id in exempt]
    else:
        deny["Resource"] = "*"
    return json.dumps({"Statement": [
        {"Effect": "Allow", "Action": "Update:*", "Principal": "*", "Resource": "*"}, deny]}, sort_keys=True)
