"""Image optimiser (Pillow, lambdas/image_optimizer) against sharp (Node), side by side in one run.

Usage:  /work/venv/bin/python bench/image_vs_sharp.py [--rounds 5] [--avif-rounds 3] [--json OUT]
        [--sections cells,batches,avif] [--sharp-concurrency N]

* Generates the originals once (bench/imagegen.py): a 4000x3000 photo-like JPEG (q90) and a 1600x1200
  PNG with alpha, written to a temp dir; both libraries read the same files into memory and are timed
  buffer -> buffer (the Lambda gets bytes from S3 and returns bytes).
* sharp runs in a long-lived Node worker (bench/sharp_bench.js); it is installed into
  bench/node_modules with npm on first use. Every cell is measured alternately in Python and in Node,
  round after round (the first library alternates by round), so both see the same machine load;
  tables report medians over the rounds.
* (1) per request: one original -> one width -> one format for 320/640/1280/1920 x WebP/AVIF/JPEG,
  the function's real code path (``render``: decode with DCT scaling, resize, encode);
  (2) batch: every width x format from one original (``render_all`` vs Promise.all of sharp pipelines);
  (3) AVIF encoder speed study at 640 px: Pillow speed 5..10 vs sharp effort 4..0 (aom speed 9-effort).
* Two clocks: wall ms (latency; on a shared machine it includes time spent waiting for a CPU) and CPU
  ms (user+system time of the measuring process over all its threads: the work done, robust to load).
* Same settings on both sides: quality JPEG 80 / WebP 80 (effort/method 4) / AVIF 50, 4:2:0 chroma,
  Lanczos-3 resampling, no enlargement, alpha flattened on white for JPEG.
"""

import argparse
import importlib.util
import io
import json
import os
import pathlib
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

BENCH = pathlib.Path(__file__).resolve().parent
ROOT = BENCH.parent
WIDTHS = (320, 640, 1280, 1920)
FORMATS = ("webp", "avif", "jpeg")
QUALITY = {"jpeg": 80, "webp": 80, "avif": 50}


def load(path, name):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def ensure_sharp():
    if not (BENCH / "node_modules" / "sharp").is_dir():
        print("installing sharp into bench/node_modules ...", file=sys.stderr)
        subprocess.run(["npm", "install", "--no-save", "--no-package-lock", "--prefix", str(BENCH), "sharp"],
                       check=True, stdout=subprocess.DEVNULL)


class SharpWorker:
    """The Node worker: one JSON line per request and answer."""

    def __init__(self):
        self.proc = subprocess.Popen(["node", str(BENCH / "sharp_bench.js")], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, text=True, bufsize=1)

    def ask(self, **request):
        self.proc.stdin.write(json.dumps(request) + "\n")
        self.proc.stdin.flush()
        answer = json.loads(self.proc.stdout.readline())
        if "error" in answer:
            raise RuntimeError(answer["error"])
        return answer

    def close(self):
        self.proc.stdin.close()
        self.proc.wait(timeout=30)


def make_originals(folder, imagegen):
    photo = imagegen.encoded(imagegen.photo_like(4000, 3000), "JPEG", quality=90)
    alpha = imagegen.encoded(imagegen.alpha_png(1600, 1200), "PNG")
    paths = {"photo": folder / "photo-4000x3000.jpg", "alpha": folder / "alpha-1600x1200.png"}
    paths["photo"].write_bytes(photo)
    paths["alpha"].write_bytes(alpha)
    return paths


def timed(fn):
    """(wall ms, process CPU ms over all threads, result)."""
    start, cpu = time.perf_counter(), time.process_time()
    result = fn()
    return (time.perf_counter() - start) * 1000, (time.process_time() - cpu) * 1000, result


def py_cell(optimizer, settings, data, width, fmt, quality):
    ms, cpu_ms, body = timed(lambda: optimizer.render(data, width, fmt, quality, settings))
    from PIL import Image
    image = Image.open(io.BytesIO(body))
    return {"ms": ms, "cpu_ms": cpu_ms, "bytes": len(body), "width": image.width, "format": image.format.lower()}


