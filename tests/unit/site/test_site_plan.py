"""The pure parts of `candlefish site`: classes and headers, upload order, invalidation paths, prune."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from candlefish_ops.site.config import SiteConfig
from candlefish_ops.errors import ValidationError
from candlefish_ops.site.files import Build, LocalFile, key_problem
from candlefish_ops.site.headers import classify, content_type, headers_for
from candlefish_ops.site.plan import (
    FileRecord,
    Release,
    RemoteObject,
    collapse,
    invalidation_paths,
    parse_duration,
    prune_items,
    records_for,
    uploads_for,
)

CONFIG = SiteConfig()
NOW = datetime(2026, 12, 3, 12, 0, tzinfo=timezone.utc)


def _file(key: str, body: str = "x") -> LocalFile:
    kind, headers = headers_for(key, CONFIG)
    return LocalFile(key, key, len(body), f"sha-{key}-{body}", kind, headers)


def _build(*files: LocalFile) -> Build:
    return Build("site", files)


def _release(build: Build) -> Release:
    return Release("000001", NOW, records_for(build, {}))


@pytest.mark.parametrize("key, kind", [
    ("index.html", "entry"), ("docs/a.htm", "entry"), ("site.webmanifest", "entry"), ("sw.js", "entry"),
    ("_next/static/chunks/main.js", "immutable"), ("static/js/main.3f2a9c1b.js", "immutable"),
    ("assets/index-BXk3s9Qa.js", "immutable"), ("chunk.0a1b2c3d4e5f.css", "immutable"),
    ("photo-20240101.jpg", "other"), ("MyComponent2.js", "other"), ("favicon.ico", "other"),
    ("abcdefgh.js", "other"), ("index.3f2a9c1b.html", "entry"),
])
def test_classes(key, kind):
    assert classify(key, CONFIG) == kind


@pytest.mark.parametrize("key, expected", [
    ("a.wasm", "application/wasm"), ("a.glb", "model/gltf-binary"), ("a.gltf", "model/gltf+json"),
    ("a.ktx2", "image/ktx2"), ("a.avif", "image/avif"), ("a.webmanifest", "application/manifest+json; charset=utf-8"),
    ("a.woff2", "font/woff2"), ("a.webp", "image/webp"), ("a.mjs", "text/javascript; charset=utf-8"),
    ("a.css", "text/css; charset=utf-8"), ("a.png", "image/png"), ("noext", "application/octet-stream"),
    ("A.WASM", "application/wasm"),
])
def test_content_types_need_no_system_table(key, expected):
    assert content_type(key, CONFIG) == expected


def test_config_content_types_and_globs_win():
    config = SiteConfig(content_types={".wasm": "application/x-custom"}, fingerprinted=("media/**",),
                        entry_points=("data/*.json",))
    assert content_type("x.wasm", config) == "application/x-custom"
    assert classify("media/logo.png", config) == "immutable" and classify("data/feed.json", config) == "entry"


@pytest.mark.parametrize("key, problem", [
    ("a#b.html", "contains #"), ("a\x01.js", "control character"), ("a\\b", "contains \\"),
    ("_candlefish/x", "release records"), ("ok/é.html", None), ("vendors~main.js", None), ("a b.html", None),
])
def test_key_problems(key, problem):
    found = key_problem(key)
    assert (found is None) if problem is None else (problem in found)


def test_uploads_go_assets_then_fixed_names_then_pages_and_headers_alone_are_a_copy():
    page, asset, icon, other = _file("index.html"), _file("_next/static/a.js"), _file("favicon.ico"), _file("robots.txt")
    build = _build(page, asset, icon, other)
    remote = {"robots.txt": RemoteObject("robots.txt", other.size, "e", NOW, other.sha256,
                                         other.headers.__class__("text/plain", "no-cache")),
              "favicon.ico": RemoteObject("favicon.ico", icon.size, "e", NOW, icon.sha256, icon.headers)}
    uploads, updates = uploads_for(build, remote)
    assert [u.file.key for u in uploads] == ["_next/static/a.js", "index.html"]
    assert [(u.file.key, u.reason) for u in updates] == [("robots.txt", "headers")]


def test_invalidation_is_changed_fixed_names_only_with_folder_urls():
    before = _build(_file("index.html"), _file("docs/index.html"), _file("a.3f2a9c1b.css"), _file("logo.png"))
    after = _build(_file("index.html", "v2"), _file("docs/index.html"), _file("a.9e8d7c6b.css"),
                   _file("logo.png", "v2"), _file("new.html"))
    paths = invalidation_paths(records_for(after, {}), _release(before), wildcard_at=10)
    assert paths == ("/", "/index.html", "/logo.png")
    assert invalidation_paths(records_for(after, {}), None, 10) == ()


def test_collapse_to_wildcards_when_cheaper():
    paths = [f"/blog/{n}.html" for n in range(5)] + ["/about.html"]
    assert collapse(paths, 5) == ("/about.html", "/blog/*")
    assert collapse(paths, 6) == tuple(sorted(paths))
    many = [f"/f{n}/{m}.html" for n in range(7) for m in range(3)]
    assert collapse(many, 3) == ("/*",)          # more folders than MAX_WILDCARDS: one /*


def test_prune_by_last_reference_and_grace():
    build = _build(_file("index.html"))
    listed = {key: RemoteObject(key, 1, "e", NOW - timedelta(days=30)) for key in
              ("index.html", "old.css", "recent.css", "unknown.css", "_candlefish/site/entries/abc")}
    referenced = {"old.css": NOW - timedelta(days=8), "recent.css": NOW - timedelta(days=6)}
    items = {i.key: i.prune for i in prune_items(build, listed, referenced, NOW, timedelta(days=7))}
    assert items == {"old.css": True, "recent.css": False, "unknown.css": False}   # unknown: not candlefish's


@pytest.mark.parametrize("text, seconds", [("7d", 604800), ("12h", 43200), ("30m", 1800), ("2w", 1209600), ("0s", 0)])
def test_durations(text, seconds):
    assert parse_duration(text) == timedelta(seconds=seconds)


@pytest.mark.parametrize("text", ["7", "7 days", "-1d", "d"])
def test_bad_durations(text):
    with pytest.raises(ValidationError):
        parse_duration(text)


def test_records_keep_etags():
    build = _build(_file("index.html"))
    assert records_for(build, {"index.html": "abc"})["index.html"] == FileRecord(
        build.files[0].sha256, 1, "entry", build.files[0].headers, "abc")
