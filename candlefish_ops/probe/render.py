"""The probe's output: a live line while it runs (stderr), then the tables and the verdicts (stdout)."""

from __future__ import annotations

import time

from candlefish_ops import ui


class ProgressLine:
    """rps, errors and p50/p99 so far: redrawn on a terminal, a line every 5 s otherwise."""

    def __init__(self) -> None:
        self.console = ui.progress_console()
        self.last_line = 0.0

    def __call__(self, probe) -> None:
        requests = sum(s.requests for s in probe.stats.values())
        errors = sum(s.errors for s in probe.stats.values())
        api = probe.stats["api"]
        text = (f"{probe.elapsed:5.1f}s  users {probe.active_users}  {requests / probe.elapsed:8.1f} req/s  "
                f"errors {errors}  api p50 {_ms(api.percentile_ms(50))}  p99 {_ms(api.percentile_ms(99))}")
        if self.console.is_terminal:
            self.console.print(text, end="\r", markup=False, highlight=False)
        elif time.monotonic() - self.last_line >= 5:
            self.last_line = time.monotonic()
            self.console.print(text, markup=False, highlight=False)

    def done(self) -> None:
        if self.console.is_terminal:
            self.console.print()


def render(document: dict) -> None:
    rows = []
    for kind, stats in document["requests"].items():
        if not stats["probed"]:
            rows.append((kind, "skipped (not served locally)", "", "", "", "", "", "", ""))
            continue
        rows.append((kind, f"{stats['requests']:,}", f"{stats['errors']:,}", _ms(stats["p50_ms"]), _ms(stats["p90_ms"]),
                     _ms(stats["p99_ms"]), _ms(stats["max_ms"]), _percent(stats["cache_hit_percent"]),
                     ", ".join(f"{reason} x{count}" for reason, count in stats["error_reasons"].items())))
    ui.table(f"probe {document['url']}: {document['users']} users, {document['duration_s']:g}s",
             ("kind", "requests", "errors", "p50", "p90", "p99", "max", "cache hit", "error reasons"), rows)
    ui.table("thresholds", ("target", "check", "measured", "result"),
             [(t["target"], t["check"], _number(t["measured"]), t["result"]) for t in document["thresholds"]])
    verdict = "all thresholds pass" if document["ok"] else "a threshold failed"
    ui.out(f"{verdict} ({document['requests_per_second']:,.1f} requests/s)")


def _ms(value) -> str:
    return "-" if value is None else f"{value:.1f} ms"


def _percent(value) -> str:
    return "-" if value is None else f"{value:.1f} %"


def _number(value) -> str:
    return "-" if value is None else f"{value:.3g}"
