"""Probe overhead: `candlefish probe`'s own latency against a trivial local server (aiohttp, another
process), so its percentiles can be trusted against the targets it checks (p50 50 ms, p99 100 ms,
WebSocket 30 ms). Medians of --runs for each user count.

    python bench/probe.py [--users 50,200,1000] [--duration 10] [--runs 3] [--think 1]

With think time (the seed's scenario) the load is what the users ask for; with --think 0 every user goes
flat out and the latencies measure this machine's saturation, not the probe.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SERVER = """
import sys
from aiohttp import web
async def static(request):
    return web.Response(body=b"body{}", content_type="text/css", headers={"X-Cache": "Hit from cloudfront"})
async def api(request):
    return web.json_response({"status": "ok"})
async def socket(request):
    ws = web.WebSocketResponse(autoping=True)
    await ws.prepare(request)
    async for _ in ws:
        pass
    return ws
app = web.Application()
app.add_routes([web.get("/static/css/main.css", static), web.get("/api/health", api), web.get("/ws", socket)])
web.run_app(app, host="127.0.0.1", port=int(sys.argv[1]), print=None, backlog=4096)
"""


def probe_once(port: int, users: int, duration: float, think: float) -> dict:
    from candlefish_ops.probe.config import ProbeConfig
    from candlefish_ops.reports.config import Targets
    from candlefish_ops.probe import plan
    from candlefish_ops.probe.runner import Probe

    built = plan.build(ProbeConfig(), Targets(), url=f"http://127.0.0.1:{port}", users=users,
                       duration=f"{duration}s", ramp=f"{min(2.0, duration / 4)}s", target_overrides=[],
                       think=f"{think}s")
    probe = Probe(built)
    summary = asyncio.run(probe.run())
    summary["rps"] = sum(s["requests"] for s in summary.values() if isinstance(s, dict)) / probe.elapsed
    return summary


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", default="50,200,1000")
    parser.add_argument("--duration", type=float, default=10)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--port", type=int, default=18931)
    parser.add_argument("--think", type=float, default=1.0, help="a user's pause between iterations (k6's sleep(1))")
    args = parser.parse_args()
    server = subprocess.Popen([sys.executable, "-c", SERVER, str(args.port)])
    time.sleep(1.5)
    try:
        print("| users | requests/s | static p50 / p99 | api p50 / p99 | ws p50 / p99 | errors |")
        print("|---|---|---|---|---|---|")
        for users in (int(u) for u in args.users.split(",")):
            runs = [probe_once(args.port, users, args.duration, args.think) for _ in range(args.runs)]

            def med(kind: str, key: str) -> float:
                return statistics.median(r[kind][key] for r in runs)

            errors = sum(r[k]["errors"] for r in runs for k in ("static", "api", "websocket"))
            print(f"| {users} | {statistics.median(r['rps'] for r in runs):,.0f} | "
                  + " | ".join(f"{med(k, 'p50_ms'):.2f} / {med(k, 'p99_ms'):.2f} ms" for k in ("static", "api", "websocket"))
                  + f" | {errors} |")
    finally:
        server.terminate()
        server.wait(10)


if __name__ == "__main__":
    main()
