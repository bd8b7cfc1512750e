"""Verified no-ops: which stack revision's template was last read back equal to what a deploy would send.

The no-op check reads a stack (DescribeStacks), then its template (GetTemplate) and, in a protected
environment, its stack policy (GetStackPolicy). When the template matched, the stack's revision (its id and
LastUpdatedTime, `state.revision`) is recorded here with a digest of that template. The next deploy still
reads the stack, and while its revision is the recorded one (no update of any kind began since:
CloudFormation moves LastUpdatedTime with each) and the digest is that of the template it would send, the
template is not read again. A stack updated outside candlefish gets a new revision, so its template is read
again. The stack policy is read every time (SetStackPolicy moves no timestamp).

A per-user cache (one small file per stack, written atomically; a record another local user could have
written is ignored, `user_cache.read_private`): losing it only costs a GetTemplate.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from candlefish_ops.user_cache import cache_root, read_private, write_atomically


class VerifiedNoOps:
    def __init__(self, directory: Path | None = None) -> None:
        self.directory = directory or cache_root() / "deploy" / "verified"  # made on the first record

    def digest(self, revision: str) -> str | None:
        """The digest recorded for this revision of the stack (None: no record, or one of another revision)."""
        try:
            record = json.loads(read_private(self._path(revision)) or b"null")
        except ValueError:
            return None
        return record.get("digest") if isinstance(record, dict) and record.get("revision") == revision else None

    def remember(self, revision: str, digest: str) -> None:
        """Best effort: a cache that cannot be written costs the read next time, nothing else."""
        write_atomically(self._path(revision), json.dumps({"revision": revision, "digest": digest}))

    def _path(self, revision: str) -> Path:
        stack_id = revision.rpartition("@")[0]
        return self.directory / f"{hashlib.sha256(stack_id.encode()).hexdigest()[:32]}.json"
