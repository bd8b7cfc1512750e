"""The `reports:` section of an environment's config (parsed and validated; owned by `candlefish report`)."""

from __future__ import annotations

from dataclasses import dataclass

from candlefish_ops.config.schema import Node


@dataclass(frozen=True)
class ReportsConfig:
    """Settings of `candlefish report` for one environment."""


def parse(node: Node | None, environment: str) -> ReportsConfig:
    """Validate the section (absent means defaults)."""
    if node is not None:
        node.mapping(allowed=set())
    return ReportsConfig()
