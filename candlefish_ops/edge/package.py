"""Deterministic Lambda@Edge packages: same sources, config and wheels -> same bytes -> same CodeSha256.

A package is flat (lambdas/README.md, "Packaging contract"): handler.py, the function's further
modules (``EdgeFunction.modules``), edge_common.py, the environment's edge_config.json, the locked
wheels' contents, and __pycache__ compiled by the runtime's Python with unchecked-hash pycs (no
timestamps) and /var/task as the source directory (no build path).
Zip entries are sorted, dated 1980-01-01, mode 0644, deflated at level 6 (zlib's default: a quarter of
level 9's time on Pillow for 0.4 % more bytes). Before it is accepted, the
handler must import in a clean interpreter of the runtime's version (isolated, no site-packages: only
the package and the standard library), and the zip must fit the function's size limit.

Built packages are cached by the digest of everything that goes into them, so a deploy that changes
nothing rebuilds nothing.
"""

from __future__ import annotations

import base64
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Callable

from candlefish_ops.edge.functions import LAMBDAS_DIR, RUNTIME, EdgeFunction
from candlefish_ops.edge.wheels import Pin, WheelCache, read_lock
from candlefish_ops.user_cache import cache_dir, read_private, write_atomically  # cache_dir: also imported from here
from candlefish_ops.errors import ValidationError

FORMAT = "candlefish-edge-package/3"  # change when the layout changes: cached packages are then rebuilt
_EPOCH = (1980, 1, 1, 0, 0, 0)
_CHECK = ("import sys; sys.dont_write_bytecode = True; sys.path.insert(0, '.'); import handler; "
          "assert callable(getattr(handler, 'handler', None)), 'handler.handler is not callable'; "
          "[__import__(m) for m in sys.argv[1:]]")
_WHEEL_IMPORTS = {"pillow": ("PIL.Image", "PIL._imaging"), "isal": ("isal.isal_zlib",)}


@dataclass(frozen=True)
class Package:
    function: EdgeFunction
    data: bytes
    known_digest: bytes = b""  # the SHA-256 of `data` when already known (the cache keeps it beside the zip)

    @cached_property
    def digest(self) -> bytes:
        """SHA-256 of the zip, computed once (the image optimiser's zip is 8 MB)."""
        return self.known_digest or hashlib.sha256(self.data).digest()

    @property
    def sha256_hex(self) -> str:
        return self.digest.hex()

    @property
    def code_sha256(self) -> str:
        """What Lambda reports as CodeSha256: the base64 of the zip's SHA-256."""
        return base64.b64encode(self.digest).decode("ascii")

    @property
    def size(self) -> int:
        return len(self.data)

    @property
    def s3_key(self) -> str:
        return self.function.s3_key(self.sha256_hex)


class Packager:
    """Builds packages with `python` (the runtime's); with None (local emulator only, no Python 3.12 on
    this machine) the packages carry sources without bytecode and are import-checked by this Python.

    With `find_python` instead, the interpreter is looked for only when a package must be built: a package
    built before with the runtime's Python is taken from the cache without starting any interpreter, and a
    wheel is only fetched and verified to be unpacked (its pin, name, version and SHA-256, keys the cache)."""

    def __init__(self, python: str | None, cache_dir: Path, wheels: WheelCache, sources: Path = LAMBDAS_DIR,
                 find_python: Callable[[], str | None] | None = None) -> None:
        self._python = python
        self._find_python = find_python
        self.cache_dir = cache_dir
        self.wheels = wheels
        self.sources = sources

    @property
    def python(self) -> str | None:
        if self._find_python is not None:
            self._python, self._find_python = self._find_python(), None
        return self._python

    def build(self, function: EdgeFunction, config: bytes) -> Package:
        """The function's package for this config (from the cache when its inputs were built before)."""
        if self._find_python is not None:  # built with the runtime's Python before? then no need to look for it
            hit = _from_cache(function, self._cached(function, self._inputs(function, config, RUNTIME.encode())))
            if hit is not None:
                return hit
        inputs = self._inputs(function, config, b"sources only" if self.python is None else RUNTIME.encode())
        cached = self._cached(function, inputs)
        hit = _from_cache(function, cached)
        if hit is not None:
            return hit
        package = _checked(Package(function, self._assemble(function, inputs)))
        if write_atomically(cached, package.data):  # the zip first: a digest file never stands without its zip
            write_atomically(_digest_path(cached), package.digest)
        _prune(cached.parent, function)
        return package

    def _cached(self, function: EdgeFunction, inputs: dict[str, bytes | Pin]) -> Path:
        return self.cache_dir / "packages" / f"{function.name}-{_digest(inputs)}.zip"

    def _inputs(self, function: EdgeFunction, config: bytes, python: bytes) -> dict[str, bytes | Pin]:
        """Archive name -> file contents (bytes) or wheel pin, everything the package is made of."""
        inputs: dict[str, bytes | Pin] = {
            "(python)": python,
            "handler.py": _read(self.sources / function.name / "handler.py"),
            "edge_common.py": _read(self.sources / "_shared" / "edge_common.py"),
            "edge_config.json": config,
        }
        for module in function.modules:
            inputs[module] = _read(self.sources / function.name / module)
        if function.lock_file:
            for pin in read_lock(self.sources / function.name / function.lock_file):
                inputs[f"wheel:{pin.name}"] = pin
        return inputs

    def _assemble(self, function: EdgeFunction, inputs: dict[str, bytes | Pin]) -> bytes:
        with tempfile.TemporaryDirectory(prefix=f"candlefish-{function.name}-") as scratch:
            root = Path(scratch)
            for name, content in inputs.items():
                if name == "(python)":
                    continue
                if isinstance(content, Pin):
                    with zipfile.ZipFile(self.wheels.wheel(content)) as wheel:
                        wheel.extractall(root)
                else:
                    (root / name).write_bytes(content)
            self._compile(function, root)
            native = [m for n in inputs if n.startswith("wheel:") for m in _WHEEL_IMPORTS.get(n[6:], ())]
            modules = [module.removesuffix(".py") for module in function.modules]
            self._check_import(function, root, modules + (native if self.python else []))  # cp312 wheels need 3.12
            return _zip(root)

    def _compile(self, function: EdgeFunction, root: Path) -> None:
        if self.python is None:
            return
        self._run(function, root, ["-m", "compileall", "-q", "-f", "-j", "0", "--invalidation-mode",
                                   "unchecked-hash", "-s", str(root), "-p", "/var/task", str(root)],
                  "bytecode compilation failed")

    def _check_import(self, function: EdgeFunction, root: Path, modules: list[str]) -> None:
        self._run(function, root, ["-c", _CHECK, *modules], "handler fails to import")

    def _run(self, function: EdgeFunction, root: Path, arguments: list[str], what: str) -> None:
        environment = {"PATH": os.environ.get("PATH", ""), "PYTHONHASHSEED": "0", "LC_ALL": "C.UTF-8"}
        answer = subprocess.run([self.python or sys.executable, "-I", "-S", *arguments], cwd=root, env=environment,
                                capture_output=True, text=True, timeout=300, check=False)
        if answer.returncode != 0:
            detail = (answer.stderr.strip().splitlines() or [f"exit code {answer.returncode}"])[-1][:300]
            raise ValidationError(f"edge package {function.name}: {what} under {RUNTIME} ({self.python}): "
                                  f"{detail}; nothing was uploaded")


