"""Edge release benchmark: package time (cold, cached wheels, cached packages), zip sizes against the
Lambda@Edge limits, and the AWS API calls of a no-op release and of a one-function change.

    python bench/edge.py [--runs 3]

Packaging runs against fresh cache directories (cold = the locked wheels are downloaded from the index
too). The API calls are counted by botocore event on the session the deploy engine uses, against the
embedded emulator, for a small environment (the real storage and edge templates, other inputs literal),
deploying the edge stack alone (`--only edge`) after a first full deploy.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "functional" / "edge"))

READ_PREFIXES = ("Describe", "Get", "List", "Head")


def package_all(cache: Path):
    from candlefish_ops.edge.config import config_bytes, load_base
    from candlefish_ops.edge.functions import FUNCTIONS
    from candlefish_ops.edge.package import Packager
    from candlefish_ops.edge.runtime import runtime_python
    from candlefish_ops.edge.wheels import WheelCache

    packager = Packager(runtime_python(), cache, WheelCache(cache))
    started = time.perf_counter()
    packages = [packager.build(function, config_bytes(load_base())) for function in FUNCTIONS]
    return time.perf_counter() - started, packages


def packaging(runs: int):
    cold, warm_wheels, cached = [], [], []
    packages = []
    for _ in range(runs):
        with tempfile.TemporaryDirectory() as scratch:
            first, second = Path(scratch) / "a", Path(scratch) / "b"
            cold.append(package_all(first)[0])
            shutil.copytree(first / "wheels", second / "wheels")
            warm_wheels.append(package_all(second)[0])
            elapsed, packages = package_all(second)
            cached.append(elapsed)
    return {"cold (wheels downloaded)": cold, "cached wheels": warm_wheels, "cached packages": cached}, packages


def deploy(environment, session, only=()):
    from candlefish_ops.aws.base import CallCounter
    from candlefish_ops.deploy.executor import SilentHooks
    from candlefish_ops.deploy.plan import plan_deploy
    from candlefish_ops.deploy.service import run_deploy

    counter = CallCounter(session)
    report = run_deploy(session, environment, plan_deploy(environment, only), SilentHooks(), assume_yes=True,
                        parallel=4, recreate_failed=False)
    assert not report.failed, [r.to_dict() for r in report.results if not r.ok]
    session.events.unregister("before-call", counter._count)
    return Counter(counter.calls), report


def api_calls():
    import boto3
    from conftest import CONFIG

    from candlefish_ops.config import load_environment
    from candlefish_ops.local.emulator import Emulator, point_sdk_at

    scratch = Path(tempfile.mkdtemp())
    (scratch / "config").mkdir()
    (scratch / "config" / "staging.yaml").write_text(CONFIG.format(templates=ROOT / "templates", edge_region="us-east-1"))
    shutil.copytree(ROOT / "lambdas", scratch / "lambdas")
    os.environ["CANDLEFISH_LAMBDAS_DIR"] = str(scratch / "lambdas")
    emulator = Emulator()
    point_sdk_at(emulator.start(), "us-east-1")
    session = boto3.Session(region_name="us-east-1")
    session.client("s3").create_bucket(Bucket="staging-candlefish-logs")
    environment = load_environment(scratch / "config", "staging")
    deploy(environment, session)
    noop, report = deploy(environment, session, ("edge",))
    assert report.results[0].result == "unchanged"
    handler = scratch / "lambdas" / "viewer_response" / "handler.py"
    handler.write_text(handler.read_text() + "\n# bench: one changed function\n")
    change, report = deploy(environment, session, ("edge",))
    assert [c.name for c in report.results[0].release if c.status == "changed"] == ["viewer_response"]
    emulator.stop()
    shutil.rmtree(scratch, ignore_errors=True)
    return {"no-op release (deploy --only edge)": noop, "one changed function (deploy --only edge)": change}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()

    timings, packages = packaging(args.runs)
    print(f"Packaging all five functions, {args.runs} runs (median, min, max):\n")
    print("| measure | median | min | max |\n|---|---|---|---|")
    for label, values in timings.items():
        print(f"| {label} | {statistics.median(values):.2f} s | {min(values):.2f} s | {max(values):.2f} s |")
    print("\n| function | zip bytes | limit | share of limit |\n|---|---|---|---|")
    for package in packages:
        print(f"| {package.function.name} | {package.size:,} | {package.function.limit:,} | "
              f"{100 * package.size / package.function.limit:.1f} % |")

    for label, calls in api_calls().items():
        writes = {op: n for op, n in calls.items() if not op.split(".", 1)[1].startswith(READ_PREFIXES)}
        print(f"\nAPI calls, {label}: {sum(calls.values())} in all, {sum(writes.values())} writes\n")
        print("| operation | calls |\n|---|---|")
        for op, n in sorted(calls.items()):
            print(f"| {op} | {n} |")


if __name__ == "__main__":
    os.environ.setdefault("AWS_MAX_ATTEMPTS", "2")
    main()
