"""The `reports:` section of an environment's config (parsed and validated; owned by `candlefish report`).

Budgets are keyed by Cost Explorer's SERVICE dimension ("Amazon CloudFront": 50). Two lines of the seed's
budget are not services of their own in Cost Explorer, and are declared as mappings:
- Lambda@Edge is billed under "AWS Lambda"; its usage types carry "Lambda-Edge"
  (`Lambda@Edge: {amount: 15, service: AWS Lambda, usage_type_contains: Lambda-Edge}`); the rest of
  "AWS Lambda" stays on the "AWS Lambda" line.
- Data transfer between regions and out to the internet is the "AWS Data Transfer" service (CloudFront's
  own egress stays on the CloudFront line, which is how the seed's CloudFront budget was estimated).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from candlefish_ops.config.schema import Node

_KEYS = {"budgets", "near_threshold_percent", "targets", "cost_tag_key", "cache_ttl_hours", "cache_dir",
         "edge_regions"}
_TARGET_KEYS = {"api_latency_p50_ms", "api_latency_p99_ms", "websocket_latency_ms", "error_rate_percent",
                "cache_hit_ratio_percent", "availability_percent", "warn_margin_percent"}
_LINE_KEYS = {"amount", "service", "usage_type_contains"}
_TAG_KEY = re.compile(r"^[\w .:/=+\-@]{1,128}$")


@dataclass(frozen=True)
class BudgetLine:
    """A monthly budget (USD) for a Cost Explorer service, or for the usage types of one carved out of it."""

    name: str
    amount: float
    service: str
    usage_type_contains: str | None = None

    def matches(self, service: str, usage_type: str) -> bool:
        if service != self.service:
            return False
        return self.usage_type_contains is None or self.usage_type_contains in usage_type


@dataclass(frozen=True)
class Targets:
    """The performance targets `report health` holds the live stack against."""

    api_latency_p50_ms: float = 50.0
    api_latency_p99_ms: float = 100.0
    websocket_latency_ms: float = 30.0
    error_rate_percent: float = 0.1
    cache_hit_ratio_percent: float = 92.0
    availability_percent: float = 99.99
    warn_margin_percent: float = 20.0


SEED_BUDGETS: tuple[BudgetLine, ...] = (
    BudgetLine("Amazon CloudFront", 50, "Amazon CloudFront"),
    BudgetLine("Amazon Simple Storage Service", 23, "Amazon Simple Storage Service"),
    BudgetLine("Lambda@Edge", 15, "AWS Lambda", "Lambda-Edge"),
    BudgetLine("Amazon API Gateway", 10, "Amazon API Gateway"),
    BudgetLine("Amazon Route 53", 5, "Amazon Route 53"),
    BudgetLine("AWS WAF", 8, "AWS WAF"),
    BudgetLine("AWS Lambda", 8, "AWS Lambda"),
    BudgetLine("Amazon DynamoDB", 5, "Amazon DynamoDB"),
    BudgetLine("Amazon ElastiCache", 13, "Amazon ElastiCache"),
    BudgetLine("Amazon Relational Database Service", 15, "Amazon Relational Database Service"),
    BudgetLine("Amazon Elastic Container Service for Kubernetes", 72,
               "Amazon Elastic Container Service for Kubernetes"),
    BudgetLine("AWS Data Transfer", 30, "AWS Data Transfer"),
)


@dataclass(frozen=True)
class ReportsConfig:
    """Settings of `candlefish report` for one environment."""

    budgets: tuple[BudgetLine, ...] = SEED_BUDGETS
    near_threshold_percent: float = 80.0
    targets: Targets = field(default_factory=Targets)
    cost_tag_key: str = "Environment"
    cache_ttl_hours: float = 6.0
    cache_dir: str | None = None
    # Where `report health` reads Lambda@Edge metrics: the regions the functions run in (those of the
    # edge locations serving the viewers). None: every region the environment's stacks deploy to.
    edge_regions: tuple[str, ...] | None = None

    @property
    def total_budget(self) -> float:
        return sum(line.amount for line in self.budgets)

    def budget_line(self, service: str, usage_type: str) -> BudgetLine | None:
        """The line a cost belongs to: a carved-out line first, then the service's own line."""
        carved = [line for line in self.budgets if line.usage_type_contains is not None]
        plain = [line for line in self.budgets if line.usage_type_contains is None]
        for line in (*carved, *plain):
            if line.matches(service, usage_type):
                return line
        return None


def parse(node: Node | None, environment: str) -> ReportsConfig:
    """Validate the section (absent means the seed's budgets and targets)."""
    if node is None:
        return ReportsConfig()
    node.mapping(allowed=_KEYS)
    tag_key = node.get("cost_tag_key", str, "Environment")
    if not _TAG_KEY.match(tag_key):
        raise node.error(f"{tag_key!r} is not a valid tag key", "cost_tag_key")
    return ReportsConfig(
        budgets=_budgets(node.child("budgets")) if node.value.get("budgets") is not None else SEED_BUDGETS,
        near_threshold_percent=node.number_in("near_threshold_percent", 1, 100, 80.0),
        targets=_targets(node.child("targets")) if node.value.get("targets") is not None else Targets(),
        cost_tag_key=tag_key,
        cache_ttl_hours=node.number_in("cache_ttl_hours", 0, 24 * 30, 6.0),
        cache_dir=node.get("cache_dir", str),
        edge_regions=_edge_regions(node) if node.value.get("edge_regions") is not None else None,
    )


def _edge_regions(node: Node) -> tuple[str, ...]:
    from candlefish_ops.config.stacks import REGION_PATTERN

    regions = node.str_list("edge_regions")
    if not regions:
        raise node.error("lists no region (leave the key out for the stacks' regions)", "edge_regions")
    for region in regions:
        if not REGION_PATTERN.match(region):
            raise node.error(f"{region!r} is not an AWS region name (e.g. eu-west-1)", "edge_regions")
    if len(set(regions)) != len(regions):
        raise node.error("lists a region twice", "edge_regions")
    return regions


def _budgets(node: Node) -> tuple[BudgetLine, ...]:
    node.mapping()
    if not node.value:
        raise node.error("declares no budgets (leave the key out for the defaults)")
    return tuple(_budget_line(name, child) for name, child in node.items())


def _budget_line(name: str, node: Node) -> BudgetLine:
    if not isinstance(node.value, dict):
        amount = node.expect(float).value
        _check_amount(node, float(amount))
        return BudgetLine(name, float(amount), name)
    node.mapping(_LINE_KEYS, required={"amount", "service"})
    amount = node.get("amount", float)
    _check_amount(node.child("amount"), amount)
    return BudgetLine(name, amount, node.get("service", str), node.get("usage_type_contains", str))


def _check_amount(node: Node, amount: float) -> None:
    if amount < 0:
        raise node.error(f"a budget is a positive amount of USD per month, got {amount:g}")


def _targets(node: Node) -> Targets:
    node.mapping(allowed=_TARGET_KEYS)
    defaults = Targets()
    values = {}
    for key in sorted(_TARGET_KEYS):
        high = 100.0 if key.endswith("_percent") else 60_000.0
        values[key] = node.number_in(key, 0, high, getattr(defaults, key))
    return Targets(**values)