UNUSED_FOR_LONG = 14 * 24 * 3600  # a cached package unused this long is removed (8 MB each for images)


def _from_cache(function: EdgeFunction, cached: Path) -> Package | None:
    """The cached package, its use recorded in its mtime (None: not cached, pruned meanwhile, or a file
    another local user could have written: it is then built again)."""
    data = read_private(cached)
    if data is None:
        return None
    try:
        os.utime(cached)
    except OSError:
        pass
    return _checked(Package(function, data, _known_digest(cached)))


def _prune(directory: Path, function: EdgeFunction) -> None:
    """Remove the function's packages unused for two weeks (a use touches the zip); the cache otherwise grows
    by one package per environment's config and source change. Best effort: another process may prune too."""
    import time

    oldest = time.time() - UNUSED_FOR_LONG
    for package in directory.glob(f"{function.name}-*.zip"):
        try:
            stale = package.stat().st_mtime < oldest
        except OSError:
            continue
        if stale:
            for path in (package, _digest_path(package)):
                path.unlink(missing_ok=True)


def _digest_path(cached: Path) -> Path:
    return cached.with_suffix(".sha256")


def _known_digest(cached: Path) -> bytes:
    """The digest written beside a cached zip (b"": none, or not a SHA-256, so it is computed)."""
    digest = read_private(_digest_path(cached)) or b""
    return digest if len(digest) == 32 else b""


def _checked(package: Package) -> Package:
    if package.size > package.function.limit:
        kind = "viewer" if package.function.viewer else "origin"
        raise ValidationError(f"edge package {package.function.name} is {package.size:,} bytes zipped, over the "
                              f"{package.function.limit:,}-byte limit of a Lambda@Edge {kind} function; "
                              "nothing was uploaded")
    return package


def _zip(root: Path) -> bytes:
    files = sorted((path.relative_to(root).as_posix(), path) for path in root.rglob("*") if path.is_file())
    with tempfile.SpooledTemporaryFile(max_size=64 << 20) as buffer:
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as archive:
            for name, path in files:
                info = zipfile.ZipInfo(name, date_time=_EPOCH)
                info.external_attr = 0o100644 << 16
                info.create_system = 3
                info.compress_type = zipfile.ZIP_DEFLATED
                archive.writestr(info, path.read_bytes(), compresslevel=6)
        buffer.seek(0)
        return buffer.read()


def _digest(inputs: dict[str, bytes | Pin]) -> str:
    digest = hashlib.sha256(FORMAT.encode())
    for name in sorted(inputs):
        content = inputs[name]
        digest.update(name.encode() + b"\0")
        digest.update(f"{content}@{content.sha256}".encode() if isinstance(content, Pin)
                      else hashlib.sha256(content).digest())
    return digest.hexdigest()[:32]


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as error:
        raise ValidationError(f"cannot read {path}: {error.strerror}") from error


def remove_tree(path: Path) -> None:
    shutil.rmtree(path, ignore_errors=True)
