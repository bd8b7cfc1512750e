"""Invalidation paths: the rules CloudFront enforces (and moto does not), checked before any call.

A path starts with `/`, may end with one `*` (a wildcard: everything under that prefix) and nowhere else,
and is at most 4,000 characters once URL-encoded. Characters outside RFC 1738's safe set (spaces, non-ASCII)
are percent-encoded as CloudFront asks; control characters are refused. Duplicates, and paths a wildcard of
the same request already covers, are dropped: each path sent is billed once the month's free 1,000 are used.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import quote

from candlefish_ops.echo import quoted
from candlefish_ops.errors import ValidationError

MAX_PATH_LENGTH = 4000
MAX_FILE_PATHS_IN_PROGRESS = 3000
MAX_WILDCARDS_IN_PROGRESS = 15
_SAFE = "/*?&=;:@!$'()+,~%-._"
_LONE_PERCENT = re.compile(r"%(?![0-9A-Fa-f]{2})")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


@dataclass(frozen=True)
class Dropped:
    path: str
    reason: str


@dataclass(frozen=True)
class PathSet:
    """The paths to send, in the order given, and the ones left out with why."""

    paths: tuple[str, ...]
    dropped: tuple[Dropped, ...] = ()

    @property
    def wildcards(self) -> int:
        return sum(1 for path in self.paths if is_wildcard(path))

    @property
    def files(self) -> int:
        return len(self.paths) - self.wildcards


def is_wildcard(path: str) -> bool:
    return path.endswith("*")


def covers(wildcard: str, path: str) -> bool:
    """True when the wildcard `wildcard` (`/images/*`) invalidates `path` too."""
    return is_wildcard(wildcard) and path != wildcard and path.startswith(wildcard[:-1])


def normalise(text: str, where: str) -> str:
    """One path as CloudFront wants it (raises ValidationError naming `where` and the fix)."""
    path = text.strip()
    if not path:
        raise ValidationError(f"{where}: empty path; give paths such as /index.html or /images/*")
    if _CONTROL.search(path):
        raise ValidationError(f"{where}: path {quoted(path)} contains a control character; remove it")
    if not path.startswith("/"):
        raise ValidationError(f"{where}: path {quoted(path)} must start with '/' (for example /{path.lstrip('./')})")
    if "*" in path[:-1]:
        raise ValidationError(f"{where}: path {quoted(path)} has '*' before its end; CloudFront allows one '*', "
                              "only as the last character (for example /images/*)")
    try:
        encoded = quote(_LONE_PERCENT.sub("%25", path), safe=_SAFE)
    except UnicodeEncodeError as error:  # undecodable bytes from the shell (surrogate escapes)
        raise ValidationError(f"{where}: path {quoted(path)} is not valid text ({error.reason}); "
                              "percent-encode its bytes") from error
    if len(encoded) > MAX_PATH_LENGTH:
        raise ValidationError(f"{where}: path is {len(encoded)} characters once encoded, over CloudFront's "
                              f"{MAX_PATH_LENGTH}; invalidate a shorter prefix with a wildcard")
    return encoded


def build(entries: list[tuple[str, str]]) -> PathSet:
    """Normalise every (text, where) entry, then drop duplicates and paths another wildcard covers.

    Every entry is checked before anything is decided, and all problems are reported together."""
    problems, normalised = [], []
    for text, where in entries:
        try:
            normalised.append(normalise(text, where))
        except ValidationError as error:
            problems.append(str(error))
    if problems:
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        raise ValidationError(f"{problems[0]}{more}; nothing was invalidated")
    if not normalised:
        raise ValidationError("no paths given; pass paths such as /index.html or /images/*, or --file FILE")
    return _without_redundant(normalised)


def _without_redundant(paths: list[str]) -> PathSet:
    wildcards = [path for path in dict.fromkeys(paths) if is_wildcard(path)]
    kept, dropped, seen = [], [], set()
    for path in paths:
        if path in seen:
            dropped.append(Dropped(path, "duplicate"))
            continue
        seen.add(path)
        cover = next((w for w in wildcards if covers(w, path)), None)
        if cover is not None:
            dropped.append(Dropped(path, f"covered by {cover}"))
        else:
            kept.append(path)
    return PathSet(tuple(kept), tuple(dropped))


def read_file(text: str, name: str) -> list[tuple[str, str]]:
    """Paths from a file's text: one per line; blank lines and `#` comments skipped."""
    entries = []
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if stripped and not stripped.startswith("#"):
            entries.append((stripped, f"{name} line {number}"))
    return entries
