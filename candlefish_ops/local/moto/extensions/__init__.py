"""Extensions of moto that make the emulator materialise what candlefish's templates and commands use.

Each module in this package defines `install() -> None`: it patches or extends moto in-process (e.g.
registers CloudFormation resource models by subclassing `moto.core.common_models.CloudFormationModel`), going
through `candlefish_ops.local.moto.compat` for anything private to moto. Called once, before the server
serves. Modules are discovered automatically; adding a file here is all it takes. (Data put into a running
emulator after a deploy, such as bills and metrics, is seeding: `candlefish_ops.local.seed`.)
"""

from __future__ import annotations

import importlib
import pkgutil
from types import ModuleType

from candlefish_ops.local.moto.compat import require_supported_moto

_installed = False


def _modules() -> list[ModuleType]:
    names = sorted(info.name for info in pkgutil.iter_modules(__path__) if not info.name.startswith("_"))
    return [importlib.import_module(f"{__name__}.{name}") for name in names]


def install_all() -> None:
    """Check the installed moto, then install every extension once per process (idempotent)."""
    global _installed
    if _installed:
        return
    require_supported_moto()
    for module in _modules():
        install = getattr(module, "install", None)
        if install is not None:
            install()
    _clear_model_map_cache()
    _installed = True


def not_emulated(resource_types: set[str]) -> list[str]:
    """The CloudFormation resource types the emulator would silently skip."""
    from moto.cloudformation.parsing import get_model_map

    known = set(get_model_map())
    return sorted(t for t in resource_types if t not in known and not t.startswith("Custom::"))


def _clear_model_map_cache() -> None:
    from moto.cloudformation import parsing

    cache_clear = getattr(parsing.get_model_map, "cache_clear", None)
    if cache_clear is not None:
        cache_clear()
