"""The `waf:` section of an environment's config (parsed and validated; owned by `candlefish waf`)."""

from __future__ import annotations

from dataclasses import dataclass

from candlefish_ops.config.schema import Node


@dataclass(frozen=True)
class WafConfig:
    """Settings of `candlefish waf` for one environment."""


def parse(node: Node | None, environment: str) -> WafConfig:
    """Validate the section (absent means defaults)."""
    if node is not None:
        node.mapping(allowed=set())
    return WafConfig()
