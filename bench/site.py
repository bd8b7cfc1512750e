"""`candlefish site publish` benchmark: a generated 2,000-file, 200 MB build published into the embedded
emulator, first and no-op, side by side with `aws s3 sync` of the same tree on the same emulator.

    python bench/site.py [--runs 3] [--aws PATH_TO_AWS_CLI]

Each run starts from a reset emulator with the storage and edge stacks deployed (the edge tests' small
config). Both tools run as processes (`candlefish site publish staging DIR --yes`, `aws s3 sync DIR
s3://BUCKET/`), timed wall-clock; each gets its own bucket (candlefish the stack's static-assets bucket,
aws a plain bucket). Requests are counted on the emulator's side from its access log (method and query
kind), so both tools are counted the same way; candlefish's no-op is also counted by operation with
botocore's event hook. The AWS CLI is found with --aws, on PATH, or not at all (then only candlefish runs).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

FILES, TOTAL_BYTES = 2000, 200 * 1024 * 1024
_REQUEST = re.compile(r'"(GET|PUT|POST|HEAD|DELETE) (\S+) HTTP')


def generate(folder: Path, seed: int = 16) -> tuple[int, int]:
    """A Next.js-like build: 60 pages, 1,924 content-hashed assets under _next/static/, 12 fixed-name files,
    4 large media files of 12 MB (above the 8 MB multipart threshold); 2,000 files, 200 MB in all."""
    rng = random.Random(seed)
    files: dict[str, int] = {"index.html": 8_000}
    files.update({f"docs/page-{n}/index.html": 6_000 for n in range(59)})
    files.update({f"public/img/photo-{n}.jpg": 150_000 for n in range(8)})
    files.update({"favicon.ico": 4_000, "robots.txt": 100, "site.webmanifest": 400, "sw.js": 3_000})
    files.update({f"media/intro-{n}.mp4": 12 * 1024 * 1024 for n in range(4)})
    remaining = TOTAL_BYTES - sum(files.values())
    assets = FILES - len(files)
    kinds = [".js", ".css", ".wasm", ".glb", ".woff2", ".avif"]
    for n in range(assets):
        size = remaining // (assets - n) if n == assets - 1 else max(1, int(remaining / (assets - n) * rng.uniform(0.2, 1.8)))
        remaining -= size
        files[f"_next/static/chunks/c{n:04d}.{rng.getrandbits(32):08x}{kinds[n % len(kinds)]}"] = size
    for key, size in files.items():
        path = folder / key
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(rng.randbytes(size))
    return len(files), sum(files.values())


class AccessLog(logging.Handler):
    """Counts the emulator's requests by kind, from werkzeug's access log lines."""

    def __init__(self) -> None:
        super().__init__()
        self.counts: Counter[str] = Counter()

    def emit(self, record: logging.LogRecord) -> None:
        match = _REQUEST.search(record.getMessage())
        if match:
            self.counts[_kind(*match.groups())] += 1


def _kind(method: str, path: str) -> str:
    query = path.partition("?")[2]
    if path.startswith("/2020-05-31/"):
        return f"cloudfront {method}"
    if method == "POST" and path in ("/", ""):
        return "cloudformation/sts POST"
    if method == "GET" and ("list-type=2" in query or (query == "" and path.count("/") <= 1 and "." not in path)):
        return "s3 LIST"
    if method == "PUT" and "partNumber" in query:
        return "s3 PUT (part)"
    if method == "POST" and "uploads" in query or "uploadId" in query:
        return "s3 multipart start/complete"
    return f"s3 {method}"


def run(command: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command[:4])}... failed: {done.stderr[-2000:]}")
    return elapsed


def measure(args, build: Path, scratch: Path):
    import boto3

    from candlefish_ops.aws.base import CallCounter
    from candlefish_ops.config import load_environment
    from candlefish_ops.deploy.executor import SilentHooks
    from candlefish_ops.deploy.plan import plan_deploy
    from candlefish_ops.deploy.service import run_deploy
    from candlefish_ops.local.emulator import Emulator, point_sdk_at
    from candlefish_ops.site.files import read_build
    from candlefish_ops.site.service import SiteService
    from tests.functional.edge.conftest import CONFIG

    config_dir = scratch / "config"
    config_dir.mkdir(exist_ok=True)
    (config_dir / "staging.yaml").write_text(CONFIG.format(templates=ROOT / "templates", edge_region="us-east-1"))
    emulator = Emulator()
    endpoint = emulator.start()
    point_sdk_at(endpoint, "us-east-1")
    log = AccessLog()
    werkzeug = logging.getLogger("werkzeug")
    env = {**os.environ, "AWS_ENDPOINT_URL": endpoint, "AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench",
           "AWS_REGION": "us-east-1", "AWS_DEFAULT_REGION": "us-east-1", "AWS_MAX_ATTEMPTS": "2"}
    candlefish = [str(ROOT / ".venv" / "bin" / "candlefish"), "site", "publish", "staging", str(build), "--yes",
                  "-o", "json", "--config-dir", str(config_dir)]
    results: dict[str, list] = {key: [] for key in ("cf first", "cf no-op", "aws first", "aws no-op")}
    counts: dict[str, Counter] = {}
    calls = Counter()
    try:
        for number in range(args.runs):
            emulator.reset()
            session = boto3.Session(region_name="us-east-1")
            session.client("s3").create_bucket(Bucket="staging-candlefish-logs")
            session.client("s3").create_bucket(Bucket="bench-aws-sync")
            environment = load_environment(config_dir, "staging")
            report = run_deploy(session, environment, plan_deploy(environment), SilentHooks(), assume_yes=True,
                                parallel=4, recreate_failed=False, release_options={"local": True})
            assert not report.failed
            werkzeug.setLevel(logging.INFO)
            werkzeug.addHandler(log)
            for label, command in (("cf first", candlefish), ("cf no-op", candlefish)):
                log.counts.clear()
                results[label].append(run(command, env))
                counts[label] = Counter(log.counts)
            if args.aws:
                sync = [args.aws, "s3", "sync", str(build), "s3://bench-aws-sync/", "--only-show-errors"]
                for label in ("aws first", "aws no-op"):
                    log.counts.clear()
                    results[label].append(run(sync, env))
                    counts[label] = Counter(log.counts)
            werkzeug.removeHandler(log)
            werkzeug.setLevel(logging.WARNING)
            if number == 0:   # candlefish's no-op by operation (botocore event hook), in-process
                service = SiteService(session, environment)
                counter = CallCounter(session)
                plan = service.plan(read_build(build, environment.site))
                service.publish(plan)
                assert plan.empty
                calls = Counter(counter.calls)
            print(f"run {number + 1}: " + ", ".join(f"{k} {v[-1]:.2f} s" for k, v in results.items() if v),
                  file=sys.stderr)
    finally:
        emulator.stop()
    return results, counts, calls


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--aws", default=shutil.which("aws"), help="the AWS CLI to compare with (default: on PATH)")
    args = parser.parse_args()
    scratch = Path(tempfile.mkdtemp(prefix="bench-site-"))
    try:
        build = scratch / "build"
        files, size = generate(build)
        results, counts, calls = measure(args, build, scratch)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    version = subprocess.run([args.aws, "--version"], capture_output=True, text=True).stdout.strip() if args.aws else ""
    print(f"Build: {files:,} files, {size / 1024 / 1024:.0f} MiB. Runs: {args.runs} (median, min, max).")
    print(f"AWS CLI: {version or 'not available (pass --aws)'}\n")
    print("| measure | median | min | max |\n|---|---|---|---|")
    names = {"cf first": "candlefish site publish, first", "cf no-op": "candlefish site publish, no-op",
             "aws first": "aws s3 sync, first", "aws no-op": "aws s3 sync, no-op"}
    for key, values in results.items():
        if values:
            print(f"| {names[key]} | {statistics.median(values):.2f} s | {min(values):.2f} s | {max(values):.2f} s |")
    kinds = sorted({kind for counter in counts.values() for kind in counter})
    print("\nRequests seen by the emulator (last run):\n")
    labels = [key for key in names if key in counts]
    print("| request | " + " | ".join(names[key] for key in labels) + " |")
    print("|---|" + "---|" * len(labels))
    for kind in kinds:
        print(f"| {kind} | " + " | ".join(str(counts[key].get(kind, 0)) for key in labels) + " |")
    print("| all | " + " | ".join(str(sum(counts[key].values())) for key in labels) + " |")
    print(f"\ncandlefish no-op by operation (botocore event hook): {sum(calls.values())} calls\n")
    print("| operation | calls |\n|---|---|")
    for op, n in sorted(calls.items()):
        print(f"| {op} | {n} |")
    print("\n" + json.dumps({"results": results}, default=str), file=sys.stderr)


if __name__ == "__main__":
    main()
