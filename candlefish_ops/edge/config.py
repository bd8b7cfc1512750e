"""The edge_config.json of one environment: the repository's config with the environment's own names.

Lambda@Edge has no environment variables, so each package carries its configuration. The repository's
lambdas/edge_config.json is written for `domain` (candlefish.ai); for an environment, every mention of
that domain becomes the environment's domain, the CORS origins are the distribution's aliases, and the
account-specific names (image buckets and their regions, the API origin of each region) come from the
stack outputs the edge stack receives. Pure: no AWS calls.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any, Mapping

from candlefish_ops.edge.functions import LAMBDAS_DIR
from candlefish_ops.errors import ValidationError


@dataclass(frozen=True)
class EdgeInputs:
    environment: str
    domain: str
    aliases: tuple[str, ...]
    originals_bucket: str
    originals_region: str
    optimized_bucket: str
    optimized_region: str
    api_default: str                 # host of the distribution's /api/* origin
    api_by_region: Mapping[str, str]  # every API region's host


def load_base(path=None) -> dict[str, Any]:
    with open(path or LAMBDAS_DIR / "edge_config.json", encoding="utf-8") as handle:
        return json.load(handle)


def edge_config(base: dict[str, Any], inputs: EdgeInputs) -> dict[str, Any]:
    """A new config dict for `inputs`' environment (base is not modified)."""
    base_domain = base.get("domain")
    if not base_domain:
        raise ValidationError("lambdas/edge_config.json: 'domain' (the domain it is written for) is missing")
    config = _rename_domain(json.loads(json.dumps(base)), base_domain, inputs.domain)
    config["domain"] = inputs.domain
    config["environment"] = inputs.environment
    config["cors"]["allowed_origins"] = [f"https://{alias}" for alias in inputs.aliases]
    images = config["images"]
    images.update(originals_bucket=inputs.originals_bucket, originals_region=inputs.originals_region,
                  optimized_bucket=inputs.optimized_bucket, optimized_region=inputs.optimized_region)
    routing = config["routing"]
    routing["api_origins"] = {key: _api_host(key, inputs) for key in routing["api_origins"]}
    return config


def config_bytes(config: dict[str, Any]) -> bytes:
    """The file's bytes: key order and spacing fixed, so equal configs give equal packages."""
    return (json.dumps(config, indent=2, sort_keys=True, ensure_ascii=True) + "\n").encode("utf-8")


def _api_host(key: str, inputs: EdgeInputs) -> str:
    """The API region a routing key (us / eu / ap) stands for, else the distribution's own API origin."""
    for region in sorted(inputs.api_by_region):
        if region.startswith(f"{key}-"):
            return inputs.api_by_region[region]
    return inputs.api_default


def _rename_domain(node: Any, old: str, new: str) -> Any:
    pattern = re.compile(rf"(?<![A-Za-z0-9-]){re.escape(old)}(?![A-Za-z0-9-])")
    if isinstance(node, str):
        return pattern.sub(new, node)
    if isinstance(node, list):
        return [_rename_domain(item, old, new) for item in node]
    if isinstance(node, dict):
        return {key: _rename_domain(value, old, new) for key, value in node.items()}
    return node
