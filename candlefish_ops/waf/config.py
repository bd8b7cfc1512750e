"""The `waf:` section of an environment's config (parsed and validated; owned by `candlefish waf`).

Every key is optional; the defaults follow the security stack's naming (`{env}-candlefish-block-v4`, ...,
scope CLOUDFRONT in us-east-1, ledger table `{env}-candlefish-waf-ledger`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Mapping

from candlefish_ops.config.schema import Node

SET_KINDS = ("block", "allow")
VERSIONS = ("v4", "v6")
MAX_ADDRESSES_PER_SET = 10_000  # the AWS quota of one IP set
_KEYS = {"scope", "region", "ip_sets", "ledger_table", "security_stack", "confirm_threshold", "allow_private",
         "max_addresses_per_set", "lock_retries", "pending_grace_seconds", "removed_retention_days"}
_SET_KEYS = {f"{kind}_{version}" for kind in SET_KINDS for version in VERSIONS}
_IP_SET_NAME = re.compile(r"^[\w-]{1,128}$")
_TABLE_NAME = re.compile(r"^[A-Za-z0-9_.-]{3,255}$")


@dataclass(frozen=True)
class WafConfig:
    """Settings of `candlefish waf` for one environment."""

    scope: str = "CLOUDFRONT"
    region: str = "us-east-1"
    # ip_sets["block_v4"] = name of the IP set; keys block_v4, block_v6, allow_v4, allow_v6
    ip_sets: Mapping[str, str] = field(default_factory=dict)
    ledger_table: str = ""
    confirm_threshold: int = 10
    allow_private: bool = False
    max_addresses_per_set: int = MAX_ADDRESSES_PER_SET
    lock_retries: int = 5
    pending_grace_seconds: int = 300
    removed_retention_days: int = 90
    security_stack: str = "security"  # key in `stacks:` whose outputs name the IP sets and the ledger table
    # the names written in the config (keys of ip_sets, and "ledger_table"); they win over stack outputs
    explicit: frozenset[str] = frozenset()

    def ip_set_name(self, kind: str, version: str) -> str:
        return self.ip_sets[f"{kind}_{version}"]


def defaults(environment: str) -> WafConfig:
    return WafConfig(
        ip_sets={f"{kind}_{version}": f"{environment}-candlefish-{kind}-{version}"
                 for kind in SET_KINDS for version in VERSIONS},
        ledger_table=f"{environment}-candlefish-waf-ledger",
    )


def parse(node: Node | None, environment: str) -> WafConfig:
    """Validate the section (absent means defaults)."""
    base = defaults(environment)
    if node is None:
        return base
    node.mapping(allowed=_KEYS)
    scope = node.get("scope", str, base.scope)
    if scope not in ("CLOUDFRONT", "REGIONAL"):
        raise node.error(f"{scope!r}: must be CLOUDFRONT or REGIONAL", "scope")
    region = node.get("region", str, base.region)
    if scope == "CLOUDFRONT" and region != "us-east-1":
        raise node.error(f"{region!r}: CLOUDFRONT-scope IP sets live in us-east-1 only", "region")
    ip_sets, ledger_table = _ip_sets(node, base), _ledger_table(node, base)
    explicit = set(node.value.get("ip_sets") or {}) | ({"ledger_table"} if "ledger_table" in node.value else set())
    return WafConfig(
        scope=scope, region=region, ip_sets=ip_sets, ledger_table=ledger_table,
        security_stack=node.get("security_stack", str, base.security_stack), explicit=frozenset(explicit),
        confirm_threshold=int(node.number_in("confirm_threshold", 0, 100_000, base.confirm_threshold)),
        allow_private=node.get("allow_private", bool, base.allow_private),
        max_addresses_per_set=int(node.number_in("max_addresses_per_set", 1, MAX_ADDRESSES_PER_SET,
                                                 base.max_addresses_per_set)),
        lock_retries=int(node.number_in("lock_retries", 0, 20, base.lock_retries)),
        pending_grace_seconds=int(node.number_in("pending_grace_seconds", 0, 86_400, base.pending_grace_seconds)),
        removed_retention_days=int(node.number_in("removed_retention_days", 1, 3650, base.removed_retention_days)),
    )


def _ip_sets(node: Node, base: WafConfig) -> dict[str, str]:
    names = dict(base.ip_sets)
    if node.value.get("ip_sets") is None:
        return names
    sets = node.child("ip_sets").mapping(allowed=_SET_KEYS)
    for key, child in sets.items():
        name = child.expect(str).value
        if not _IP_SET_NAME.match(name):
            raise child.error(f"{name!r} is not a valid IP set name (letters, digits, - and _, up to 128)")
        names[key] = name
    if len(set(names.values())) != len(names):
        raise node.error("the four IP sets must have different names", "ip_sets")
    return names


def _ledger_table(node: Node, base: WafConfig) -> str:
    name = node.get("ledger_table", str, base.ledger_table)
    if not _TABLE_NAME.match(name):
        raise node.error(f"{name!r} is not a valid DynamoDB table name", "ledger_table")
    return name
