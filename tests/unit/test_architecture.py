"""The import rules of docs/architecture.md, checked by parsing every module's imports with `ast` (function-
level imports included: lazy imports obey the same rules)."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "candlefish_ops"
AREAS = {"cdn", "deploy", "dns", "edge", "preflight", "probe", "reports", "site", "waf"}
FOUNDATION = {"errors", "echo", "ui", "config", "user_cache"}
CLI = {"cli", "context", "__main__"}
SDK = {"boto3", "botocore", "s3transfer", "moto"}
# Areas whose config schema (`<area>/config.py`, a section of ENV.yaml) lives beside the area but belongs to the
# config layer: `config` composes them into Environment, so they import only what config may.
# (edge/config.py is not one: it builds the edge_config.json a Lambda@Edge package carries.)
CONFIG_SCHEMAS = {"dns", "probe", "reports", "site", "waf"}

# What each layer may import from candlefish_ops (besides itself). Areas may use each other's modules.
ALLOWED = {
    "__init__": set(),  # the package itself: its docstring and __version__, importable from every layer
    "errors": set(), "echo": set(), "ui": {"errors", "echo"}, "config": {"errors", "echo"}, "user_cache": set(),
    "aws": {"errors", "echo"},
    "stack_outputs": {"aws", "errors"},
    "gate": {"aws", "errors", "echo", "ui"},
    **{area: {"aws", "stack_outputs", "gate", *FOUNDATION, *AREAS} for area in AREAS},
    **{name: {"aws", "stack_outputs", "gate", "local", *FOUNDATION, *AREAS, *CLI} for name in CLI},
}
# Exceptions, each with its reason (keep this empty: fix the import instead).
EXCEPTIONS: dict[tuple[str, str], str] = {}


def _layer(path: Path) -> str:
    parts = path.relative_to(PACKAGE).parts
    if len(parts) == 2 and parts[0] in CONFIG_SCHEMAS and parts[1] == "config.py":
        return "config"
    return parts[0] if len(parts) > 1 else parts[0].removesuffix(".py")


def _target(parts: list[str]) -> str:
    """The layer an imported `candlefish_ops.*` module (split on dots) belongs to."""
    if parts[1] in CONFIG_SCHEMAS and parts[2:3] == ["config"]:
        return "config"
    return parts[1] if (PACKAGE / parts[1]).exists() or (PACKAGE / f"{parts[1]}.py").exists() else "__init__"


def _imports(path: Path):
    """(imported module, line) for every import in the file."""
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            yield from ((alias.name, node.lineno) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = _absolute(path, node)
            if base == "candlefish_ops":
                yield from ((f"candlefish_ops.{alias.name}", node.lineno) for alias in node.names)
            else:
                yield base, node.lineno


def _absolute(path: Path, node: ast.ImportFrom) -> str:
    """The module a `from ... import` names, relative imports resolved against the file's package."""
    if node.level == 0:
        return node.module or ""
    package = ["candlefish_ops", *path.relative_to(PACKAGE).parts[:-1]]
    return ".".join(package[:len(package) - node.level + 1] + ([node.module] if node.module else []))


def _modules():
    return sorted(PACKAGE.rglob("*.py"))


def _violations() -> list[str]:
    found = []
    for path in _modules():
        layer = _layer(path)
        for module, line in _imports(path):
            parts = module.split(".")
            where = f"{path.relative_to(PACKAGE.parent)}:{line}"
            if parts[0] in SDK and layer not in {"aws", "local"}:
                found.append(f"{where}: {layer} imports {module} (the SDK only in aws/ and local/)")
            if parts[0] != "candlefish_ops" or len(parts) < 2 or layer == "local":
                continue
            target = _target(parts)
            if target not in {layer, "__init__"} and target not in ALLOWED[layer] and (layer, target) not in EXCEPTIONS:
                found.append(f"{where}: {layer} imports {module}")
    return found


def test_every_module_belongs_to_a_known_layer():
    assert {_layer(path) for path in _modules()} - set(ALLOWED) - {"local"} == set()


def test_the_import_rules_hold():
    assert _violations() == []


@pytest.mark.parametrize("layer, target", [("aws", "dns"), ("dns", "local"), ("waf", "cli"), ("stack_outputs", "dns")])
def test_the_rules_refuse_what_docs_architecture_forbids(layer, target):
    assert target not in ALLOWED[layer]


def test_the_checker_sees_lazy_and_package_level_imports(tmp_path):
    module = tmp_path / "sample.py"
    module.write_text("def f():\n    import boto3\n    from candlefish_ops import local\n")
    assert list(_imports(module)) == [("boto3", 2), ("candlefish_ops.local", 3)]


def test_relative_imports_are_resolved():
    node = ast.parse("from ..aws import base").body[0]
    assert _absolute(PACKAGE / "dns" / "service.py", node) == "candlefish_ops.aws"


@pytest.mark.parametrize("area", sorted(CONFIG_SCHEMAS))
def test_an_area_config_schema_loads_light_and_first(area):
    """Importing `<area>.config` runs the area's __init__ and then config's, which imports every schema back:
    it must work cold (no import cycle) and must not pull in the area's service or the SDK."""
    code = (f"import sys, candlefish_ops.{area}.config; "
            f"heavy = [m for m in sys.modules if m.split('.')[0] in {sorted(SDK)!r} or m == 'candlefish_ops.{area}.service']; "
            "assert not heavy, heavy")
    subprocess.run([sys.executable, "-c", code], check=True)


AREA_FILES = ("plan.py", "service.py", "render.py")
# Areas that differ from the plan/service/render shape, each with its reason (keep it short).
AREA_FILE_EXCEPTIONS: dict[tuple[str, str], str] = {
    ("preflight", "plan.py"): "it changes nothing, so has nothing to plan: its pure checks (cfn.py, quotas.py, "
                              "network.py, waf_capacity.py, delegation.py) judge what service.py reads",
    ("reports", "plan.py"): "read-only: nothing to plan; the pure arithmetic is costs.py and health.py",
    ("reports", "service.py"): "two reports, two readers: collect_costs.py (Cost Explorer) and collect_health.py "
                               "(CloudWatch), each reading then building its report",
    ("reports", "render.py"): "two sizeable renderers, one per report: render_costs.py and render_health.py",
}


@pytest.mark.parametrize("area", sorted(AREAS))
def test_every_area_has_plan_service_and_render(area):
    missing = {name for name in AREA_FILES if not (PACKAGE / area / name).is_file()}
    assert missing == {name for (where, name) in AREA_FILE_EXCEPTIONS if where == area}


def test_every_area_package_is_listed():
    """A package that is not an area (aws, config, cli, local) is a layer of its own, checked above."""
    packages = {path.parent.name for path in PACKAGE.glob("*/__init__.py")}
    assert packages - AREAS == {"aws", "cli", "config", "local"}
