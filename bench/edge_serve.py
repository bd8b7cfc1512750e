"""`candlefish edge serve` benchmark: requests per second and p50/p99 latency for a cache hit and for a miss
through all four functions of the default behaviour.

    python bench/edge_serve.py [--seconds 5] [--concurrency 1 8]

The small edge environment (the real storage and edge templates, other inputs literal) is deployed into
an embedded emulator; the real CLI (`candlefish edge serve staging --origin app=...`) runs as a subprocess
against it; the app origin is a trivial local HTTP server (its own time is included in a miss). Clients
are threads with persistent HTTP/1.1 connections. A hit requests one path again and again; a miss asks a
new path each time (viewer-request, cache lookup, origin-request, origin, origin-response, store,
viewer-response). Latencies are measured per request at the client.
"""

from __future__ import annotations

import argparse
import http.client
import itertools
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "functional" / "edge"))

BROWSER = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36"
PAGE = b"<!doctype html><title>bench</title>" + b"x" * 2000


class Origin(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    wbufsize = -1
    disable_nagle_algorithm = True

    def do_GET(self) -> None:  # noqa: N802
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Cache-Control", "public, max-age=300")
        self.send_header("Content-Length", str(len(PAGE)))
        self.end_headers()
        self.wfile.write(PAGE)

    def log_message(self, *args) -> None:
        pass


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def load(port: int, paths, seconds: float, concurrency: int) -> tuple[list[float], int]:
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def client() -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        mine = []
        while time.monotonic() < deadline:
            path = next(paths)
            started = time.perf_counter()
            connection.request("GET", path, headers={"User-Agent": BROWSER, "Accept-Encoding": "gzip"})
            reply = connection.getresponse()
            reply.read()
            mine.append((time.perf_counter() - started) * 1000)
            if reply.status != 200:
                with lock:
                    errors[0] += 1
        connection.close()
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=client) for _ in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return latencies, errors[0]


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 8])
    args = parser.parse_args()

    import boto3
    from conftest import CONFIG
    from typer.testing import CliRunner

    from candlefish_ops.cli import app
    from candlefish_ops.local.emulator import Emulator, point_sdk_at

    scratch = Path(tempfile.mkdtemp())
    (scratch / "config").mkdir()
    (scratch / "config" / "staging.yaml").write_text(CONFIG.format(templates=ROOT / "templates", edge_region="us-east-1"))
    emulator = Emulator()
    endpoint = emulator.start()
    point_sdk_at(endpoint, "us-east-1")
    boto3.client("s3", region_name="us-east-1").create_bucket(Bucket="staging-candlefish-logs")
    deployed = CliRunner().invoke(app, ["--config-dir", str(scratch / "config"), "deploy", "staging", "--yes"])
    assert deployed.exit_code == 0, deployed.output

    origin = ThreadingHTTPServer(("127.0.0.1", 0), Origin)
    origin.daemon_threads = True
    threading.Thread(target=origin.serve_forever, daemon=True).start()
    port = free_port()
    command = [sys.executable, "-m", "candlefish_ops", "--config-dir", str(scratch / "config"), "edge", "serve",
               "staging", "--port", str(port), "--origin", f"app=http://127.0.0.1:{origin.server_address[1]}"]
    server = subprocess.Popen(command, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, env=dict(os.environ))
    for line in server.stderr:
        if b"edge serving on" in line:
            break
    threading.Thread(target=lambda: [None for _ in server.stderr], daemon=True).start()  # drain the log

    counter = itertools.count()
    scenarios = {
        "cache hit (viewer-request + viewer-response, no origin)": lambda: itertools.repeat("/pricing"),
        "miss through all four functions + origin": lambda: (f"/page/{next(counter)}" for _ in itertools.count()),
    }
    load(port, itertools.repeat("/pricing"), 1.0, 2)               # warm every worker, fill the hit
    load(port, (f"/warm/{i}" for i in itertools.count()), 1.0, 8)
    print(f"edge serve, {args.seconds:g} s per run, 2-core machine shared with other jobs\n")
    print("| scenario | clients | requests | req/s | p50 | p99 | errors |\n|---|---|---|---|---|---|---|")
    try:
        for label, paths in scenarios.items():
            for concurrency in args.concurrency:
                latencies, errors = load(port, paths(), args.seconds, concurrency)
                print(f"| {label} | {concurrency} | {len(latencies)} | {len(latencies) / args.seconds:,.0f} | "
                      f"{statistics.median(latencies):.1f} ms | {percentile(latencies, 0.99):.1f} ms | {errors} |",
                      flush=True)
    finally:
        server.terminate()
        server.wait(timeout=20)
        origin.shutdown()
        emulator.stop()
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
