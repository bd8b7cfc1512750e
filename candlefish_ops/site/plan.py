"""Plan a site release: what to upload and in which order, which headers to fix, which paths to invalidate,
what to prune. Pure: the service reads the build, the bucket and the release records, and hands them here.

- Uploads: a file whose bytes (SHA-256 kept in the object's metadata) or headers differ from the object in
  the bucket. A header-only difference is an in-place copy, not an upload.
- Order: `immutable` files, then `other` fixed names, then `entry` points (HTML, manifests): a page never
  names an asset that is not there yet.
- Invalidation: the fixed-name files (`entry`, `other`) whose bytes or headers differ from the last complete
  release, so a re-run after a crash still invalidates what the crashed run uploaded; a folder's
  `index.html` is also its folder URL. Many paths in one folder become `FOLDER/*` (one billed path).
- Prune: objects absent from the build that no release has referenced for longer than the grace period
  (objects no release ever had are not candlefish's, and are left alone).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Mapping

from candlefish_ops.errors import ValidationError
from candlefish_ops.site.files import RESERVED_PREFIX, Build, LocalFile
from candlefish_ops.site.headers import Headers

PHASES = ("immutable", "other", "entry")
MAX_WILDCARDS = 5   # of CloudFront's 15 in progress per distribution; more becomes one /*
_DURATION = re.compile(r"^(\d+)\s*([smhdw])$")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


@dataclass(frozen=True)
class RemoteObject:
    """An object of the bucket as listed, with what is known of its content (None: not ours / unknown)."""

    key: str
    size: int
    etag: str
    last_modified: datetime
    sha256: str | None = None
    headers: Headers | None = None


@dataclass(frozen=True)
class FileRecord:
    """One file of a release, as recorded (the ETag lets the next run trust the record without a HEAD)."""

    sha256: str
    size: int
    kind: str
    headers: Headers
    etag: str = ""


@dataclass(frozen=True)
class Release:
    release_id: str
    time: datetime
    files: Mapping[str, FileRecord]
    changed: tuple[str, ...] = ()
    invalidation_id: str = ""
    invalidation_paths: tuple[str, ...] = ()
    referenced: Mapping[str, datetime] = field(default_factory=dict)   # key -> last release that had it
    pruned: tuple[str, ...] = ()
    note: str = ""
    project: str = ""
    environment: str = ""


@dataclass(frozen=True)
class Upload:
    file: LocalFile
    reason: str            # new | changed | headers (copy in place)


@dataclass(frozen=True)
class PruneItem:
    key: str
    last_referenced: datetime | None   # None: no release ever had it (not candlefish's: never pruned)
    prune: bool                        # False: within the grace period, or not candlefish's (kept, listed)


@dataclass(frozen=True)
class SitePlan:
    environment: str
    bucket: str
    distribution_id: str
    build: Build
    previous: str | None                  # the last complete release
    uploads: tuple[Upload, ...]           # in PHASES order
    header_updates: tuple[Upload, ...]
    changed: tuple[str, ...]              # keys that differ from the previous release
    invalidation: tuple[str, ...]         # paths (before the cdn planner's encoding and redundancy checks)
    prune: tuple[PruneItem, ...] = ()
    grace: timedelta | None = None

    @property
    def upload_bytes(self) -> int:
        return sum(item.file.size for item in self.uploads)

    @property
    def deletes(self) -> tuple[str, ...]:
        return tuple(item.key for item in self.prune if item.prune)

    @property
    def empty(self) -> bool:
        return not (self.uploads or self.header_updates or self.invalidation or self.deletes)

    def phase(self, name: str) -> tuple[Upload, ...]:
        return tuple(item for item in self.uploads if item.file.kind == name)


def parse_duration(text: str) -> timedelta:
    """`7d`, `12h`, `30m`, `90s`, `2w`."""
    match = _DURATION.match(text.strip().lower())
    if not match:
        raise ValidationError(f"--prune-after {text!r}: give a number and a unit, such as 7d, 12h or 30m")
    return timedelta(seconds=int(match.group(1)) * _UNITS[match.group(2)])


def uploads_for(build: Build, remote: Mapping[str, RemoteObject]) -> tuple[tuple[Upload, ...], tuple[Upload, ...]]:
    """(uploads in phase order, header-only updates) to make the bucket hold the build."""
    uploads, updates = [], []
    for item in build.files:
        there = remote.get(item.key)
        if there is None:
            uploads.append(Upload(item, "new"))
        elif there.sha256 != item.sha256 or there.size != item.size:
            uploads.append(Upload(item, "changed"))
        elif there.headers != item.headers:
            updates.append(Upload(item, "headers"))
    order = {name: index for index, name in enumerate(PHASES)}
    uploads.sort(key=lambda upload: (order[upload.file.kind], upload.file.key))
    return tuple(uploads), tuple(updates)


def changed_since(files: Mapping[str, FileRecord], previous: Release | None) -> tuple[str, ...]:
    """Keys whose bytes or headers differ from the previous release (new keys included)."""
    before = previous.files if previous else {}
    return tuple(key for key, record in sorted(files.items())
                 if key not in before or before[key].sha256 != record.sha256 or before[key].headers != record.headers)


def invalidation_paths(files: Mapping[str, FileRecord], previous: Release | None, wildcard_at: int) -> tuple[str, ...]:
    """The CloudFront paths to invalidate: fixed-name files that existed in the previous release and differ
    (new names were never cached; content-hashed names are new names)."""
    if previous is None:
        return ()
    keys = [key for key in changed_since(files, previous) if key in previous.files and files[key].kind != "immutable"]
    paths: list[str] = []
    for key in keys:
        paths.append("/" + key)
        if key == "index.html" or key.endswith("/index.html"):
            paths.append("/" + key[: -len("index.html")])
    return collapse(sorted(dict.fromkeys(paths)), wildcard_at)


def collapse(paths: list[str], wildcard_at: int) -> tuple[str, ...]:
    """Replace the paths of a folder with `FOLDER/*` when it has `wildcard_at` or more (a wildcard is billed
    as one path); more than MAX_WILDCARDS folders, or the root itself, becomes `/*`."""
    by_folder: dict[str, list[str]] = {}
    for path in paths:
        folder = path[: path.rstrip("/").rfind("/") + 1] if path != "/" else "/"
        by_folder.setdefault(folder, []).append(path)
    wild = sorted(folder for folder, items in by_folder.items() if len(items) >= wildcard_at)
    if "/" in wild or len(wild) > MAX_WILDCARDS:
        return ("/*",)
    kept = [path for path in paths if not any(path.startswith(folder) for folder in wild)]
    return tuple(sorted(kept + [folder + "*" for folder in wild]))


def prune_items(build: Build, listed: Mapping[str, RemoteObject], referenced: Mapping[str, datetime],
                now: datetime, grace: timedelta) -> tuple[PruneItem, ...]:
    """Objects of the bucket absent from the build, with the last time a release referenced them; those
    older than `grace` are pruned. An object no release ever recorded was not published by candlefish (put
    there by hand or another tool): it is listed, never deleted."""
    keep = {item.key for item in build.files}
    items = []
    for key in sorted(listed):
        if key in keep or key.startswith(RESERVED_PREFIX):
            continue
        last = referenced.get(key)
        items.append(PruneItem(key, last, last is not None and now - last > grace))
    return tuple(items)


def next_referenced(files: Mapping[str, FileRecord], previous: Release | None, listed: Mapping[str, object],
                    now: datetime, pruned: tuple[str, ...] = ()) -> dict[str, datetime]:
    """The release's `referenced` map: every file of the release now; older keys keep their time while the
    object is still in the bucket."""
    referenced = {key: when for key, when in (previous.referenced if previous else {}).items()
                  if key in listed and key not in pruned}
    referenced.update({key: now for key in files})
    return referenced


def records_for(build: Build, etags: Mapping[str, str]) -> dict[str, FileRecord]:
    return {item.key: FileRecord(item.sha256, item.size, item.kind, item.headers, etags.get(item.key, ""))
            for item in build.files}


def same_content(files: Mapping[str, FileRecord], release: Release | None) -> bool:
    """True when the release recorded exactly these files (same keys, bytes and headers)."""
    return release is not None and set(release.files) == set(files) and not changed_since(files, release)
