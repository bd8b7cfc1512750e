"""Release records: ordered by sequence whatever the clock, and rollback's choice of target."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from candlefish_ops.edge.releases import FunctionRecord, ReleaseLog, new_release
from candlefish_ops.errors import ValidationError


class MemoryS3:
    """The three S3 calls the log makes, over a dict (a fixture, standing in for the artifacts bucket)."""

    def __init__(self) -> None:
        self.objects: dict[str, bytes] = {}

    def keys(self, bucket, prefix):
        return sorted(k for k in self.objects if k.startswith(prefix))

    def get_bytes(self, bucket, key):
        return self.objects[key]

    def put_bytes(self, bucket, key, body, content_type=""):
        self.objects[key] = body


class MemoryArtifacts:
    def __init__(self) -> None:
        self.store = MemoryS3()

    def bucket(self, region, create=True):
        return "artifacts"

    def s3(self, region):
        return self.store


def _release(log, sequence, sha, clock):
    release = new_release({"viewer_request": FunctionRecord("edge/viewer_request/x.zip", sha)}, sequence, now=clock)
    log.write(release)
    return release


def test_rollback_target_is_the_latest_release_with_other_code_even_within_one_second():
    log = ReleaseLog(MemoryArtifacts(), "staging")
    same_second = datetime(2026, 12, 3, 8, 0, 0, tzinfo=timezone.utc)
    first = _release(log, 1, "AAA", same_second)
    second = _release(log, 2, "BBB", same_second)
    _release(log, 3, "BBB", same_second)  # a re-record of the same code
    assert log.ids()[0] == first.release_id and log.ids()[1] == second.release_id
    assert log.find(None).release_id == first.release_id
    assert log.find("000002").release_id == second.release_id
    with pytest.raises(ValidationError, match="matches 3 releases"):
        log.find("0000")


def test_nothing_to_roll_back_to_is_a_clear_error():
    log = ReleaseLog(MemoryArtifacts(), "staging")
    with pytest.raises(ValidationError, match="no edge release is recorded"):
        log.find(None)
    _release(log, 1, "AAA", None)
    with pytest.raises(ValidationError, match="nothing to roll back to"):
        log.find(None)
