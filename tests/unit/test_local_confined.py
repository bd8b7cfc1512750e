"""The emulator stays confined (issue #17): only the CLI's --local step imports candlefish_ops.local, local/
imports no area's internals (only public entry points: the errors, ui and the reports' `emulated` module),
and moto is reached only from local/. The moto compat check refuses another moto with one line."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from candlefish_ops.errors import EmulatorError
from candlefish_ops.local.moto.compat import SUPPORTED_MOTO, installed_moto_version, require_supported_moto

PACKAGE = Path(__file__).resolve().parents[2] / "candlefish_ops"
LOCAL_ENTRY = {"cli/local_step.py", "cli/local.py"}  # the CLI's --local step and the `local` commands
LOCAL_MAY_IMPORT = ("candlefish_ops.local", "candlefish_ops.errors", "candlefish_ops.ui",
                    "candlefish_ops.reports.emulated")


def imports(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found |= {node.module} | {f"{node.module}.{alias.name}" for alias in node.names}
    return found


def sources():
    return [(path.relative_to(PACKAGE).as_posix(), path) for path in sorted(PACKAGE.rglob("*.py"))]


def test_only_the_cli_local_step_imports_the_emulator():
    offenders = [name for name, path in sources() if not name.startswith("local/") and name not in LOCAL_ENTRY
                 and any(module.startswith("candlefish_ops.local") for module in imports(path))]
    assert offenders == []


def test_the_emulator_imports_no_area_internals():
    offenders = {name: sorted(module for module in imports(path) if module.startswith("candlefish_ops")
                              and not module.startswith(LOCAL_MAY_IMPORT)
                              and module not in ("candlefish_ops", "candlefish_ops.__version__"))
                 for name, path in sources() if name.startswith("local/")}
    assert {name: modules for name, modules in offenders.items() if modules} == {}


def test_moto_only_from_the_emulator():
    offenders = [name for name, path in sources() if not name.startswith("local/")
                 and any(module == "moto" or module.startswith("moto.") for module in imports(path))]
    assert offenders == []


def test_the_installed_moto_is_the_supported_one():
    assert installed_moto_version() == SUPPORTED_MOTO
    require_supported_moto()  # passes


@pytest.mark.parametrize("other", ["5.2.4", "5.3.0", "6.0.0"])
def test_another_moto_is_refused_with_one_line(other):
    with pytest.raises(EmulatorError) as refused:
        require_supported_moto(other)
    message = str(refused.value)
    assert "\n" not in message and f"moto {other} is installed" in message
    assert f"moto[server]=={SUPPORTED_MOTO}" in message
