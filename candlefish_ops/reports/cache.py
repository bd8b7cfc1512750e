"""A per-user cache of Cost Explorer answers (each request is billed $0.01), so repeated runs are free.

One JSON file per request under `<cache dir>/cost-explorer/`, named by a hash of the request and of where
it was sent (endpoint, profile), holding the answer and when it was fetched. Entries older than the TTL
are ignored (and overwritten by the next fetch); `--refresh` skips reading them.

The cache decides what `report costs` prints, so it trusts nothing another local user could have written:
directories are created 0700 (whatever the umask) and `cost-explorer/` is tightened to 0700 when it is ours;
a directory or entry owned by someone else, writable by group or others, or a symbolic link is refused,
recorded in `refusals` (the report says so) and the answer asked of Cost Explorer instead.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
import time
from pathlib import Path
from typing import Any, Callable

from candlefish_ops.user_cache import cache_root, current_user, why_untrusted, write_atomically

PRUNE_AFTER_SECONDS = 7 * 24 * 3600
cache_directory = cache_root  # CANDLEFISH_CACHE_DIR, else the config's cache_dir, else the XDG cache (user_cache)


class AnswerCache:
    """get/put of JSON answers by (kind, request), valid for `ttl_seconds`; `owner` is the uid trusted (this
    process's user by default)."""

    def __init__(self, directory: Path, ttl_seconds: float, scope: str, clock: Callable[[], float] = time.time,
                 owner: int | None = None):
        self.directory = directory / "cost-explorer"
        self.ttl_seconds = ttl_seconds
        self.scope = scope
        self._clock = clock
        self.owner = owner if owner is not None else current_user()
        self.refusals: list[str] = []

    def _path(self, kind: str, request: dict[str, Any]) -> Path:
        text = json.dumps({"scope": self.scope, "kind": kind, "request": request}, sort_keys=True)
        return self.directory / f"{kind}-{hashlib.sha256(text.encode()).hexdigest()[:32]}.json"

    def get(self, kind: str, request: dict[str, Any]) -> tuple[Any, float] | None:
        """(answer, age in seconds) when a fresh, trusted entry exists, else None (corrupt entries count as none)."""
        if not self._trusted_directory():
            return None
        try:
            entry = json.loads(self._read_trusted(self._path(kind, request)) or "null")
            age = self._clock() - float(entry["fetched_at"])
        except (OSError, ValueError, KeyError, TypeError):
            return None
        if age < 0 or age > self.ttl_seconds:
            return None
        return entry["answer"], age

    def put(self, kind: str, request: dict[str, Any], answer: Any) -> None:
        """Store atomically (a crash never leaves half a file); a read-only cache dir is not an error."""
        path = self._path(kind, request)
        entry = {"fetched_at": self._clock(), "kind": kind, "request": request, "answer": answer}
        try:
            _make_private_directories(self.directory)
            if not self._trusted_directory():
                return
            if write_atomically(path, json.dumps(entry)):
                self._prune()
        except OSError:
            return

    def _refuse(self, what: Path, why: str) -> None:
        message = (f"cost cache: ignored {what}: {why}; asked Cost Explorer instead (remove it, and check who "
                   "can write to the cache directory)")
        if message not in self.refusals:
            self.refusals.append(message)

    def _trusted_directory(self) -> bool:
        """`cost-explorer/` is a real directory of ours that nobody else can write (tightened if needed)."""
        try:
            info = os.lstat(self.directory)
        except OSError:
            return True  # nothing cached yet: reads miss, put() creates it
        why = why_untrusted(info, self.owner, directory=True)
        if why:
            self._refuse(self.directory, why)
            return False
        if stat.S_IMODE(info.st_mode) != 0o700:
            os.chmod(self.directory, 0o700)
        return True

    def _read_trusted(self, path: Path) -> str | None:
        """The entry's text, if it is a regular file of ours that others cannot write; None otherwise."""
        try:
            descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
        except FileNotFoundError:
            return None
        except OSError:
            self._refuse(path, "it is a symbolic link or cannot be opened")
            return None
        with os.fdopen(descriptor, encoding="utf-8") as stream:
            why = why_untrusted(os.fstat(stream.fileno()), self.owner, directory=False)
            if why:
                self._refuse(path, why)
                return None
            return stream.read()

    def _prune(self) -> None:
        """Forget entries no run can use any more (older than the TTL and than a week)."""
        horizon = self._clock() - max(self.ttl_seconds, PRUNE_AFTER_SECONDS)
        for stale in self.directory.glob("*.json"):
            if stale.stat().st_mtime < horizon:
                stale.unlink(missing_ok=True)


def _make_private_directories(directory: Path) -> None:
    """Create `directory` and its missing parents with mode 0700, whatever the umask."""
    missing = []
    for path in (directory, *directory.parents):
        if path.exists():
            break
        missing.append(path)
    for path in reversed(missing):
        try:
            path.mkdir(mode=0o700)
        except FileExistsError:
            continue
        os.chmod(path, 0o700)


class NoCache(AnswerCache):
    """For runs whose answers must not be kept (a fresh emulator each run under --local)."""

    def __init__(self) -> None:
        super().__init__(Path("."), 0, "none")

    def get(self, kind: str, request: dict[str, Any]) -> None:
        return None

    def put(self, kind: str, request: dict[str, Any], answer: Any) -> None:
        return None