def run_cells(cells, rounds, worker, optimizer, datas, settings_for):
    """Interleaved measurements: {cell: {"py": [...], "sharp": [...], "py_out": .., "sharp_out": ..}}."""
    results = {cell: {"py": [], "sharp": [], "py_cpu": [], "sharp_cpu": []} for cell in cells}
    for round_no in range(rounds):
        for cell in cells:
            original, width, fmt, quality, speed = cell
            settings = settings_for(speed)
            sides = [("py", lambda: py_cell(optimizer, settings, datas[original], width, fmt, quality)),
                     ("sharp", lambda: worker.ask(op="cell", original=original, width=width, format=fmt,
                                                  quality=quality, effort=9 - speed))]
            if round_no % 2:
                sides.reverse()
            for side, fn in sides:
                out = fn()
                results[cell][side].append(out["ms"])
                results[cell][side + "_cpu"].append(out["cpu_ms"])
                results[cell][side + "_out"] = out
        print(f"  round {round_no + 1}/{rounds} done", file=sys.stderr)
    return results


def run_batches(originals, rounds, worker, optimizer, datas, settings):
    results = {name: {"py": [], "sharp": [], "py_cpu": [], "sharp_cpu": []} for name in originals}
    for round_no in range(rounds):
        for name in originals:
            sides = [("py", lambda: timed(lambda: optimizer.render_all(datas[name], WIDTHS, FORMATS, QUALITY, settings))),
                     ("sharp", lambda: worker.ask(op="batch", original=name, widths=WIDTHS, formats=FORMATS,
                                                  qualities=QUALITY, effort=9 - settings.avif_speed))]
            if round_no % 2:
                sides.reverse()
            for side, fn in sides:
                out = fn()
                if side == "py":
                    ms, cpu_ms, outputs = out
                    results[name]["py"].append(ms)
                    results[name]["py_cpu"].append(cpu_ms)
                    results[name]["py_bytes"] = sum(len(b) for b in outputs.values())
                else:
                    results[name]["sharp"].append(out["ms"])
                    results[name]["sharp_cpu"].append(out["cpu_ms"])
                    results[name]["sharp_bytes"] = out["bytes"]
    return results


def ratio_text(py_ms, sharp_ms):
    return f"{sharp_ms / py_ms:.2f}x" if py_ms else "-"


