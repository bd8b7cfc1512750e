"""The Cost Explorer answer cache: TTL, scope, corrupt files, the cache directory's resolution."""

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
