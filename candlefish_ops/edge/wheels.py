"""Native wheels of the image optimiser (Pillow, isal) for the Lambda runtime, pinned by a lock file.

The lock file (lambdas/<function>/requirements.lock) pins each wheel by version and sha256. Wheels are
fetched with pip's platform options for the runtime (CPython 3.12, manylinux x86_64: Amazon Linux 2023
has glibc 2.34), verified against the lock, and kept in a cache keyed by their hash; `--wheelhouse DIR`
fetches from a directory instead of an index (machines without one).
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from candlefish_ops.edge.functions import RUNTIME_VERSION
from candlefish_ops.errors import ValidationError

PLATFORMS = ("manylinux_2_28_x86_64", "manylinux2014_x86_64")
_LINE = re.compile(r"^(?P<name>[A-Za-z0-9_.-]+)==(?P<version>[A-Za-z0-9_.+-]+)\s+--hash=sha256:(?P<sha>[0-9a-f]{64})$")


@dataclass(frozen=True)
class Pin:
    name: str
    version: str
    sha256: str

    def __str__(self) -> str:
        return f"{self.name}=={self.version}"


def read_lock(path: Path) -> tuple[Pin, ...]:
    pins = []
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        match = _LINE.match(line)
        if not match:
            raise ValidationError(f"{path}:{number}: expected 'name==version --hash=sha256:<64 hex>'")
        pins.append(Pin(match["name"], match["version"], match["sha"]))
    return tuple(pins)


class WheelCache:
    def __init__(self, cache_dir: Path, wheelhouse: Path | None = None) -> None:
        self.root = cache_dir / "wheels"
        self.wheelhouse = wheelhouse

    def wheel(self, pin: Pin) -> Path:
        """The verified wheel file of `pin`, fetched on first use."""
        cached = self._cached(pin)
        if cached is not None:
            return cached
        with tempfile.TemporaryDirectory(prefix="candlefish-wheel-") as scratch:
            fetched = self._download(pin, Path(scratch))
            return self._store(pin, fetched)

    def _cached(self, pin: Pin) -> Path | None:
        folder = self.root / pin.sha256
        for path in sorted(folder.glob("*.whl")) if folder.is_dir() else ():
            if _sha256(path) == pin.sha256:
                return path
        return None

    def _download(self, pin: Pin, scratch: Path) -> Path:
        requirement = scratch / "requirement.txt"
        requirement.write_text(f"{pin} --hash=sha256:{pin.sha256}\n", encoding="utf-8")
        answer = subprocess.run(self._pip_command(requirement, scratch / "out"), capture_output=True, text=True,
                                timeout=600, check=False)
        wheels = sorted((scratch / "out").glob("*.whl"))
        if answer.returncode != 0 or len(wheels) != 1 or _sha256(wheels[0]) != pin.sha256:
            reason = (answer.stderr.strip().splitlines() or ["no wheel with the locked hash"])[-1][:300]
            where = f"wheelhouse {self.wheelhouse}" if self.wheelhouse else "the package index"
            raise ValidationError(f"cannot fetch wheel {pin} for CPython {'.'.join(map(str, RUNTIME_VERSION))} "
                                  f"manylinux x86_64 from {where}: {reason}; check the network or pass "
                                  "--wheelhouse DIR holding it")
        return wheels[0]

    def _pip_command(self, requirement: Path, out: Path) -> list[str]:
        version = "".join(map(str, RUNTIME_VERSION))
        command = [sys.executable, "-m", "pip", "download", "--quiet", "--disable-pip-version-check",
                   "--no-deps", "--only-binary=:all:", "--require-hashes", "--implementation", "cp",
                   "--python-version", ".".join(map(str, RUNTIME_VERSION)), "--abi", f"cp{version}",
                   "-r", str(requirement), "-d", str(out)]
        for platform in PLATFORMS:
            command += ["--platform", platform]
        if self.wheelhouse is not None:
            command += ["--no-index", "--find-links", str(self.wheelhouse)]
        return command

    def _store(self, pin: Pin, fetched: Path) -> Path:
        folder = self.root / pin.sha256
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        final = folder / fetched.name
        partial = folder / f".{fetched.name}.{os.getpid()}"
        shutil.copyfile(fetched, partial)
        os.replace(partial, final)  # concurrent fetches of one wheel both end with the same bytes
        return final


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
