"""Wall time and API requests of `report costs` and `report health`, cold and cached, side by side.

Runs the in-process emulator (moto with candlefish's extensions), deploys a small production environment
directly (edge, security, compute, api in two regions), seeds it with the reports extension, and times
each report through its collect function (what the CLI calls) with a CallCounter on the session.
costs cold  = --refresh (every answer asked again: Cost Explorer requests billed $0.01 each)
costs cached = the answer cache (fresh within its TTL): zero Cost Explorer requests
health cold = a new boto3 Session and new clients each run (service models loaded): one CLI run
health redraw = the same clients again (what --watch does between redraws)
Medians of 5. Usage: /work/venv/bin/python bench/reports.py
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests" / "functional" / "reports")]
RUNS = 5


def median_run(action) -> tuple[float, dict[str, int]]:
    """Median wall time of RUNS runs of action() -> CallCounter, and the calls of the last run."""
    times, calls = [], {}
    for _ in range(RUNS):
        start = time.perf_counter()
        counter = action()
        times.append(time.perf_counter() - start)
        calls = dict(counter.calls)
    return statistics.median(times), calls


def main() -> None:
    import boto3

    from candlefish_ops.aws.base import CallCounter
    from candlefish_ops.aws.session import new_session
    from candlefish_ops.config import load_environment
    from candlefish_ops.local.emulator import Emulator, point_sdk_at
    from candlefish_ops.local.seed import reports as report_data
    from candlefish_ops.reports.collect_costs import collect_costs
    from candlefish_ops.reports.collect_health import HealthClients, collect_health
    from candlefish_ops.reports.costs import parse_grouping, parse_period
    from candlefish_ops.reports.clock import today
    from report_world import CONFIG, TODAY, deploy_environment

    work = Path(tempfile.mkdtemp(prefix="candlefish-bench-"))
    os.environ.update(CANDLEFISH_TODAY=TODAY, CANDLEFISH_CACHE_DIR=str(work / "cache"), AWS_MAX_ATTEMPTS="2")
    (work / "production.yaml").write_text(CONFIG, encoding="utf-8")
    emulator = Emulator()
    endpoint = emulator.start()
    point_sdk_at(endpoint, "us-east-1")

    class Handle:
        def client(self, service, region="us-east-1"):
            return boto3.client(service, region_name=region, endpoint_url=endpoint)

    deploy_environment(Handle())
    environment = load_environment(work, "production")
    report_data.seed(endpoint, environment)
    period, grouping = parse_period(None, None, today()), parse_grouping("service")

    def costs(refresh: bool):
        session = new_session("us-east-1")
        counter = CallCounter(session)
        collect_costs(session, environment, period, grouping, refresh=refresh)
        return counter

    watch_clients = HealthClients(new_session("us-east-1"))

    def health(reuse: bool):
        clients = watch_clients if reuse else HealthClients(new_session("us-east-1"))
        before = Counter(clients.counter.calls)   # the clients count their own calls
        collect_health(clients.session, environment, clients=clients)
        return SimpleNamespace(calls=clients.counter.calls - before)

    results = [
        ("report costs, cold (--refresh)", *median_run(lambda: costs(True))),
        ("report costs, cached", *median_run(lambda: costs(False))),
        ("report health, cold (new session and clients)", *median_run(lambda: health(False))),
        ("report health, --watch redraw (clients reused)", *median_run(lambda: health(True))),
    ]
    emulator.stop()
    print(f"| report | median wall time (s), {RUNS} runs | API requests | of which Cost Explorer (billed) |")
    print("|---|---:|---:|---:|")
    for name, seconds, calls in results:
        ce = sum(n for op, n in calls.items() if op.startswith("ce."))
        print(f"| {name} | {seconds:.3f} | {sum(calls.values())} | {ce} (${ce * 0.01:.2f}) |")
    print()
    for name, _seconds, calls in results:
        print(f"- {name}: " + (", ".join(f"{op} {n}" for op, n in sorted(calls.items())) or "none"))


if __name__ == "__main__":
    main()
