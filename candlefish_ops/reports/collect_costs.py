"""Ask Cost Explorer (or the answer cache) what the environment's report needs, then build the CostReport."""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from typing import Any

from candlefish_ops.errors import ConfigError
from candlefish_ops.reports.cache import AnswerCache, cache_directory
from candlefish_ops.reports.costs import (
    CostReport, Grouping, Period, build_lines, cost_filter, forecast_request, grouped_amounts, month_end,
    month_totals, movers, total_line, usage_request,
)

# The emulator layer marks the Cost Explorer answers it seeds with this attribute (real AWS never does).
EMULATED_MARKER = "candlefish-emulated-data"


@dataclass
class Fetched:
    answer: Any
    from_cache: bool
    age_seconds: float = 0.0


def environment_tag(environment) -> tuple[str, str]:
    """The cost allocation tag (key, value) every stack of the environment carries."""
    key = environment.reports.cost_tag_key
    tags = {**environment.tags, "Project": environment.project, "Environment": environment.name,
            "ManagedBy": "candlefish"}
    if key not in tags:
        raise ConfigError(f"{environment.file}: reports.cost_tag_key: {key!r} is not a tag every stack carries "
                          f"(they carry {', '.join(sorted(tags))}); add it under tags: or pick one of those")
    return key, tags[key]


def answer_cache(session, environment) -> AnswerCache:
    scope = f"{os.environ.get('AWS_ENDPOINT_URL', 'aws')}|{session.profile_name}"
    ttl = environment.reports.cache_ttl_hours * 3600
    return AnswerCache(cache_directory(environment.reports.cache_dir), ttl, scope)


def collect_costs(session, environment, period: Period, grouping: Grouping, refresh: bool = False,
                  cache: AnswerCache | None = None) -> CostReport:
    """Query (or reuse cached answers), count the billed requests, and build the report."""
    from candlefish_ops.aws.base import CallCounter
    from candlefish_ops.aws.ce import CostExplorer

    counter = CallCounter(session)
    explorer = CostExplorer(session)
    cache = answer_cache(session, environment) if cache is None else cache
    filter_ = cost_filter(*environment_tag(environment))
    usage = _fetch(cache, "usage", usage_request(period, grouping, filter_), refresh,
                   lambda request: _pages_to_json(explorer.cost_and_usage(request)))
    forecast = _fetch_forecast(cache, explorer, forecast_request(period, filter_), refresh)
    report = build_report(environment, period, grouping, usage.answer, forecast.answer if forecast else None)
    requests = sum(n for name, n in counter.calls.items() if name.startswith("ce."))
    return replace(report, requests=requests, cached=requests == 0,
                   notes=_cache_notes(usage, forecast, cache.ttl_seconds), warnings=tuple(cache.refusals))


def _fetch(cache: AnswerCache, kind: str, request: dict, refresh: bool, ask) -> Fetched:
    if not refresh:
        hit = cache.get(kind, request)
        if hit is not None:
            return Fetched(hit[0], True, hit[1])
    answer = ask(request)
    cache.put(kind, request, answer)
    return Fetched(answer, False)


def _fetch_forecast(cache: AnswerCache, explorer, request: dict | None, refresh: bool) -> Fetched | None:
    if request is None:
        return None

    def ask(body: dict) -> dict:
        forecast = explorer.forecast(body)
        return {"amount": forecast.amount, "unavailable_reason": forecast.unavailable_reason}

    return _fetch(cache, "forecast", request, refresh, ask)


def _pages_to_json(pages) -> dict:
    return {"results_by_time": list(pages.results_by_time),
            "dimension_value_attributes": list(pages.dimension_value_attributes), "pages": pages.pages}


def build_report(environment, period: Period, grouping: Grouping, usage: dict, forecast: dict | None) -> CostReport:
    """The report from the (possibly cached) answers: pure arithmetic, no AWS."""
    config = environment.reports
    amounts = grouped_amounts(usage["results_by_time"])
    lines = build_lines(amounts, period, grouping, config)
    totals = month_totals(amounts, period)
    actual = totals[-1]
    forecast = forecast or {"amount": None, "unavailable_reason": "closed month"}
    end = month_end(actual, period, forecast["amount"], forecast["unavailable_reason"])
    emulated = any(a.get("Value") == EMULATED_MARKER for a in usage["dimension_value_attributes"])
    return CostReport(environment.name, grouping.label, period, tuple(lines),
                      total_line(totals, end, period, config), end, movers(lines), pages=usage["pages"],
                      emulated=emulated)


def _cache_notes(usage: Fetched, forecast: Fetched | None, ttl: float) -> tuple[str, ...]:
    fetched = [f for f in (usage, forecast) if f is not None]
    cached = [f for f in fetched if f.from_cache]
    if not cached:
        return (f"answers cached for {ttl / 3600:g} h",) if ttl > 0 else ("answers not cached",)
    oldest = max(f.age_seconds for f in cached)
    return (f"{len(cached)} of {len(fetched)} answers from the cache ({_age(oldest)} old); --refresh asks again",)


def _age(seconds: float) -> str:
    minutes = int(seconds // 60)
    return f"{minutes // 60} h {minutes % 60} min" if minutes >= 60 else f"{minutes} min"
