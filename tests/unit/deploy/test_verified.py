"""The verified no-op records: one file per stack, only the recorded revision answers, never a crash."""

from __future__ import annotations

from candlefish_ops.deploy.verified import VerifiedNoOps


def test_only_the_recorded_revision_of_a_stack_has_a_digest(tmp_path):
    records = VerifiedNoOps(tmp_path)
    records.remember("arn:stack/a/1@t1", "d1")
    assert records.digest("arn:stack/a/1@t1") == "d1"
    assert records.digest("arn:stack/a/1@t2") is None  # updated since
    assert records.digest("arn:stack/b/2@t1") is None  # another stack
    records.remember("arn:stack/a/1@t2", "d2")  # the newer revision replaces the record
    assert records.digest("arn:stack/a/1@t1") is None and records.digest("arn:stack/a/1@t2") == "d2"
    assert len(list(tmp_path.iterdir())) == 1


def test_a_damaged_or_unwritable_cache_only_costs_the_read(tmp_path):
    records = VerifiedNoOps(tmp_path)
    records.remember("arn:stack/a/1@t1", "d1")
    next(tmp_path.iterdir()).write_text("{not json")
    assert records.digest("arn:stack/a/1@t1") is None
    blocked = tmp_path / "file"
    blocked.write_text("")
    VerifiedNoOps(blocked / "sub").remember("arn:stack/a/1@t1", "d1")  # no exception
    assert VerifiedNoOps(blocked / "sub").digest("arn:stack/a/1@t1") is None
