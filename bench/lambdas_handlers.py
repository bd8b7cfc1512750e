"""Per-event cost and cold-start import time of the five Lambda@Edge handlers.

Usage:  /work/venv/bin/python bench/lambdas_handlers.py [--rounds 15] [--events 2000] [--starts 20]

* µs per event: realistic events (the CloudFront fixtures in tests/unit/lambdas/fixtures), a fresh
  ``json.loads`` copy per call as the Lambda runtime would hand over (the parsing is not timed);
  every call is timed on its own (wall and thread CPU clocks), the table reports the median over
  ``--rounds`` x ``--events`` calls minus the median cost of timing a no-op handler. A reference-style
  viewer-request handler (three case-insensitive regexes, the shape the issue measured at 14 µs on
  its machine) runs side by side so the numbers can be compared across machines.
* Import time: every function is laid out as its deployment bundle (handler.py + edge_common.py +
  edge_config.json, see lambdas/README.md) in a temp dir, then imported in a fresh interpreter
  ``--starts`` times: the in-process time of ``import handler`` and the start of
  ``python -c "import handler"`` minus a bare ``python -c "pass"`` (interleaved), medians.
* Two clocks everywhere: wall time, and CPU time (thread CPU time for the per-event loop, the
  children's rusage for the interpreter starts). On a shared machine wall time includes waiting for a
  CPU; CPU time is the cost the function itself incurs.
"""

import argparse
import importlib.util
import json
import os
import pathlib
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

BENCH = pathlib.Path(__file__).resolve().parent
ROOT = BENCH.parent
LAMBDAS = ROOT / "lambdas"
FIXTURES = ROOT / "tests" / "unit" / "lambdas" / "fixtures"
NAMES = ("viewer_request", "viewer_response", "origin_request", "origin_response", "image_optimizer")


def load_handler(name):
    spec = importlib.util.spec_from_file_location(f"bench_{name}", LAMBDAS / name / "handler.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def fixture(name, **changes):
    data = json.loads((FIXTURES / f"{name}.json").read_text())
    cf = data["Records"][0]["cf"]
    for key, value in changes.items():
        if key == "status":
            cf["response"]["status"] = value
        else:
            cf["request"][key] = value
    return json.dumps(data)


def scenarios():
    """(label, handler name, event JSON) for realistic events of every trigger."""
    mobile = json.loads(fixture("viewer_request"))
    headers = mobile["Records"][0]["cf"]["request"]["headers"]
    headers["user-agent"][0]["value"] = ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 "
                                         "(KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1")
    del headers["cookie"]
    stored = json.loads(fixture("image_origin_response", status="200"))
    preflight = json.loads(fixture("viewer_request", method="OPTIONS", uri="/account/settings"))
    headers = preflight["Records"][0]["cf"]["request"]["headers"]
    headers["origin"] = [{"key": "Origin", "value": "https://app.candlefish.ai"}]
    headers["access-control-request-method"] = [{"key": "Access-Control-Request-Method", "value": "PUT"}]
    headers["access-control-request-headers"] = [{"key": "Access-Control-Request-Headers",
                                                  "value": "authorization,content-type"}]
    return [
        ("viewer_request: desktop, A/B cookie", "viewer_request", fixture("viewer_request")),
        ("viewer_request: iPhone, no cookie (hash)", "viewer_request", json.dumps(mobile)),
        ("viewer_request: image, Accept negotiation", "viewer_request", fixture("viewer_request", uri="/images/a.jpg")),
        ("viewer_request: CORS preflight (OPTIONS, allowed)", "viewer_request", json.dumps(preflight)),
        ("viewer_response: HTML, CORS, Server-Timing", "viewer_response", fixture("viewer_response")),
        ("origin_request: page, tracking params", "origin_request",
         fixture("origin_request", uri="/docs/getting-started/", querystring="utm_source=x&page=2")),
        ("origin_request: image variant key", "origin_request", fixture("origin_request")),
        ("origin_request: /api geo-routing", "origin_request", fixture("origin_request", uri="/api/v1/orders")),
        ("origin_response: immutable asset + log line", "origin_response", fixture("origin_response")),
        ("image_optimizer: stored variant (200)", "image_optimizer", json.dumps(stored)),
    ]


