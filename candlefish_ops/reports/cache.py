"""A per-user cache of Cost Explorer answers (each request is billed $0.01), so repeated runs are free.

One JSON file per request under `<cache dir>/cost-explorer/`, named by a hash of the request and of where
it was sent (endpoint, profile), holding the answer and when it was fetched. Entries older than the TTL
are ignored (and overwritten by the next fetch); `--refresh` skips reading them.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import time
from pathlib import Path
from typing import Any, Callable

CACHE_DIR_ENV = "CANDLEFISH_CACHE_DIR"
PRUNE_AFTER_SECONDS = 7 * 24 * 3600


def cache_directory(configured: str | None = None) -> Path:
    """CANDLEFISH_CACHE_DIR, else the config's cache_dir, else $XDG_CACHE_HOME/candlefish or ~/.cache/candlefish."""
    explicit = os.environ.get(CACHE_DIR_ENV) or configured
    if explicit:
        return Path(explicit).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "candlefish"


class AnswerCache:
    """get/put of JSON answers by (kind, request), valid for `ttl_seconds`."""

    def __init__(self, directory: Path, ttl_seconds: float, scope: str, clock: Callable[[], float] = time.time):
        self.directory = directory / "cost-explorer"
        self.ttl_seconds = ttl_seconds
        self.scope = scope
        self._clock = clock

    def _path(self, kind: str, request: dict[str, Any]) -> Path:
        text = json.dumps({"scope": self.scope, "kind": kind, "request": request}, sort_keys=True)
        return self.directory / f"{kind}-{hashlib.sha256(text.encode()).hexdigest()[:32]}.json"

    def get(self, kind: str, request: dict[str, Any]) -> tuple[Any, float] | None:
        """(answer, age in seconds) when a fresh entry exists, else None (corrupt entries count as none)."""
        path = self._path(kind, request)
        try:
            entry = json.loads(path.read_text(encoding="utf-8"))
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
            self.directory.mkdir(parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(dir=self.directory, suffix=".tmp")
            with os.fdopen(handle, "w", encoding="utf-8") as stream:
                json.dump(entry, stream)
            os.replace(temporary, path)
            self._prune()
        except OSError:
            return

    def _prune(self) -> None:
        """Forget entries no run can use any more (older than the TTL and than a week)."""
        horizon = self._clock() - max(self.ttl_seconds, PRUNE_AFTER_SECONDS)
        for stale in self.directory.glob("*.json"):
            if stale.stat().st_mtime < horizon:
                stale.unlink(missing_ok=True)


class NoCache(AnswerCache):
    """For runs whose answers must not be kept (a fresh emulator each run under --local)."""

    def __init__(self) -> None:
        super().__init__(Path("."), 0, "none")

    def get(self, kind: str, request: dict[str, Any]) -> None:
        return None

    def put(self, kind: str, request: dict[str, Any], answer: Any) -> None:
        return None
