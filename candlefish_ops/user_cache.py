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


CACHE_DIR_ENV = "CANDLEFISH_CACHE_DIR"


def cache_root(configured: str | None = None) -> Path:
    """$CANDLEFISH_CACHE_DIR, else `configured` (an environment's `reports.cache_dir`), else
    $XDG_CACHE_HOME/candlefish (an empty one counts as unset), else ~/.cache/candlefish."""
    explicit = os.environ.get(CACHE_DIR_ENV) or configured
    if explicit:
        return Path(explicit).expanduser()
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "candlefish"


def cache_dir() -> Path:
    """`cache_root()`, made (private) if missing."""
    root = cache_root()
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
    if why_untrusted(os.fstat(descriptor), current_user()):
        os.close(descriptor)
        return None
    with os.fdopen(descriptor, "rb") as stream:
        return stream.read()


def current_user() -> int | None:
    return os.getuid() if hasattr(os, "getuid") else None


def why_untrusted(info: os.stat_result, owner: int | None, directory: bool = False) -> str | None:
    """Why a cache directory or entry must not be trusted (None: it may be): the wrong kind of file, another
    owner than `owner`, or an entry group or others can write."""
    if directory and not stat.S_ISDIR(info.st_mode):
        return "it is not a directory (a symbolic link or a file)"
    if not directory and not stat.S_ISREG(info.st_mode):
        return "it is not a regular file"
    if owner is not None and info.st_uid != owner:
        return f"it is owned by uid {info.st_uid}, not by you (uid {owner})"
    if not directory and info.st_mode & 0o022:
        return f"group or others can write it (mode {stat.S_IMODE(info.st_mode):04o})"
    return None
