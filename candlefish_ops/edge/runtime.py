"""The Python of the Lambda runtime, on this machine: packages are compiled and import-checked with it.

Bytecode is specific to a Python minor version, so the packager needs an interpreter of the runtime's
version (templates/edge.yaml: python3.12). It is looked for in order: --python / CANDLEFISH_EDGE_PYTHON,
`python3.12` on PATH, pyenv's and uv's installs.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from functools import lru_cache
from pathlib import Path

from candlefish_ops.edge.functions import RUNTIME, RUNTIME_VERSION
from candlefish_ops.errors import ValidationError

ENV_VARIABLE = "CANDLEFISH_EDGE_PYTHON"


def runtime_python(explicit: str | None = None, local_fallback: bool = False) -> str | None:
    """Path of a working interpreter of the runtime's version, or a ValidationError saying how to get one.

    With `local_fallback` (packages only for the local emulator, never for AWS) a missing interpreter gives
    None: the packages then carry sources only, import-checked by this Python."""
    named = explicit or os.environ.get(ENV_VARIABLE)
    if named:
        if not _is_runtime(named):
            raise ValidationError(f"{named} is not a working Python {_version()} (the edge functions run on "
                                  f"{RUNTIME}); name a {_version()} interpreter with --python or {ENV_VARIABLE}")
        return named
    for candidate in _candidates():
        if _is_runtime(candidate):
            return candidate
    if local_fallback:
        return None
    raise ValidationError(f"the edge functions run on {RUNTIME}: packaging needs a Python {_version()} to compile "
                          f"their bytecode and check that each handler imports; install one (pyenv install "
                          f"{_version()}, uv python install {_version()}, or the OS package) or name it with "
                          f"--python / {ENV_VARIABLE}")


def _version() -> str:
    return ".".join(map(str, RUNTIME_VERSION))


def _candidates() -> list[str]:
    name = f"python{_version()}"
    found = [path for path in (shutil.which(name),) if path]
    pyenv = Path(os.environ.get("PYENV_ROOT", "~/.pyenv")).expanduser() / "versions"
    uv = Path(os.environ.get("UV_PYTHON_INSTALL_DIR", "~/.local/share/uv/python")).expanduser()
    for root, pattern in ((pyenv, f"{_version()}.*/bin/{name}"), (uv, f"cpython-{_version()}.*/bin/{name}")):
        found.extend(str(path) for path in sorted(root.glob(pattern), reverse=True))
    return found


@lru_cache(maxsize=8)
def _is_runtime(path: str) -> bool:
    try:
        answer = subprocess.run([path, "-I", "-c", "import sys; print(sys.version_info[:2])"],
                                capture_output=True, text=True, timeout=30, check=False)
    except (OSError, subprocess.SubprocessError):
        return False
    return answer.returncode == 0 and answer.stdout.strip() == str(RUNTIME_VERSION)
