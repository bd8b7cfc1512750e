"""Release records: what each edge release deployed (function -> S3 key, CodeSha256, version, time).

Kept as JSON objects in the us-east-1 artifacts bucket under edge/releases/ENV/, named by a sequence
number, the UTC time and a digest, so listing them gives the history in order and any machine can roll
back. (Releases of one edge stack never race: CloudFormation runs one operation per stack at a time.)
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Mapping

from candlefish_ops.errors import ValidationError

EDGE_REGION = "us-east-1"


@dataclass(frozen=True)
class FunctionRecord:
    key: str
    code_sha256: str
    version_arn: str = ""
    size: int = 0


@dataclass(frozen=True)
class Release:
    release_id: str
    time: str
    functions: Mapping[str, FunctionRecord] = field(default_factory=dict)
    note: str = ""

    def same_code(self, other: "Release | None") -> bool:
        return other is not None and {n: f.code_sha256 for n, f in self.functions.items()} == {
            n: f.code_sha256 for n, f in other.functions.items()}

    def to_json(self) -> bytes:
        document = {"release": self.release_id, "time": self.time, "note": self.note,
                    "functions": {name: vars(record) for name, record in sorted(self.functions.items())}}
        return (json.dumps(document, indent=2, sort_keys=True) + "\n").encode("utf-8")

    @classmethod
    def from_json(cls, data: bytes) -> "Release":
        document = json.loads(data)
        functions = {name: FunctionRecord(**record) for name, record in document["functions"].items()}
        return cls(document["release"], document["time"], functions, document.get("note", ""))


def new_release(functions: Mapping[str, FunctionRecord], sequence: int, note: str = "",
                now: datetime | None = None) -> Release:
    """A record numbered `sequence` (its place in the history: ids sort in release order whatever the
    clocks of the machines that deployed), with the UTC time and a digest of the code."""
    moment = (now or datetime.now(timezone.utc)).astimezone(timezone.utc)
    digest = hashlib.sha256("".join(f"{n}={f.code_sha256};" for n, f in sorted(functions.items())).encode())
    release_id = f"{sequence:06d}-{moment:%Y%m%dT%H%M%SZ}-{digest.hexdigest()[:8]}"
    return Release(release_id, moment.isoformat(timespec="seconds"), dict(functions), note)


class ReleaseLog:
    """The records of one environment, in its artifacts bucket."""

    def __init__(self, artifacts, environment: str) -> None:
        self._artifacts = artifacts
        self._prefix = f"edge/releases/{environment}/"

    def ids(self, create: bool = False) -> list[str]:
        bucket = self._artifacts.bucket(EDGE_REGION, create=create)
        from candlefish_ops.errors import NotFoundError

        try:
            keys = self._artifacts.s3(EDGE_REGION).keys(bucket, self._prefix)
        except NotFoundError:
            return []
        return [key[len(self._prefix):-len(".json")] for key in keys if key.endswith(".json")]

    def read(self, release_id: str) -> Release:
        bucket = self._artifacts.bucket(EDGE_REGION, create=False)
        return Release.from_json(self._artifacts.s3(EDGE_REGION).get_bytes(bucket, f"{self._prefix}{release_id}.json"))

    def latest(self) -> Release | None:
        ids = self.ids()
        return self.read(ids[-1]) if ids else None

    def write(self, release: Release) -> None:
        bucket = self._artifacts.bucket(EDGE_REGION)
        self._artifacts.s3(EDGE_REGION).put_bytes(bucket, f"{self._prefix}{release.release_id}.json",
                                                  release.to_json(), "application/json")

    def find(self, wanted: str | None) -> Release:
        """The named release (an id or a unique prefix of one), else the one before the latest different code."""
        ids = self.ids()
        if not ids:
            raise ValidationError("no edge release is recorded for this environment yet: deploy one first")
        if wanted:
            matches = [i for i in ids if i.startswith(wanted)]
            if len(matches) != 1:
                raise ValidationError(f"--to {wanted!r} matches {len(matches)} releases; "
                                      f"recorded: {', '.join(ids[-5:])}")
            return self.read(matches[0])
        current = self.read(ids[-1])
        for release_id in reversed(ids[:-1]):
            candidate = self.read(release_id)
            if not candidate.same_code(current):
                return candidate
        raise ValidationError("only one edge release is recorded: there is nothing to roll back to")
