"""The `dns:` section of an environment's config (parsed and validated; owned by `candlefish dns`)."""

from __future__ import annotations

from dataclasses import dataclass

from candlefish_ops.config.schema import Node


@dataclass(frozen=True)
class DnsConfig:
    """Settings of `candlefish dns` for one environment."""


def parse(node: Node | None, environment: str) -> DnsConfig:
    """Validate the section (absent means defaults)."""
    if node is not None:
        node.mapping(allowed=set())
    return DnsConfig()
