"""Code-shape figures for the architecture notes: lines per package and the longest functions.

Usage: python tools/code_shape.py [ROOT] [--top N]
Lines are physical lines (what `wc -l` counts); a function's length is end_lineno - lineno + 1
(decorators not included), found by parsing each module with `ast`.
"""
from __future__ import annotations

import ast
import sys
from pathlib import Path


def package_lines(root: Path) -> dict[str, int]:
    """Lines per top-level package of ROOT (modules directly in ROOT count as '(top)')."""
    totals: dict[str, int] = {}
    for path in sorted(root.rglob("*.py")):
        rel = path.relative_to(root)
        key = rel.parts[0] if len(rel.parts) > 1 else "(top)"
        totals[key] = totals.get(key, 0) + len(path.read_text(encoding="utf-8").splitlines())
    return totals


def function_lengths(root: Path) -> list[tuple[int, str]]:
    """(lines, 'path:line name') for every function and method under ROOT."""
    found = []
    for path in sorted(root.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                length = node.end_lineno - node.lineno + 1
                found.append((length, f"{path}:{node.lineno} {node.name}"))
    return sorted(found, key=lambda item: (-item[0], item[1]))


def main(argv: list[str]) -> None:
    top = int(argv[argv.index("--top") + 1]) if "--top" in argv else 10
    args = [a for i, a in enumerate(argv) if a != "--top" and (i == 0 or argv[i - 1] != "--top")]
    root = Path(args[0] if args else "candlefish_ops")
    lines = package_lines(root)
    print("lines per package:")
    for name, count in sorted(lines.items(), key=lambda item: -item[1]):
        print(f"  {count:6d}  {name}")
    print(f"  {sum(lines.values()):6d}  total")
    lengths = function_lengths(root)
    ordered = sorted(length for length, _ in lengths)
    print(f"functions: {len(lengths)}, median {ordered[len(ordered) // 2]} lines")
    print(f"{top} longest functions:")
    for length, where in lengths[:top]:
        print(f"  {length:4d}  {where}")


if __name__ == "__main__":
    main(sys.argv[1:])
