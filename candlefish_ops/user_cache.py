"""The per-user cache directory: built Lambda@Edge packages, template summaries, verified no-op records.

Everything in it can be rebuilt or re-read; removing it only costs time.
"""

from __future__ import annotations

import os
from pathlib import Path


def cache_dir() -> Path:
    """CANDLEFISH_CACHE_DIR, else $XDG_CACHE_HOME/candlefish, else ~/.cache/candlefish (made private)."""
    explicit = os.environ.get("CANDLEFISH_CACHE_DIR")
    root = Path(explicit) if explicit else Path(os.environ.get("XDG_CACHE_HOME", "~/.cache")).expanduser() / "candlefish"
    root.mkdir(parents=True, exist_ok=True, mode=0o700)
    return root


def write_atomically(path: Path, text: str) -> bool:
    """Best effort (a cache that cannot be written only costs time): False when it could not be written."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        partial = path.with_name(f".{path.name}.{os.getpid()}")
        partial.write_text(text)
        os.replace(partial, path)
    except OSError:
        return False
    return True
