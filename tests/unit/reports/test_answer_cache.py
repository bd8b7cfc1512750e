"""The Cost Explorer answer cache: TTL, scope, corrupt files, the cache directory's resolution."""

import os
import stat

from candlefish_ops.reports.cache import AnswerCache, cache_directory


class Clock:
    def __init__(self):
        self.now = 1_000_000.0

    def __call__(self):
        return self.now


def test_fresh_entries_are_returned_with_their_age_and_expire(tmp_path):
    clock = Clock()
    cache = AnswerCache(tmp_path, ttl_seconds=3600, scope="aws|default", clock=clock)
    cache.put("usage", {"a": 1}, {"answer": 42})
    clock.now += 600
    assert cache.get("usage", {"a": 1}) == ({"answer": 42}, 600)
    assert cache.get("usage", {"a": 2}) is None and cache.get("forecast", {"a": 1}) is None
    clock.now += 3001
    assert cache.get("usage", {"a": 1}) is None


def test_scope_separates_accounts_and_corrupt_files_are_misses(tmp_path):
    AnswerCache(tmp_path, 3600, "aws|prod").put("usage", {"a": 1}, 1)
    assert AnswerCache(tmp_path, 3600, "http://127.0.0.1:4566|None").get("usage", {"a": 1}) is None
    for path in (tmp_path / "cost-explorer").glob("*.json"):
        path.write_text("{not json")
    assert AnswerCache(tmp_path, 3600, "aws|prod").get("usage", {"a": 1}) is None


def test_cache_directory_resolution(monkeypatch, tmp_path):
    monkeypatch.delenv("CANDLEFISH_CACHE_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache_directory() == tmp_path / "xdg" / "candlefish"
    assert cache_directory("/srv/cache") == __import__("pathlib").Path("/srv/cache")
    monkeypatch.setenv("CANDLEFISH_CACHE_DIR", str(tmp_path / "env"))
    assert cache_directory("/srv/cache") == tmp_path / "env"


def test_old_entries_are_pruned_on_write(tmp_path):
    import os

    clock = Clock()
    cache = AnswerCache(tmp_path, 3600, "aws", clock=clock)
    cache.put("usage", {"day": 1}, 1)
    old = next((tmp_path / "cost-explorer").glob("*.json"))
    os.utime(old, (clock.now - 8 * 24 * 3600, clock.now - 8 * 24 * 3600))
    cache.put("usage", {"day": 9}, 9)
    assert not old.exists() and len(list((tmp_path / "cost-explorer").glob("*.json"))) == 1


def test_entries_and_directories_not_owned_by_the_trusted_user_are_refused_and_reported(tmp_path):
    AnswerCache(tmp_path, 3600, "aws").put("usage", {"a": 1}, 42)
    stranger = AnswerCache(tmp_path, 3600, "aws", owner=os.getuid() + 1)   # files are owned by someone else
    assert stranger.get("usage", {"a": 1}) is None
    assert len(stranger.refusals) == 1 and "owned by uid" in stranger.refusals[0]
    stranger.put("usage", {"a": 1}, 0.11)                                   # nor written into their directory
    assert AnswerCache(tmp_path, 3600, "aws").get("usage", {"a": 1})[0] == 42


def test_a_symlinked_or_world_writable_entry_is_refused_and_a_loose_directory_tightened(tmp_path):
    cache = AnswerCache(tmp_path, 3600, "aws")
    cache.put("usage", {"a": 1}, 42)
    (entry,) = (tmp_path / "cost-explorer").glob("*.json")
    entry.chmod(0o622)
    assert cache.get("usage", {"a": 1}) is None and "mode 0622" in cache.refusals[-1]
    target = tmp_path / "elsewhere.json"
    target.write_text(entry.read_text())
    target.chmod(0o600)
    entry.unlink()
    entry.symlink_to(target)
    assert cache.get("usage", {"a": 1}) is None and "symbolic link" in cache.refusals[-1]
    (tmp_path / "cost-explorer").chmod(0o777)
    cache.put("usage", {"b": 1}, 7)
    assert stat.S_IMODE((tmp_path / "cost-explorer").stat().st_mode) == 0o700
    assert cache.get("usage", {"b": 1})[0] == 7


def test_missing_directories_are_created_0700_at_umask_000(tmp_path):
    previous = os.umask(0)
    try:
        AnswerCache(tmp_path / "a" / "b", 3600, "aws").put("usage", {"a": 1}, 1)
    finally:
        os.umask(previous)
    for directory in (tmp_path / "a", tmp_path / "a" / "b", tmp_path / "a" / "b" / "cost-explorer"):
        assert stat.S_IMODE(directory.stat().st_mode) == 0o700
