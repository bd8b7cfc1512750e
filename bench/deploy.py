"""Deploy benchmark against the embedded emulator: first deploy and no-op redeploy of an environment.

Measures (median of --runs, each on a fresh emulator):
- the engine in-process: wall time and AWS API calls per stack (by operation);
- the real CLI as a subprocess (`candlefish deploy ENV --yes`) against the same emulator: wall time of
  the no-op redeploy, which is what an operator waits for.

    python bench/deploy.py [--env production] [--runs 5] [--compare-unserialised]

`--compare-unserialised` interleaves each run with one whose emulator lets requests into moto concurrently
(as moto's own server does), to price the emulator's one-request-at-a-time lock side by side.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from collections import Counter, defaultdict
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def count_calls_by_stack(session, stack_names):
    """API calls per stack (by StackName, or by the change set a stack's CreateChangeSet returned)."""
    per_stack: dict[str, Counter] = defaultdict(Counter)
    change_sets: dict[str, str] = {}

    def count(model, params, context, **_):
        owner = params.get("StackName") or change_sets.get(params.get("ChangeSetName", ""), "(other)")
        owner = owner if owner in stack_names else change_sets.get(owner, owner)
        context["candlefish_stack"] = owner
        per_stack[owner][model.name] += 1

    def remember(parsed, context, **_):
        if "Id" in parsed:
            change_sets[parsed["Id"]] = context.get("candlefish_stack", "(other)")

    session.events.register("before-parameter-build.cloudformation", count)
    session.events.register("after-call.cloudformation.CreateChangeSet", remember)
    return per_stack


def engine_run(environment, endpoint):
    import boto3

    from candlefish_ops.deploy.executor import SilentHooks
    from candlefish_ops.deploy.plan import plan_deploy
    from candlefish_ops.deploy.service import run_deploy

    session = boto3.Session(region_name=environment.region)
    names = sorted({s.stack_name for s in environment.stacks.values()}, key=len, reverse=True)
    per_stack = count_calls_by_stack(session, names)
    started = time.perf_counter()
    report = run_deploy(session, environment, plan_deploy(environment), SilentHooks(), assume_yes=True,
                        parallel=4, recreate_failed=False)
    elapsed = time.perf_counter() - started
    assert not report.failed, [r.to_dict() for r in report.results if not r.ok]
    return elapsed, per_stack, report


def check_first(report) -> None:
    assert {r.result for r in report.results} == {"created"}, "first deploy did not create every stack"


def cli_run(env_name, config_dir):
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "candlefish_ops", "deploy", env_name, "--yes",
                           "--config-dir", str(config_dir), "-o", "json"],
                          capture_output=True, text=True, cwd=ROOT)
    elapsed = time.perf_counter() - started
    assert done.returncode == 0, done.stderr
    return elapsed


@contextmanager
def _unserialised():
    """The emulator's request lock bypassed: requests reach moto concurrently, as in moto's own server."""
    from candlefish_ops.local.emulator import OneRequestAtATime

    serialised = OneRequestAtATime.__call__
    OneRequestAtATime.__call__ = lambda self, environ, start_response: self._app(environ, start_response)
    try:
        yield
    finally:
        OneRequestAtATime.__call__ = serialised


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--env", default="production")
    parser.add_argument("--config-dir", default=str(ROOT / "config"))
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--compare-unserialised", action="store_true")
    args = parser.parse_args()

    from candlefish_ops.config import load_environment
    from candlefish_ops.local.emulator import Emulator, point_sdk_at

    environment = load_environment(Path(args.config_dir), args.env)
    first, noop, cli_noop = [], [], []
    unlocked_first, unlocked_noop = [], []
    calls_first = calls_noop = None
    for _ in range(args.runs):
        emulator = Emulator()
        endpoint = emulator.start()
        emulator.reset()  # moto's state lives in this process, beyond one server's life
        point_sdk_at(endpoint, environment.region)
        elapsed, calls_first, report = engine_run(environment, endpoint)
        check_first(report)
        first.append(elapsed)
        elapsed, calls_noop, report = engine_run(environment, endpoint)
        assert {r.result for r in report.results} == {"unchanged"}, "redeploy was not a no-op"
        noop.append(elapsed)
        cli_noop.append(cli_run(args.env, args.config_dir))
        if args.compare_unserialised:
            with _unserialised():
                for _order in range(2):  # twice, so neither variant always runs on the fresher emulator
                    emulator.reset()
                    unlocked_first.append(engine_run(environment, endpoint)[0])
                    unlocked_noop.append(engine_run(environment, endpoint)[0])
            emulator.reset()
            first.append(engine_run(environment, endpoint)[0])
            noop.append(engine_run(environment, endpoint)[0])
        emulator.stop()

    print(f"environment {args.env}: {sum(len(s.regions) for s in environment.stacks.values())} stacks "
          f"(stack x region), {args.runs} runs on fresh emulators\n")
    print("| measure | median | min | max |\n|---|---|---|---|")
    rows = [("first deploy (engine)", first), ("no-op redeploy (engine)", noop),
            ("no-op redeploy (`candlefish deploy` process)", cli_noop)]
    if args.compare_unserialised:
        rows += [("first deploy (engine), moto unserialised", unlocked_first),
                 ("no-op redeploy (engine), moto unserialised", unlocked_noop)]
    for label, values in rows:
        print(f"| {label} | {statistics.median(values):.2f} s | {min(values):.2f} s | {max(values):.2f} s |")
    for label, calls in (("first deploy", calls_first), ("no-op redeploy", calls_noop)):
        print(f"\nAPI calls per stack, {label} (all regions of a stack together):\n")
        print("| stack | calls | by operation |\n|---|---|---|")
        for stack, ops in sorted(calls.items()):
            print(f"| {stack} | {sum(ops.values())} | {', '.join(f'{k} {v}' for k, v in sorted(ops.items()))} |")
    executions = sum(ops.get("ExecuteChangeSet", 0) for ops in calls_noop.values())
    print(f"\nchange-set executions in the no-op redeploy: {executions}")


if __name__ == "__main__":
    os.environ.setdefault("AWS_MAX_ATTEMPTS", "2")
    main()