def render_tables(cells, batches, avif, meta):
    lines = [f"Machine: {meta['cpus']} CPUs, load average at start {meta['load']}; Python {meta['python']}, "
             f"Pillow {meta['pillow']} (AVIF {meta['avif']}); sharp {meta['sharp']} / libvips {meta['vips']} "
             f"(sharp.concurrency() = {meta['concurrency']}); rounds: {meta['rounds']} (AVIF study "
             f"{meta['avif_rounds']}); medians in ms.", ""]
    lines += ["### (1) Per request: one original -> one width -> one format", "",
              "| original | width | format | Pillow ms | sharp ms | sharp/Pillow | Pillow CPU ms | sharp CPU ms | sharp/Pillow CPU | Pillow bytes | sharp bytes | bytes diff |",
              "|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for (original, width, fmt, _, speed), res in cells.items():
        py, sh = statistics.median(res["py"]), statistics.median(res["sharp"])
        pc, sc = statistics.median(res["py_cpu"]), statistics.median(res["sharp_cpu"])
        pb, sb = res["py_out"]["bytes"], res["sharp_out"]["bytes"]
        label = fmt + (f" (speed {speed})" if fmt == "avif" else "")
        lines.append(f"| {original} | {width} | {label} | {py:.1f} | {sh:.1f} | {ratio_text(py, sh)} | {pc:.1f} | {sc:.1f} | "
                     f"{ratio_text(pc, sc)} | {pb} | {sb} | {100 * (pb - sb) / sb:+.1f}% |")
    lines += ["", "### (2) Batch: every width x format from one original (12 outputs)", "",
              "| original | Pillow ms | sharp ms | sharp/Pillow | Pillow CPU ms | sharp CPU ms | sharp/Pillow CPU | Pillow bytes | sharp bytes | bytes diff |",
              "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for name, res in batches.items():
        py, sh = statistics.median(res["py"]), statistics.median(res["sharp"])
        pc, sc = statistics.median(res["py_cpu"]), statistics.median(res["sharp_cpu"])
        pb, sb = res["py_bytes"], res["sharp_bytes"]
        lines.append(f"| {name} | {py:.1f} | {sh:.1f} | {ratio_text(py, sh)} | {pc:.1f} | {sc:.1f} | {ratio_text(pc, sc)} | "
                     f"{pb} | {sb} | {100 * (pb - sb) / sb:+.1f}% |")
    lines += ["", "### (3) AVIF encoder speed at 640 px (photo original), size penalty vs speed 5", "",
              "| aom speed (sharp effort) | Pillow ms | Pillow CPU ms | Pillow bytes | Pillow size vs speed 5 | sharp ms | sharp CPU ms | sharp bytes |",
              "|---|---:|---:|---:|---:|---:|---:|---:|"]
    base = None
    for (_, _, _, _, speed), res in avif.items():
        pb = res["py_out"]["bytes"]
        base = base or pb
        lines.append(f"| {speed} ({9 - speed}) | {statistics.median(res['py']):.1f} | {statistics.median(res['py_cpu']):.1f} | "
                     f"{pb} | {100 * (pb - base) / base:+.1f}% | {statistics.median(res['sharp']):.1f} | "
                     f"{statistics.median(res['sharp_cpu']):.1f} | {res['sharp_out']['bytes']} |")
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--avif-rounds", type=int, default=3)
    parser.add_argument("--json", help="also write raw results here")
    parser.add_argument("--sharp-concurrency", type=int, default=0,
                        help="libvips threads per sharp pipeline (default: sharp's own default, 1 on glibc Linux)")
    parser.add_argument("--sections", default="cells,batches,avif",
                        help="comma-separated subset of cells,batches,avif (default: all)")
    args = parser.parse_args()
    ensure_sharp()
    imagegen = load(BENCH / "imagegen.py", "bench_imagegen")
    optimizer = load(ROOT / "lambdas" / "image_optimizer" / "handler.py", "bench_image_optimizer")
    config = json.loads((ROOT / "lambdas" / "edge_config.json").read_text())
    from PIL import features
    load_at_start = " ".join(f"{x:.2f}" for x in os.getloadavg())
    folder = pathlib.Path(tempfile.mkdtemp(prefix="candlefish-img-bench-"))
    try:
        paths = make_originals(folder, imagegen)
        datas = {name: path.read_bytes() for name, path in paths.items()}
        worker = SharpWorker()
        info = worker.ask(op="load", originals={k: str(v) for k, v in paths.items()},
                          concurrency=args.sharp_concurrency)

        def settings_for(speed):
            config["images"]["avif_speed"] = speed
            return optimizer.Settings(config)

        default_speed = optimizer.SETTINGS.avif_speed
        warm = settings_for(default_speed)
        optimizer.render(datas["photo"], 320, "webp", 80, warm)
        worker.ask(op="cell", original="photo", width=320, format="webp", quality=80, effort=4)
        sections = set(args.sections.split(","))
        cells = [(o, w, f, QUALITY[f], default_speed) for o in datas for w in WIDTHS for f in FORMATS]
        cell_results = batch_results = avif_results = {}
        if "cells" in sections:
            print("per-request cells ...", file=sys.stderr)
            cell_results = run_cells(cells, args.rounds, worker, optimizer, datas, settings_for)
        if "batches" in sections:
            print("batches ...", file=sys.stderr)
            batch_results = run_batches(list(datas), args.rounds, worker, optimizer, datas, settings_for(default_speed))
        if "avif" in sections:
            print("AVIF speed study ...", file=sys.stderr)
            avif_cells = [("photo", 640, "avif", 50, speed) for speed in (5, 6, 7, 8, 9)]
            avif_results = run_cells(avif_cells, args.avif_rounds, worker, optimizer, datas, settings_for)
        worker.close()
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    meta = {"cpus": os.cpu_count(), "load": load_at_start,
            "python": platform.python_version(), "pillow": __import__("PIL").__version__,
            "avif": features.version("avif"), "sharp": info["sharp"], "vips": info["vips"],
            "concurrency": info["concurrency"], "rounds": args.rounds, "avif_rounds": args.avif_rounds}
    print(render_tables(cell_results, batch_results, avif_results, meta))
    if args.json:
        raw = {"meta": meta,
               "cells": [{"cell": list(k), **v} for k, v in cell_results.items()],
               "batches": batch_results, "avif": [{"cell": list(k), **v} for k, v in avif_results.items()]}
        pathlib.Path(args.json).write_text(json.dumps(raw, indent=1))


if __name__ == "__main__":
    main()
