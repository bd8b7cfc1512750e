"""The user cache trusts only what this user wrote: private files, no symbolic links, nothing others can write."""

from __future__ import annotations

import os
import stat

from candlefish_ops.user_cache import read_private, write_atomically


def test_entries_are_written_whole_and_private_and_read_back(tmp_path):
    path = tmp_path / "deep" / "entry.json"
    assert write_atomically(path, "{}") and write_atomically(path, b"[1]")
    assert read_private(path) == b"[1]"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) & 0o077 == 0
    assert [p.name for p in path.parent.iterdir()] == ["entry.json"]  # no temporary left behind


def test_what_another_user_could_have_written_is_not_trusted(tmp_path):
    writable = tmp_path / "writable.json"
    writable.write_text("{}")
    os.chmod(writable, 0o666)
    assert read_private(writable) is None
    target = tmp_path / "target.json"
    write_atomically(target, "{}")
    (tmp_path / "link.json").symlink_to(target)
    assert read_private(tmp_path / "link.json") is None
    assert read_private(tmp_path / "missing.json") is None
    assert read_private(tmp_path) is None  # a directory


def test_a_verified_record_others_could_write_is_ignored(tmp_path):
    from candlefish_ops.deploy.verified import VerifiedNoOps

    records = VerifiedNoOps(tmp_path)
    records.remember("arn:stack/a/1@t1", "d1")
    [record] = tmp_path.iterdir()
    assert records.digest("arn:stack/a/1@t1") == "d1"
    os.chmod(record, 0o664)
    assert records.digest("arn:stack/a/1@t1") is None  # so the template is read back instead


def test_one_cache_root_for_every_cache_and_an_empty_xdg_variable_counts_as_unset(monkeypatch, tmp_path):
    from pathlib import Path

    from candlefish_ops.reports.cache import cache_directory
    from candlefish_ops.user_cache import cache_root

    monkeypatch.delenv("CANDLEFISH_CACHE_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", "")
    assert cache_root() == Path.home() / ".cache" / "candlefish"  # was a relative "candlefish" for packages
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert cache_root() == cache_directory() == tmp_path / "candlefish"
