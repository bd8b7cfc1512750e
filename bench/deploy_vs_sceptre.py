"""No-op redeploy side by side: `candlefish deploy ENV --yes` against `sceptre launch -y ENV` on the same stacks.

One run per fresh emulator: candlefish deploys the environment once, then a sceptre project is written for
the very same stacks (same names and regions, the same template files, every parameter value and tag as the
deployed stacks hold them, the capabilities candlefish acknowledges), and the no-op redeploy is timed
in turn with each tool (--rounds times per emulator, rotating which goes first). Medians over all.
candlefish is timed twice per round: as a repeated no-op (its verified revisions in place: no GetTemplate)
and as the first no-op after a deploy (deploy/verified.py's records removed first: GetTemplate per stack).

AWS answers an UpdateStack that changes nothing with "No updates are to be performed." (which sceptre
takes as success); moto 5.2.5 performs such an update instead (shared/reference/moto-5.2.5.md). For this
benchmark only, the emulator is patched to answer as AWS does when the template text, every parameter (as
DescribeStacks shows it) and the tags equal the stack's (a leading "---" document marker, which sceptre
adds to a YAML body, is ignored).

Every CloudFormation request the emulator serves is counted per tool, so the table shows calls per stack too.
sceptre 4.7.0 is installed into bench/.venv-sceptre on first use (its dependencies would clash with ours).

    python bench/deploy_vs_sceptre.py [--env production] [--runs 3] [--rounds 3]
"""

from __future__ import annotations

import argparse
import io
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path
from urllib.parse import parse_qs

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
SCEPTRE_VENV = ROOT / "bench" / ".venv-sceptre"
SCEPTRE_VERSION = "4.7.0"


def compile_candlefish() -> None:
    """Bytecode for candlefish_ops, as `pip install` compiles it for an installed package (sceptre's is, in
    its venv). This checkout is an editable install, and a machine that sets PYTHONDONTWRITEBYTECODE (this one
    does) would otherwise compile every module from source in every timed process, ~50 ms."""
    import compileall

    assert compileall.compile_dir(str(ROOT / "candlefish_ops"), quiet=1), "candlefish_ops does not compile"


def sceptre_binary() -> Path:
    binary = SCEPTRE_VENV / "bin" / "sceptre"
    if not binary.exists():
        subprocess.run([sys.executable, "-m", "venv", str(SCEPTRE_VENV)], check=True)
        subprocess.run([str(SCEPTRE_VENV / "bin" / "pip"), "install", "-q", f"sceptre=={SCEPTRE_VERSION}"], check=True)
    return binary


# -- the emulator: "no updates" as AWS answers it, and a count of CloudFormation requests --------------


def _document(body: str) -> str:
    """sceptre prefixes "---" to a YAML body that has none; the same document either way."""
    return body[4:] if body.startswith("---\n") else body


def answer_no_updates_like_aws() -> None:
    from moto.cloudformation.exceptions import ValidationError
    from moto.cloudformation.models import CloudFormationBackend

    original = CloudFormationBackend.update_stack

    def update_stack(self, name, template, role_arn, parameters, tags):
        stack = self.get_stack(name)
        deployed = {p["ParameterKey"]: p["ParameterValue"] for p in stack.parameter_list}
        deployed = {key: str(value) for key, value in deployed.items()}  # moto keeps Number values as numbers
        sent = {p["ParameterKey"]: p.get("ParameterValue") for p in parameters}
        same_tags = dict(tags or {}) == dict(stack.tags or {})
        if _document(template) == _document(stack.template) and sent == deployed and same_tags:
            raise ValidationError(message="No updates are to be performed.")
        return original(self, name, template, role_arn, parameters, tags)

    CloudFormationBackend.update_stack = update_stack


class RequestCounter:
    """Counts the CloudFormation operations the emulator serves (query protocol: Action in the body)."""

    def __init__(self) -> None:
        self.calls: Counter = Counter()
        self._lock = threading.Lock()

    def install(self) -> None:
        from candlefish_ops.local.emulator import OneRequestAtATime

        serve, counter = OneRequestAtATime.__call__, self

        def counting(self, environ, start_response):
            counter.record(environ)
            return serve(self, environ, start_response)

        OneRequestAtATime.__call__ = counting

    def record(self, environ) -> None:
        target = environ.get("HTTP_X_AMZ_TARGET", "")
        if target:
            operation = target.rpartition(".")[2] if "CloudFormation" in target else ""
        else:
            length = int(environ.get("CONTENT_LENGTH") or 0)
            body = environ["wsgi.input"].read(length) if length else b""
            environ["wsgi.input"] = io.BytesIO(body)
            form = parse_qs(body.decode("utf-8", "replace"))
            operation = form.get("Action", [""])[0] if "cloudformation" in environ.get("HTTP_AUTHORIZATION", "") else ""
        if operation:
            with self._lock:
                self.calls[operation] += 1

    def take(self) -> Counter:
        with self._lock:
            calls, self.calls = self.calls, Counter()
        return calls


