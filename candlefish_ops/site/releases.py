"""Release records of a site, kept in its own bucket under `_candlefish/site/` so that any machine can
compare, prune and roll back:

- `_candlefish/site/releases/<seq>-<time>-<digest>.json`: one per complete release (written last, after the
  uploads and the invalidation): every file with its SHA-256, size, class, headers and ETag, the keys that
  changed, the invalidation, and `referenced` (each key -> the last release that had it: the prune clock).
- `_candlefish/site/entries/<sha256>`: a copy of each fixed-name file's bytes, so `rollback` can put an
  earlier release's pages back whatever the bucket's versioning.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timezone

from candlefish_ops.errors import ValidationError
from candlefish_ops.site.headers import Headers
from candlefish_ops.site.plan import FileRecord, Release

PREFIX = "_candlefish/site/"
RELEASES = PREFIX + "releases/"
ENTRIES = PREFIX + "entries/"


def entry_copy_key(sha256: str) -> str:
    return ENTRIES + sha256


def release_id(sequence: int, now: datetime, files: dict[str, FileRecord]) -> str:
    digest = hashlib.sha256("".join(f"{k}={f.sha256};{f.headers};" for k, f in sorted(files.items())).encode())
    return f"{sequence:06d}-{now.astimezone(timezone.utc):%Y%m%dT%H%M%SZ}-{digest.hexdigest()[:8]}"


def to_json(release: Release) -> bytes:
    document = {
        "release": release.release_id, "time": release.time.isoformat(timespec="seconds"),
        "project": release.project, "environment": release.environment, "note": release.note,
        "changed": list(release.changed),
        "invalidation": {"id": release.invalidation_id, "paths": list(release.invalidation_paths)},
        "pruned": list(release.pruned),
        "files": {key: {"sha256": f.sha256, "size": f.size, "kind": f.kind, "etag": f.etag, **f.headers.as_dict()}
                  for key, f in sorted(release.files.items())},
        "referenced": {key: when.isoformat(timespec="seconds") for key, when in sorted(release.referenced.items())},
    }
    return (json.dumps(document, indent=1, sort_keys=False) + "\n").encode("utf-8")


def from_json(data: bytes) -> Release:
    document = json.loads(data)
    files = {key: FileRecord(f["sha256"], f["size"], f["kind"],
                             Headers(f["content_type"], f["cache_control"], f.get("content_encoding", "")),
                             f.get("etag", ""))
             for key, f in document["files"].items()}
    return Release(
        release_id=document["release"], time=datetime.fromisoformat(document["time"]), files=files,
        changed=tuple(document.get("changed", ())),
        invalidation_id=(document.get("invalidation") or {}).get("id", "") or "",
        invalidation_paths=tuple((document.get("invalidation") or {}).get("paths", ())),
        referenced={key: datetime.fromisoformat(when) for key, when in document.get("referenced", {}).items()},
        pruned=tuple(document.get("pruned", ())), note=document.get("note", ""),
        project=document.get("project", ""), environment=document.get("environment", ""))


class SiteReleaseLog:
    """The records in one bucket (a SiteBucket)."""

    def __init__(self, bucket) -> None:
        self._bucket = bucket

    def ids(self) -> list[str]:
        return sorted(item.key[len(RELEASES):-len(".json")] for item in self._bucket.list(RELEASES)
                      if item.key.endswith(".json"))

    def read(self, release: str) -> Release:
        return from_json(self._bucket.get_bytes(f"{RELEASES}{release}.json"))

    def latest(self, ids: list[str] | None = None) -> Release | None:
        ids = self.ids() if ids is None else ids
        return self.read(ids[-1]) if ids else None

    def write(self, release: Release) -> None:
        self._bucket.put_bytes(f"{RELEASES}{release.release_id}.json", to_json(release), "application/json")

    def find(self, wanted: str | None, ids: list[str]) -> Release:
        """The named release (an id or a unique prefix), else the newest one whose fixed-name files differ
        from the latest's."""
        if not ids:
            raise ValidationError("no site release is recorded for this environment yet: publish one first "
                                  "(candlefish site publish ENV DIR)")
        if wanted:
            matches = [i for i in ids if i.startswith(wanted)]
            if len(matches) != 1:
                raise ValidationError(f"--to {wanted!r} matches {len(matches)} releases; recorded: "
                                      f"{', '.join(ids[-5:])} (candlefish site releases ENV)")
            return self.read(matches[0])
        current = _entries(self.read(ids[-1]))
        for candidate_id in reversed(ids[:-1]):
            candidate = self.read(candidate_id)
            if _entries(candidate) != current:
                return candidate
        raise ValidationError("no earlier site release has different pages: there is nothing to roll back to")


def _entries(release: Release) -> dict[str, tuple[str, Headers]]:
    return {key: (f.sha256, f.headers) for key, f in release.files.items() if f.kind != "immutable"}