# Plain alternations of literals (no backtracking constructs), so the reference is not handicapped.
_MOBILE = re.compile(r"mobile|iphone|ipod|android|windows phone|blackberry|opera mini", re.I)
_TABLET = re.compile(r"ipad|tablet|kindle|silk|playbook", re.I)
_BOT = re.compile(r"bot|crawl|spider|slurp|facebookexternalhit|sqlmap|nikto|nmap|masscan|python-requests", re.I)


def reference_viewer_request(event, context=None):
    """The reference shape: three case-insensitive regexes over the raw user agent."""
    request = event["Records"][0]["cf"]["request"]
    headers = request["headers"]
    ua = headers.get("user-agent", [{"value": ""}])[0]["value"]
    device = "bot" if _BOT.search(ua) else "tablet" if _TABLET.search(ua) else "mobile" if _MOBILE.search(ua) else "desktop"
    headers["x-device-type"] = [{"key": "X-Device-Type", "value": device}]
    return request


def _per_call_ns(handler, event_json, calls):
    """Per-call (wall ns, CPU ns) lists; each call gets a freshly parsed event, as in Lambda."""
    loads, wall_clock, cpu_clock = json.loads, time.perf_counter_ns, time.thread_time_ns
    wall, cpu = [], []
    for _ in range(calls):
        event = loads(event_json)
        start, start_cpu = wall_clock(), cpu_clock()
        handler(event, None)
        end_cpu, end = cpu_clock(), wall_clock()
        wall.append(end - start)
        cpu.append(end_cpu - start_cpu)
    return wall, cpu


def per_event_table(cases, rounds, count):
    """{label: (wall µs, CPU µs)}: the median of every timed call, minus the timer overhead.

    Each call is timed on its own right after ``json.loads`` made its event (so the event is as
    cache-warm as the runtime's). Rounds are the outer loop and every scenario runs in every round,
    so all scenarios (and the reference) see the same phases of a shared machine; the median over
    all calls ignores the calls that lost the CPU to another process.
    """
    devnull = open(os.devnull, "w")
    saved = sys.stdout
    samples = {label: ([], []) for label, _, _ in cases}
    noop = ([], [])
    sys.stdout = devnull  # origin_response logs one line per event
    try:
        for _ in range(rounds):
            wall, cpu = _per_call_ns(lambda event, context: event, cases[0][2], count)
            noop[0].extend(wall)
            noop[1].extend(cpu)
            for label, handler, event_json in cases:
                wall, cpu = _per_call_ns(handler, event_json, count)
                samples[label][0].extend(wall)
                samples[label][1].extend(cpu)
    finally:
        sys.stdout = saved
        devnull.close()
    overhead = statistics.median(noop[0]), statistics.median(noop[1])
    return {label: ((statistics.median(w) - overhead[0]) / 1000, (statistics.median(c) - overhead[1]) / 1000)
            for label, (w, c) in samples.items()}


def make_bundle(name, folder, compiled):
    """The deployment bundle of one function, as the packager builds it (lambdas/README.md).

    ``compiled``: also ship __pycache__ (``compileall --invalidation-mode unchecked-hash``): /var/task
    is read-only in Lambda, so without it every cold start compiles the sources again.
    """
    bundle = folder / f"{name}-{'pyc' if compiled else 'src'}"
    bundle.mkdir()
    for module in (LAMBDAS / name).glob("*.py"):  # handler.py and the function's further modules
        shutil.copy(module, bundle / module.name)
    shutil.copy(LAMBDAS / "_shared" / "edge_common.py", bundle / "edge_common.py")
    shutil.copy(LAMBDAS / "edge_config.json", bundle / "edge_config.json")
    if compiled:
        subprocess.run([sys.executable, "-m", "compileall", "-q", "--invalidation-mode", "unchecked-hash",
                        str(bundle)], check=True)
    return bundle


