"""Extensions of moto that make the emulator materialise what candlefish's templates and commands use.

Each module in this package may define:
- `install() -> None`: patch or extend moto in-process (e.g. register CloudFormation resource models by
  subclassing `moto.core.common_models.CloudFormationModel`). Called once, before the server serves.
- `seed(endpoint: str, environment) -> None`: after a local bootstrap deploy of an environment, put
  emulated data (bills, metrics) into the emulator. `environment` is the loaded config object.
Modules are discovered automatically; adding a file here is all it takes.
"""

from __future__ import annotations

import importlib
import pkgutil
from types import ModuleType

_installed = False


def _modules() -> list[ModuleType]:
    names = sorted(info.name for info in pkgutil.iter_modules(__path__) if not info.name.startswith("_"))
    return [importlib.import_module(f"{__name__}.{name}") for name in names]


def install_all() -> None:
    """Install every extension once per process (idempotent)."""
    global _installed
    if _installed:
        return
    for module in _modules():
        install = getattr(module, "install", None)
        if install is not None:
            install()
    _clear_model_map_cache()
    _installed = True


def seed_all(endpoint: str, environment) -> list[str]:
    """Run every extension's `seed`; return the names of the extensions that seeded data."""
    seeded = []
    for module in _modules():
        seed = getattr(module, "seed", None)
        if seed is not None:
            seed(endpoint, environment)
            seeded.append(module.__name__.rsplit(".", 1)[-1])
    return seeded


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