# -- the two tools ---------------------------------------------------------------------------------------


def candlefish_first_deploy(environment) -> None:
    import boto3

    from candlefish_ops.deploy.executor import SilentHooks
    from candlefish_ops.deploy.plan import plan_deploy
    from candlefish_ops.deploy.service import run_deploy

    report = run_deploy(boto3.Session(region_name=environment.region), environment, plan_deploy(environment),
                        SilentHooks(), assume_yes=True, parallel=4, recreate_failed=False)
    assert {r.result for r in report.results} == {"created"}, [r.to_dict() for r in report.results if not r.ok]


def candlefish_parts(environment) -> dict[str, float]:
    """In-process, warm: the parts of a no-op redeploy as `candlefish deploy` runs them (the survey of every
    stack, the preflight of the stacks that may change, the run), each timed."""
    import boto3

    from candlefish_ops.deploy.executor import SilentHooks
    from candlefish_ops.deploy.plan import plan_deploy
    from candlefish_ops.deploy.service import run_deploy, survey_deploy
    from candlefish_ops.preflight.service import run_preflight

    from candlefish_ops.dns.delegation import default_resolver

    plan = plan_deploy(environment)
    session = boto3.Session(region_name=environment.region)
    options = {"release_options": {"local": True}}
    started = time.perf_counter()
    survey = survey_deploy(session, environment, plan, **options)
    surveyed = time.perf_counter()
    run_preflight(session, environment, survey.changed(plan),
                  resolver=default_resolver(True, os.environ["AWS_ENDPOINT_URL"]))
    preflighted = time.perf_counter()
    report = run_deploy(session, environment, plan, SilentHooks(), assume_yes=True, parallel=4, recreate_failed=False,
                        survey=survey, **options)
    finished = time.perf_counter()
    assert {r.result for r in report.results} == {"unchanged"}, [r.to_dict() for r in report.results]
    return {"survey": surveyed - started, "preflight": preflighted - surveyed, "engine": finished - preflighted}


def forget_verified_revisions() -> None:
    """The first no-op after a deploy: no stack's template has been verified at its revision yet."""
    from candlefish_ops.user_cache import cache_dir

    shutil.rmtree(cache_dir() / "deploy" / "verified", ignore_errors=True)


def candlefish_noop(env_name: str, config_dir: Path) -> float:
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "candlefish_ops", "deploy", env_name, "--yes",
                           "--config-dir", str(config_dir), "-o", "json"], capture_output=True, text=True, cwd=ROOT)
    elapsed = time.perf_counter() - started
    assert done.returncode == 0, done.stderr
    assert '"result": "unchanged"' in done.stdout and '"result": "updated"' not in done.stdout, done.stdout
    return elapsed


def candlefish_status(env_name: str, config_dir: Path) -> float:
    """A reference, not a deploy: `candlefish status ENV` starts the same way and reads each stack once
    (DescribeStacks), so it is about the least any candlefish command reading these stacks can take."""
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "candlefish_ops", "status", env_name, "--config-dir", str(config_dir),
                           "-o", "json"], capture_output=True, text=True, cwd=ROOT)
    elapsed = time.perf_counter() - started
    assert done.returncode == 0, done.stderr
    return elapsed


def candlefish_imports() -> float:
    """A reference: the interpreter starting and importing what `candlefish deploy` needs, doing nothing."""
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", "import candlefish_ops.cli, candlefish_ops.cli.deploy, boto3, "
                    "candlefish_ops.deploy.executor, candlefish_ops.deploy.render"], check=True, cwd=ROOT)
    return time.perf_counter() - started


def sceptre_noop(project: Path, env_name: str) -> float:
    started = time.perf_counter()
    done = subprocess.run([str(sceptre_binary()), "--dir", str(project), "launch", "-y", env_name],
                          capture_output=True, text=True, cwd=project)
    elapsed = time.perf_counter() - started
    assert done.returncode == 0, done.stdout + done.stderr
    assert "No updates to perform" in done.stdout + done.stderr, done.stdout + done.stderr
    return elapsed


def write_sceptre_project(environment, directory: Path) -> int:
    """A sceptre project for the deployed stacks: one stack config per stack and region, with the values the
    stacks hold (so sceptre sends exactly what is deployed). Returns the number of stacks."""
    import boto3
    import yaml

    from candlefish_ops.deploy.plan import plan_deploy

    shutil.rmtree(directory, ignore_errors=True)
    (directory / "config" / environment.name).mkdir(parents=True)
    (directory / "templates").mkdir()
    (directory / "config" / "config.yaml").write_text(yaml.safe_dump(
        {"project_code": environment.project, "region": environment.region}))
    targets = plan_deploy(environment).targets
    for target in targets:
        shutil.copyfile(target.template.path, directory / "templates" / target.template.path.name)
        stack = boto3.client("cloudformation", region_name=target.region).describe_stacks(
            StackName=target.stack_name)["Stacks"][0]
        config = {"template": {"type": "file", "path": target.template.path.name},
                  "stack_name": target.stack_name, "region": target.region,
                  "parameters": {p["ParameterKey"]: p["ParameterValue"] for p in stack.get("Parameters", [])},
                  "stack_tags": {t["Key"]: t["Value"] for t in stack.get("Tags", [])}}
        (directory / "config" / environment.name / f"{target.key}-{target.region}.yaml").write_text(
            yaml.safe_dump(config, sort_keys=False))
    return len(targets)


