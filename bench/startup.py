"""Start-up time: `candlefish --help` and every `candlefish <area> --help`, side by side with
`sceptre --help` (the reference CLI of the field), in one run, medians.

sceptre is installed into bench/.venv-sceptre on first use (its dependencies would clash with ours).

    python bench/startup.py [--runs 21]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCEPTRE_VENV = ROOT / "bench" / ".venv-sceptre"
AREAS = ["deploy", "status", "cdn", "dns", "waf", "report", "local", "edge", "site", "probe", "preflight"]


def sceptre_command() -> list[str]:
    binary = SCEPTRE_VENV / "bin" / "sceptre"
    if not binary.exists():
        subprocess.run([sys.executable, "-m", "venv", str(SCEPTRE_VENV)], check=True)
        subprocess.run([str(SCEPTRE_VENV / "bin" / "pip"), "install", "-q", "sceptre"], check=True)
    return [str(binary), "--help"]


def candlefish_command(*args: str) -> list[str]:
    binary = Path(sys.executable).with_name("candlefish")
    base = [str(binary)] if binary.exists() else [sys.executable, "-m", "candlefish_ops"]
    return [*base, *args, "--help"]


def median_ms(command: list[str], runs: int) -> float:
    subprocess.run(command, capture_output=True, check=True, cwd=ROOT)  # warm the file cache
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(command, capture_output=True, check=True, cwd=ROOT)
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=21)
    args = parser.parse_args()
    commands = {"sceptre --help": sceptre_command(), "candlefish --help": candlefish_command()}
    commands.update({f"candlefish {area} --help": candlefish_command(area) for area in AREAS})
    results: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(3):  # interleave rounds so machine load affects every command alike
        for name, command in commands.items():
            results[name].append(median_ms(command, max(1, args.runs // 3)))
    reference = statistics.median(results["sceptre --help"])
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cores, median of {args.runs} runs each\n")
    print("| command | median | x sceptre |\n|---|---|---|")
    for name, values in results.items():
        value = statistics.median(values)
        print(f"| `{name}` | {value:.0f} ms | {value / reference:.2f} |")


if __name__ == "__main__":
    main()
