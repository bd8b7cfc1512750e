"""Wall time of everyday commands in local mode, three ways side by side in one run (issue #15):

- up:    `candlefish local up production` keeps an emulator running; commands run with `--local`
- serve: `candlefish local serve --deploy production` in another shell; commands run with AWS_ENDPOINT_URL
- cold:  no emulator running; `--local` starts a fresh one and deploys what the command reads first

Each command is the real CLI in a subprocess (`python -m candlefish_ops ...`), as a user runs it: `waf block-ip`
(a new address each run, so it writes), `dns update --yes`, `report costs`, `status`. Rounds interleave the
modes so machine load hits them alike; medians over RUNS rounds (COLD_RUNS for cold: each deploys). Also timed:
`local up` itself, first (deploy) and after `local down` (journal replay). Writes bench/RESULTS-local.md.
Usage: .venv/bin/python bench/local.py [RUNS] [COLD_RUNS]
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
COMMANDS = {
    "waf block-ip": lambda run: ["waf", "block-ip", "production", f"203.0.113.{run + 10}", "--yes"],
    "dns update": lambda run: ["dns", "update", "production", "--yes"],
    # --refresh: both modes ask Cost Explorer (under --local the answer cache is off; under serve a round would hit it)
    "report costs": lambda run: ["report", "costs", "production", "--refresh"],
    "status": lambda run: ["status", "production"],
}


def base_env(state: Path) -> dict[str, str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("AWS_") and k != "COLUMNS"}
    return {**clean, "CANDLEFISH_STATE_DIR": str(state), "CANDLEFISH_CONFIG_DIR": str(ROOT / "config")}


def timed(args: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    result = subprocess.run([sys.executable, "-m", "candlefish_ops", *args], env=env, cwd=ROOT,
                            capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(args)} failed: {result.stderr.strip()[-400:]}")
    return elapsed


def start_serve(env: dict[str, str]) -> tuple[subprocess.Popen, str]:
    process = subprocess.Popen([sys.executable, "-m", "candlefish_ops", "local", "serve", "--port", "0",
                                "--deploy", "production"], env=env, cwd=ROOT, stdout=subprocess.PIPE,
                               stderr=subprocess.DEVNULL, text=True)
    line = process.stdout.readline()
    if "listening on" not in line:
        raise SystemExit(f"local serve did not start: {line!r}")
    return process, line.rsplit(" ", 1)[1].strip()


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    cold_runs = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    work = Path(tempfile.mkdtemp(prefix="candlefish-bench-local-"))
    up_env, cold_env = base_env(work / "up-state"), base_env(work / "cold-state")
    up_first = timed(["local", "up", "production"], up_env)
    timed(["local", "down"], up_env)
    up_restore = timed(["local", "up"], up_env)
    serve, endpoint = start_serve(base_env(work / "serve-state"))
    serve_env = {**base_env(work / "serve-state"), "AWS_ENDPOINT_URL": endpoint, "AWS_ACCESS_KEY_ID": "local",
                 "AWS_SECRET_ACCESS_KEY": "local", "AWS_REGION": "us-east-1"}
    times: dict[str, dict[str, list[float]]] = {name: {"up": [], "serve": [], "cold": []} for name in COMMANDS}
    try:
        for run in range(max(runs, cold_runs)):
            for name, command in COMMANDS.items():
                if run < runs:
                    times[name]["up"].append(timed([*command(run), "--local"], up_env))
                    times[name]["serve"].append(timed(command(run + 100), serve_env))
                if run < cold_runs:
                    times[name]["cold"].append(timed([*command(run + 200), "--local"], cold_env))
            print(f"round {run + 1} done", file=sys.stderr)
    finally:
        serve.terminate()
        serve.wait()
        subprocess.run([sys.executable, "-m", "candlefish_ops", "local", "down"], env=up_env, cwd=ROOT,
                       capture_output=True)
    report(times, runs, cold_runs, up_first, up_restore)


def report(times, runs: int, cold_runs: int, up_first: float, up_restore: float) -> None:
    medians = {name: {mode: statistics.median(values) for mode, values in modes.items()}
               for name, modes in times.items()}
    lines = ["| command | `local up` + `--local` | `local serve` + AWS_ENDPOINT_URL | up / serve | cold `--local` |",
             "|---|---|---|---|---|"]
    for name, m in medians.items():
        lines.append(f"| `{name}` | {m['up']:.2f} s | {m['serve']:.2f} s | {m['up'] / m['serve']:.2f} | {m['cold']:.1f} s |")
    table = "\n".join(lines)
    print(table)
    print(json.dumps({"medians": medians, "local_up_first": up_first, "local_up_restore": up_restore}, indent=1))
    (ROOT / "bench" / "RESULTS-local.md").write_text(f"""# Local mode: `local up` vs `local serve` vs cold `--local`

`bench/local.py` ({time.strftime('%Y-%m-%d')}, this 2-core machine shared with other work; every command the real
CLI in a subprocess, production config; modes interleaved per round; medians of {runs} rounds, cold of {cold_runs}).

{table}

`local up production` itself: {up_first:.1f} s the first time (deploys production, seeds emulated data), {up_restore:.1f} s
after `local down` (replays the saved request journal: same resources, same ids; nothing deployed).

Target (issue #15): `local up` and `local serve` within 20 % of each other: the "up / serve" column.
Cold `--local` still deploys what the command reads into a fresh emulator first (that is the time it takes).
""", encoding="utf-8")


if __name__ == "__main__":
    main()
