"""No-op redeploy before and after a change: `candlefish deploy ENV --yes` of another git revision and of this
tree, alternately, against one emulator (the current tree's) holding the deployed environment.

The other revision is extracted with `git archive` into a temporary directory and run from there
(PYTHONPATH and working directory), with the same interpreter and packages. Medians over --rounds each.

    python bench/deploy_revisions.py --rev main [--env production] [--rounds 10]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from io import BytesIO
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))


def extract(revision: str, directory: Path) -> None:
    archive = subprocess.run(["git", "archive", revision], cwd=ROOT, capture_output=True, check=True).stdout
    with tarfile.open(fileobj=BytesIO(archive)) as tar:
        tar.extractall(directory, filter="data")


def noop_deploy(tree: Path, env_name: str) -> float:
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "candlefish_ops", "deploy", env_name, "--yes", "--config-dir",
                           str(ROOT / "config"), "-o", "json"], capture_output=True, text=True, cwd=tree,
                          env={**os.environ, "PYTHONPATH": str(tree)})
    elapsed = time.perf_counter() - started
    assert done.returncode == 0, done.stderr[-2000:]
    assert '"result": "unchanged"' in done.stdout and '"result": "updated"' not in done.stdout, done.stdout[-2000:]
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rev", default="main")
    parser.add_argument("--env", default="production")
    parser.add_argument("--rounds", type=int, default=10)
    args = parser.parse_args()

    from deploy_vs_sceptre import candlefish_first_deploy

    from candlefish_ops.config import load_environment
    from candlefish_ops.local.emulator import Emulator, point_sdk_at

    environment = load_environment(ROOT / "config", args.env)
    with tempfile.TemporaryDirectory() as scratch:
        trees = {f"`{args.rev}`": Path(scratch), "this tree": ROOT}
        extract(args.rev, Path(scratch))
        emulator = Emulator()
        endpoint = emulator.start()
        emulator.reset()
        point_sdk_at(endpoint, environment.region)
        candlefish_first_deploy(environment)
        times: dict[str, list[float]] = {name: [] for name in trees}
        for round_ in range(args.rounds):
            for name in (list(trees) if round_ % 2 == 0 else list(reversed(trees))):
                times[name].append(noop_deploy(trees[name], args.env))
        emulator.stop()
    print(f"no-op `candlefish deploy {args.env} --yes` process, {args.rounds} alternating rounds, one emulator\n")
    print("| revision | median | min | max |\n|---|---|---|---|")
    for name, values in times.items():
        print(f"| {name} | {statistics.median(values):.2f} s | {min(values):.2f} s | {max(values):.2f} s |")


if __name__ == "__main__":
    os.environ.setdefault("AWS_MAX_ATTEMPTS", "2")
    main()
