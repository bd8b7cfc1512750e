"""Image optimiser before/after a change, and its fast paths against its plain-Pillow path, in one run.

Usage:  .venv/bin/python bench/image_paths.py [--baseline REV] [--rounds 7] [--formats webp,jpeg]

Three variants of the function's per-request path (``render``: original bytes -> one variant), each
cell measured in every round with the variants' order rotated, so all see the same machine load:

* ``baseline``: ``lambdas/image_optimizer/handler.py`` as it was at git revision ``--baseline``
  (default: the commit before the fast paths moved to their own module), loaded from ``git show``;
* ``fast``: the working tree's handler with its fast paths (what the Lambda runs on a verified Pillow);
* ``plain``: the working tree's handler with ``use_fast_paths=False`` (what any other Pillow gets).

Originals as in bench/image_vs_sharp.py: a 4000x3000 photo-like JPEG (q90) and a 1600x1200 PNG with
alpha (bench/imagegen.py). Wall ms and CPU ms (user+system of the process, all threads); medians.
"""

import argparse
import importlib.util
import json
import os
import pathlib
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time

BENCH = pathlib.Path(__file__).resolve().parent
ROOT = BENCH.parent
WIDTHS = (320, 640, 1280, 1920)
QUALITY = {"jpeg": 80, "webp": 80, "avif": 50, "png": 0}
BEFORE_SPLIT = "7bd2aed"  # main before fast_paths.py: the 746-line handler


def load(path, name):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def baseline_handler(revision, folder):
    """The optimiser's handler at ``revision``, with that revision's shared module and config."""
    for path in ("lambdas/image_optimizer/handler.py", "lambdas/_shared/edge_common.py", "lambdas/edge_config.json"):
        target = folder / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(subprocess.run(["git", "show", f"{revision}:{path}"], cwd=ROOT, check=True,
                                          capture_output=True).stdout)
    return load(folder / "lambdas" / "image_optimizer" / "handler.py", "bench_image_optimizer_baseline")


def cpu_seconds():
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def measure(call):
    wall, cpu = time.perf_counter(), cpu_seconds()
    body = call()
    return (time.perf_counter() - wall) * 1000, (cpu_seconds() - cpu) * 1000, body


def run(variants, datas, formats, rounds):
    cells = [(original, width, fmt) for original in datas for width in WIDTHS for fmt in formats]
    results = {cell: {name: {"wall": [], "cpu": [], "bytes": 0} for name in variants} for cell in cells}
    names = list(variants)
    for round_number in range(rounds):
        print(f"round {round_number + 1}/{rounds}", file=sys.stderr)
        for cell in cells:
            original, width, fmt = cell
            order = names[round_number % len(names):] + names[:round_number % len(names)]
            for name in order:
                wall, cpu, body = measure(lambda: variants[name](datas[original], width, fmt, QUALITY[fmt]))
                entry = results[cell][name]
                entry["wall"].append(wall)
                entry["cpu"].append(cpu)
                entry["bytes"] = len(body)
    return results


def table(results, names):
    head = ["original", "width", "format"] + [f"{n} ms" for n in names] + [f"{n} CPU ms" for n in names] + \
        [f"{names[0]}/{n} wall" for n in names[1:]] + [f"{n} bytes" for n in names]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * 3 + "---:|" * (len(head) - 3)]
    for (original, width, fmt), by_name in results.items():
        wall = {n: statistics.median(by_name[n]["wall"]) for n in names}
        cpu = {n: statistics.median(by_name[n]["cpu"]) for n in names}
        row = [original, str(width), fmt] + [f"{wall[n]:.1f}" for n in names] + [f"{cpu[n]:.1f}" for n in names]
        row += [f"{wall[names[0]] / wall[n]:.2f}x" for n in names[1:]] + [str(by_name[n]["bytes"]) for n in names]
        lines.append("| " + " | ".join(row) + " |")
    totals = {n: sum(statistics.median(r[n]["wall"]) for r in results.values()) for n in names}
    lines.append("")
    lines.append("Sum of the cell medians (wall ms): " + ", ".join(f"{n} {totals[n]:.0f}" for n in names))
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", default=BEFORE_SPLIT, help="git revision of the 'baseline' handler")
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--formats", default="webp,jpeg")
    parser.add_argument("--json", help="also write raw results here")
    args = parser.parse_args()
    imagegen = load(BENCH / "imagegen.py", "bench_imagegen")
    current = load(ROOT / "lambdas" / "image_optimizer" / "handler.py", "bench_image_optimizer")
    with tempfile.TemporaryDirectory(prefix="candlefish-img-paths-") as scratch:
        before = baseline_handler(args.baseline, pathlib.Path(scratch))
    settings = current.SETTINGS
    variants = {
        "baseline": lambda data, width, fmt, quality: before.render(data, width, fmt, quality, before.SETTINGS),
        "fast": lambda data, width, fmt, quality: current.render(data, width, fmt, quality, settings),
        "plain": lambda data, width, fmt, quality: current.render(data, width, fmt, quality, settings,
                                                                   use_fast_paths=False),
    }
    datas = {"photo": imagegen.encoded(imagegen.photo_like(4000, 3000), "JPEG", quality=90),
             "alpha": imagegen.encoded(imagegen.alpha_png(1600, 1200), "PNG")}
    assert current.fast_paths() is not None, "this Pillow is not a verified one: 'fast' would be the plain path"
    load_at_start = " ".join(f"{x:.2f}" for x in os.getloadavg())
    for render in variants.values():  # warm-up: imports, thread pools, encoder initialisation
        render(datas["photo"], 320, "webp", 80)
    results = run(variants, datas, args.formats.split(","), args.rounds)
    import PIL
    print(f"Machine: {os.cpu_count()} CPUs, load average at start {load_at_start}; Python "
          f"{platform.python_version()}, Pillow {PIL.__version__}; images.threads {settings.threads} "
          f"(THREADS {current.THREADS}); baseline {args.baseline}; {args.rounds} rounds, medians.\n")
    print(table(results, list(variants)))
    if args.json:
        pathlib.Path(args.json).write_text(json.dumps(
            [{"cell": list(cell), **by_name} for cell, by_name in results.items()], indent=1))


if __name__ == "__main__":
    main()
