"""What a probe run requests, how hard, and what it must meet (pure: no network).

Thresholds are the environment's `reports.targets` (the seed's: API p50 < 50 ms, p99 < 100 ms, WebSocket
< 30 ms, errors < 0.1 %, cache hit >= 92 %), each overridable with `--target NAME=VALUE`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, fields, replace
from urllib.parse import urlsplit, urlunsplit

from candlefish_ops.errors import ValidationError

_DURATION = re.compile(r"^(?P<value>\d+(?:\.\d+)?)(?P<unit>ms|s|m|h)?$")
_UNITS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, None: 1.0}
KINDS = ("static", "api", "websocket")


@dataclass(frozen=True)
class Threshold:
    name: str           # the target's name in reports.targets
    kind: str           # static | api | websocket | all
    metric: str         # p50_ms | p99_ms | error_percent | cache_hit_percent
    limit: float
    at_least: bool = False

    def describe(self) -> str:
        return f"{self.kind} {self.metric} {'>=' if self.at_least else '<'} {self.limit:g}"


@dataclass(frozen=True)
class ProbePlan:
    base_url: str
    urls: dict          # kind -> absolute URL, or None when the kind is not probed (websocket locally)
    users: int
    duration: float
    ramp: float
    think: float
    max_requests: int
    timeout: float
    thresholds: tuple[Threshold, ...]

    @property
    def origin(self) -> tuple[str, str]:
        parts = urlsplit(self.base_url)
        return parts.scheme, parts.netloc.lower()


def parse_duration(text: str, option: str) -> float:
    match = _DURATION.match(text.strip().lower())
    if not match:
        raise ValidationError(f"{option} {text!r}: write a duration like 60s, 2m, 500ms or 1h")
    return float(match["value"]) * _UNITS[match["unit"]]


def base_url(url: str) -> str:
    """The probe's target: http(s)://host[:port], no credentials, path kept as a prefix."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValidationError(f"--url {url[:200]!r}: give an http:// or https:// URL with a host")
    if parts.username or parts.password:
        raise ValidationError("--url: credentials in the URL are not sent by the probe; remove them")
    if parts.query or parts.fragment:
        raise ValidationError("--url: give a base URL without a query or fragment")
    return urlunsplit((parts.scheme, parts.netloc, parts.path.rstrip("/"), "", ""))


def thresholds(targets, overrides: dict[str, float]) -> tuple[Threshold, ...]:
    known = {f.name for f in fields(targets)}
    unknown = sorted(set(overrides) - known)
    if unknown:
        raise ValidationError(f"--target {unknown[0]}: unknown target (known: {', '.join(sorted(known))})")
    targets = replace(targets, **overrides)
    return (Threshold("api_latency_p50_ms", "api", "p50_ms", targets.api_latency_p50_ms),
            Threshold("api_latency_p99_ms", "api", "p99_ms", targets.api_latency_p99_ms),
            Threshold("websocket_latency_ms", "websocket", "p50_ms", targets.websocket_latency_ms),
            Threshold("error_rate_percent", "all", "error_percent", targets.error_rate_percent),
            Threshold("cache_hit_ratio_percent", "static", "cache_hit_percent", targets.cache_hit_ratio_percent,
                      at_least=True))


def parse_targets(items: list[str]) -> dict[str, float]:
    found = {}
    for item in items:
        name, _, value = item.partition("=")
        try:
            found[name.strip()] = float(value)
        except ValueError:
            raise ValidationError(f"--target {item[:100]!r}: write NAME=NUMBER, e.g. api_latency_p99_ms=100") from None
    return found


def build(config, targets, *, url: str, users: int | None, duration: str | None, ramp: str | None,
          target_overrides: list[str], think: str | None = None, websocket: bool = True) -> ProbePlan:
    """The run: the environment's probe config, with the command's options on top."""
    base = base_url(url)
    run_for = parse_duration(duration, "--duration") if duration else config.duration_seconds
    ramp_for = parse_duration(ramp, "--ramp") if ramp else config.ramp_seconds
    if run_for <= 0 or ramp_for < 0 or ramp_for > run_for:
        raise ValidationError(f"--ramp ({ramp_for:g}s) must be between 0 and --duration ({run_for:g}s)")
    think_for = parse_duration(think, "--think") if think else config.think_seconds
    users = config.users if users is None else users
    if not 1 <= users <= 100_000:
        raise ValidationError(f"--users {users}: between 1 and 100,000")
    scheme = "wss" if base.startswith("https:") else "ws"
    urls = {"static": base + config.static_path, "api": base + config.api_path,
            "websocket": f"{scheme}{base[base.index(':'):]}{config.websocket_path}" if websocket else None}
    return ProbePlan(base, urls, users, run_for, ramp_for, think_for, config.max_requests, config.timeout_seconds,
                     thresholds(targets, parse_targets(target_overrides)))


def evaluate(summary: dict[str, dict], plan: ProbePlan) -> list[dict]:
    """Each threshold PASS / FAIL, or SKIPPED when its kind was not probed or got no answers."""
    results = []
    for threshold in plan.thresholds:
        measured = _measured(summary, threshold)
        if measured is None:
            verdict = "SKIPPED"
        else:
            ok = measured >= threshold.limit if threshold.at_least else measured < threshold.limit
            verdict = "PASS" if ok else "FAIL"
        results.append({"target": threshold.name, "check": threshold.describe(), "limit": threshold.limit,
                        "measured": measured, "result": verdict})
    return results


def _measured(summary: dict[str, dict], threshold: Threshold) -> float | None:
    if threshold.kind == "all":
        done = [s for s in summary.values() if s["requests"]]
        total = sum(s["requests"] for s in done)
        return 100.0 * sum(s["errors"] for s in done) / total if total else None
    stats = summary.get(threshold.kind)
    if not stats or not stats["requests"]:
        return None
    return stats.get(threshold.metric)
