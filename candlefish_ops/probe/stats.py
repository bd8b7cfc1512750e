"""Latency and outcome counts per request kind, in an HDR histogram (bounded memory, 3 significant
digits from 1 µs to 60 s), never a list of every sample."""

from __future__ import annotations

from collections import Counter

_LOWEST_US, _HIGHEST_US, _DIGITS = 1, 60_000_000, 3


class KindStats:
    def __init__(self) -> None:
        from hdrh.histogram import HdrHistogram

        self.histogram = HdrHistogram(_LOWEST_US, _HIGHEST_US, _DIGITS)
        self.requests = 0
        self.errors = 0
        self.reasons: Counter[str] = Counter()
        self.cache_seen = 0
        self.cache_hits = 0

    def record(self, seconds: float, error: str = "", x_cache: str | None = None) -> None:
        self.requests += 1
        self.histogram.record_value(min(max(int(seconds * 1_000_000), _LOWEST_US), _HIGHEST_US))
        if error:
            self.errors += 1
            if len(self.reasons) < 50 or error in self.reasons:
                self.reasons[error] += 1
        if x_cache is not None:
            self.cache_seen += 1
            self.cache_hits += x_cache.lower().startswith("hit")

    def percentile_ms(self, percentile: float) -> float | None:
        if not self.requests:
            return None
        return self.histogram.get_value_at_percentile(percentile) / 1000.0

    def summary(self) -> dict:
        return {"requests": self.requests, "errors": self.errors,
                "p50_ms": self.percentile_ms(50), "p90_ms": self.percentile_ms(90),
                "p99_ms": self.percentile_ms(99),
                "max_ms": self.histogram.get_max_value() / 1000.0 if self.requests else None,
                "cache_hit_percent": 100.0 * self.cache_hits / self.cache_seen if self.cache_seen else None,
                "error_reasons": dict(self.reasons.most_common(5))}