def _child_cpu_ms():
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (usage.ru_utime + usage.ru_stime) * 1000


def _run(bundle, code, env):
    """(wall ms, CPU ms, stdout) of one fresh interpreter running ``code`` in ``bundle``."""
    start, start_cpu = time.perf_counter(), _child_cpu_ms()
    out = subprocess.run([sys.executable, "-c", code], cwd=bundle, check=True, env=env,
                         capture_output=True, text=True).stdout
    return (time.perf_counter() - start) * 1000, _child_cpu_ms() - start_cpu, out


def import_times(bundle, starts, prelude):
    """Medians of: in-process ``import handler`` (wall, CPU) and whole-interpreter cost added by it.

    ``prelude`` runs first in both the measured and the baseline interpreter (e.g. ``import json``,
    which the Lambda runtime has already done before it imports the handler).
    """
    probe = (f"{prelude}; import time; t, c = time.perf_counter(), time.process_time(); import handler; "
             "print((time.perf_counter() - t) * 1000, (time.process_time() - c) * 1000)")
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
    _run(bundle, probe, env)  # warm the disk cache
    rows = {"inner": [], "inner_cpu": [], "added": [], "added_cpu": []}
    for _ in range(starts):
        bare_wall, bare_cpu, _ = _run(bundle, prelude, env)
        wall, cpu, _ = _run(bundle, f"{prelude}; import handler", env)
        rows["added"].append(wall - bare_wall)
        rows["added_cpu"].append(cpu - bare_cpu)
        inner, inner_cpu = map(float, _run(bundle, probe, env)[2].split())
        rows["inner"].append(inner)
        rows["inner_cpu"].append(inner_cpu)
    return {key: statistics.median(values) for key, values in rows.items()}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--events", type=int, default=2000)
    parser.add_argument("--starts", type=int, default=20)
    args = parser.parse_args()
    handlers = {name: load_handler(name).handler for name in NAMES}
    print(f"Machine: {os.cpu_count()} CPUs, load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}; "
          f"Python {sys.version.split()[0]}; {args.rounds} rounds x {args.events} events, medians.\n")
    print("### Per-event cost\n")
    print("| scenario | wall µs / event | CPU µs / event | CPU vs reference-style |")
    print("|---|---:|---:|---:|")
    reference = "reference-style viewer_request (3 case-insensitive regexes, device only)"
    cases = [(reference, reference_viewer_request, fixture("viewer_request"))]
    cases += [(label, handlers[name], event_json) for label, name, event_json in scenarios()]
    table = per_event_table(cases, args.rounds, args.events)
    for label, (wall, cpu) in table.items():
        print(f"| {label} | {wall:.2f} | {cpu:.2f} | {cpu / table[reference][1]:.2f} |")
    print(f"\n### Cold start: import of each bundle ({args.starts} fresh interpreters per cell, medians, ms)\n")
    print("Variants: *source* = bundle without bytecode, bare interpreter; *pyc* = bundle with compiled "
          "bytecode; *runtime* = pyc and `json` already imported, as in the Lambda Python runtime, which "
          "parses events with it before importing the handler.\n")
    print("| function | variant | import handler: wall | import handler: CPU | added to interpreter start: wall "
          "| added to interpreter start: CPU |")
    print("|---|---|---:|---:|---:|---:|")
    folder = pathlib.Path(tempfile.mkdtemp(prefix="candlefish-bundles-"))
    try:
        for name in NAMES:
            for variant, compiled, prelude in (("source", False, "pass"), ("pyc", True, "pass"),
                                               ("runtime", True, "import json")):
                t = import_times(make_bundle(name, folder, compiled) if variant != "runtime"
                                 else folder / f"{name}-pyc", args.starts, prelude)
                print(f"| {name} | {variant} | {t['inner']:.2f} | {t['inner_cpu']:.2f} | {t['added']:.1f} | "
                      f"{t['added_cpu']:.1f} |")
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
