"""The `probe:` section of an environment's config: what `candlefish probe` requests and how hard.

The seed's k6 scenario: virtual users looping over a static asset, an API call and a WebSocket ping.
Thresholds come from `reports.targets` (one set of targets for the live stack and for the probe).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from candlefish_ops.config.schema import Node

_KEYS = {"static_path", "api_path", "websocket_path", "users", "duration_seconds", "ramp_seconds",
         "think_seconds", "max_requests", "timeout_seconds"}
_PATH = re.compile(r"^/[\x21-\x7e]{0,1023}$")


@dataclass(frozen=True)
class ProbeConfig:
    static_path: str = "/static/css/main.css"
    api_path: str = "/api/health"
    websocket_path: str = "/ws"
    users: int = 1000
    duration_seconds: float = 60.0
    ramp_seconds: float = 10.0
    think_seconds: float = 1.0      # a user's pause between iterations (the seed's k6 script: sleep(1))
    max_requests: int = 1_000_000   # a hard bound whatever the duration
    timeout_seconds: float = 10.0


def parse(node: Node | None, environment: str) -> ProbeConfig:
    if node is None:
        return ProbeConfig()
    node.mapping(allowed=_KEYS)
    defaults = ProbeConfig()
    paths = {}
    for key in ("static_path", "api_path", "websocket_path"):
        value = node.get(key, str, getattr(defaults, key))
        if not _PATH.match(value):
            raise node.error(f"{value!r}: a path starting with '/', printable ASCII, no spaces", key)
        paths[key] = value
    return ProbeConfig(
        **paths,
        users=int(node.number_in("users", 1, 100_000, defaults.users)),
        duration_seconds=node.number_in("duration_seconds", 1, 3600, defaults.duration_seconds),
        ramp_seconds=node.number_in("ramp_seconds", 0, 3600, defaults.ramp_seconds),
        think_seconds=node.number_in("think_seconds", 0, 600, defaults.think_seconds),
        max_requests=int(node.number_in("max_requests", 1, 100_000_000, defaults.max_requests)),
        timeout_seconds=node.number_in("timeout_seconds", 0.1, 120, defaults.timeout_seconds),
    )
