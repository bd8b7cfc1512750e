"""The per-user cache directory: built Lambda@Edge packages, template summaries, verified no-op records.

Everything in it can be rebuilt or re-read; removing it only costs time. What is in it decides what a deploy
sends or skips, so nothing another local user could have written is trusted: entries are written 0600 in
directories made 0700, and read only when they are regular files of this user that nobody else can write
(`read_private`). An entry that fails that is treated as missing.
"""

from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path


def cache_dir() -> Path:
    """CANDLEFISH_CACHE_DIR, else $XDG_CACHE_HOME/candlefish, else ~/.cache/candlefish (made private)."""
    explicit = os.environ.get("CANDLEFISH_CACHE_DIR")
    root = Path(explicit) if explicit else Path(os.environ.get("XDG_CACHE_HOME", "~/.cache")).expanduser() / "candlefish"
    root.mkdir(parents=True, exist_ok=True, mode=0o700)
    return root


def write_atomically(path: Path, data: str | bytes) -> bool:
    """Write `path` whole or not at all (a private temporary file renamed over it). Best effort: a cache that
    cannot be written only costs time, so False is returned instead of raising."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
        with os.fdopen(handle, "wb") as stream:
            stream.write(data.encode("utf-8") if isinstance(data, str) else data)
        os.replace(temporary, path)
    except OSError:
        return False
    return True


def read_private(path: Path) -> bytes | None:
    """The bytes of `path` if it is a regular file of this user that group and others cannot write, opened
    without following a symbolic link; None when it is missing or fails any of that."""
    try:
        descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except OSError:
        return None
    info = os.fstat(descriptor)
    ours = not hasattr(os, "getuid") or info.st_uid == os.getuid()
    if not stat.S_ISREG(info.st_mode) or info.st_mode & 0o022 or not ours:
        os.close(descriptor)
        return None
    with os.fdopen(descriptor, "rb") as stream:
        return stream.read()