# -- the run ---------------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--env", default="production")
    parser.add_argument("--config-dir", default=str(ROOT / "config"))
    parser.add_argument("--runs", type=int, default=3, help="fresh emulators")
    parser.add_argument("--rounds", type=int, default=3, help="alternating no-op redeploys per emulator")
    args = parser.parse_args()

    from candlefish_ops.config import load_environment
    from candlefish_ops.local.emulator import Emulator, point_sdk_at

    sceptre_binary()
    compile_candlefish()
    answer_no_updates_like_aws()
    counter = RequestCounter()
    counter.install()
    config_dir = Path(args.config_dir)
    environment = load_environment(config_dir, args.env)
    tools = ("candlefish", "candlefish-first", "sceptre", "candlefish-status", "candlefish-imports")
    times: dict[str, list[float]] = {name: [] for name in (*tools, "survey", "preflight", "engine")}
    calls: dict[str, Counter] = {tool: Counter() for tool in tools}
    with tempfile.TemporaryDirectory() as scratch:
        project = Path(scratch) / "sceptre"
        for run in range(args.runs):
            emulator = Emulator()
            endpoint = emulator.start()
            emulator.reset()
            point_sdk_at(endpoint, environment.region)
            candlefish_first_deploy(environment)
            stacks = write_sceptre_project(environment, project)
            counter.take()
            for round_ in range(args.rounds):
                shift = (run + round_) % len(tools)
                for tool in tools[shift:] + tools[:shift]:
                    if tool == "candlefish-first":
                        forget_verified_revisions()
                    seconds = (sceptre_noop(project, args.env) if tool == "sceptre"
                               else candlefish_status(args.env, config_dir) if tool == "candlefish-status"
                               else candlefish_imports() if tool == "candlefish-imports"
                               else candlefish_noop(args.env, config_dir))
                    times[tool].append(seconds)
                    calls[tool] += counter.take()
                for part, seconds in candlefish_parts(environment).items():
                    times[part].append(seconds)
                counter.take()
            emulator.stop()
    report(args, stacks, times, calls)


def report(args, stacks: int, times: dict[str, list[float]], calls: dict[str, Counter]) -> None:
    redeploys = args.runs * args.rounds
    reference = statistics.median(times["sceptre"])
    print(f"environment {args.env}: {stacks} stacks (stack x region); {args.runs} fresh emulators x {args.rounds} "
          f"alternating no-op redeploys per tool; sceptre {SCEPTRE_VERSION}\n")
    print("| no-op redeploy (whole process) | median | min | max | x sceptre | CloudFormation calls per stack |")
    print("|---|---|---|---|---|---|")
    commands = {"candlefish": f"candlefish deploy {args.env} --yes` (repeated no-op",
                "candlefish-first": f"candlefish deploy {args.env} --yes` (first no-op after a deploy: no "
                                    "verified revision",
                "sceptre": f"sceptre launch -y {args.env}`",
                "candlefish-status": f"candlefish status {args.env}` (reference: reads each stack once, deploys "
                                     "nothing",
                "candlefish-imports": "python -c 'import candlefish_ops.cli, boto3, ...'` (reference: start-up "
                                      "and the deploy's imports, no call"}
    for tool, command in commands.items():
        values = times[tool]
        per_stack = sum(calls[tool].values()) / redeploys / stacks
        ops = ", ".join(f"{op} {n / redeploys / stacks:.2g}" for op, n in sorted(calls[tool].items()))
        print(f"| `{command}{')' if tool != 'sceptre' else ''} | {statistics.median(values):.2f} s | {min(values):.2f} s | {max(values):.2f} s | "
              f"{statistics.median(values) / reference:.2f} | {per_stack:.2g} ({ops}) |")
    print("\nInside the candlefish process (in-process, warm, same rounds):\n")
    print("| part | median | min | max | x sceptre |\n|---|---|---|---|---|")
    for part, label in (("survey", "survey (`survey_deploy`: the no-op check of every stack, read only)"),
                        ("preflight", "preflight checks of the stacks that may change (`run_preflight`)"),
                        ("engine", "deploy run (`run_deploy`: the surveyed stacks are not read again)")):
        values = times[part]
        print(f"| {label} | {statistics.median(values):.2f} s | {min(values):.2f} s | {max(values):.2f} s | "
              f"{statistics.median(values) / reference:.2f} |")


if __name__ == "__main__":
    os.environ.setdefault("AWS_MAX_ATTEMPTS", "2")
    main()
