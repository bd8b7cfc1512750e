"""Emulated data put into a running emulator after an environment is deployed into it (bills, metrics, the WAF
ledger): what AWS would hold after months of use, and an empty emulator does not.

Each module here defines `seed(endpoint: str, environment) -> None` and talks to the emulator over HTTP like any
client (boto3 against `endpoint`); `environment` is the loaded config object. Modules are discovered
automatically. The CLI's --local step (candlefish_ops.cli.local_step) calls `seed_all` after its deploy.
"""

from __future__ import annotations

import importlib
import pkgutil


def seed_all(endpoint: str, environment) -> list[str]:
    """Run every seed module's `seed`; return their names."""
    seeded = []
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda info: info.name):
        module = importlib.import_module(f"{__name__}.{info.name}")
        module.seed(endpoint, environment)
        seeded.append(info.name)
    return seeded
