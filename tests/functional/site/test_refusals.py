"""What `candlefish site publish` refuses, with one line and nothing uploaded; large files in parts;
pre-compressed siblings by config."""

from __future__ import annotations

import os
import unicodedata

import pytest

from tests.functional.site.test_publish import FIRST


def _refused(world, *more: str) -> str:
    result = world.run("site", "publish", "staging", str(world.build), "--yes", *more)
    assert result.exit_code == 1, result.stdout + result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and result.stderr.startswith("error: ")
    assert world.keys() == set() and world.records() == []
    return result.stderr


def test_a_folder_without_index_html_is_refused(site_world):
    site_world.write({"about.html": "<html></html>", "app.js": "1"})
    assert "no index.html at the top of the folder" in _refused(site_world)


def test_a_symlink_leaving_the_folder_is_refused_one_inside_is_published(site_world, tmp_path):
    site_world.write(FIRST)
    (tmp_path / "secret.txt").write_text("password")
    os.symlink(tmp_path / "secret.txt", site_world.build / "leak.txt")
    assert "leak.txt: a symbolic link to" in _refused(site_world)

    (site_world.build / "leak.txt").unlink()
    os.symlink(site_world.build / "favicon.ico", site_world.build / "favicon-copy.ico")
    site_world.publish()
    assert site_world.body("favicon-copy.ico") == FIRST["favicon.ico"]


@pytest.mark.parametrize("name, why", [
    ("page#1.html", "contains #"),
    ("what?.html", "contains ?"),
    ("a%20b.css", "contains %"),
    (unicodedata.normalize("NFD", "café.html"), "not in Unicode NFC"),
    ("_candlefish/site/releases/x.json", "where candlefish keeps its release records"),
    ("LONG", "over S3's 1024-byte key limit"),
], ids=["hash", "question-mark", "percent", "nfd", "reserved", "long"])
def test_names_s3_or_cloudfront_would_mangle_are_refused(site_world, name, why):
    if name == "LONG":   # one file name is at most 255 bytes on Linux: a deep path instead
        name = "/".join(["d" * 200] * 6) + "/a.js"
    site_world.write({**FIRST, name: "x"})
    assert why in _refused(site_world)


def test_a_bucket_holding_another_environments_site_is_refused(site_world):
    site_world.write(FIRST)
    site_world.put_record("_candlefish/site/releases/000001-20260101T000000Z-00000000.json", {
        "release": "000001-20260101T000000Z-00000000", "time": "2026-01-01T00:00:00+00:00",
        "project": "candlefish", "environment": "production", "files": {}, "referenced": {}})
    result = site_world.run("site", "publish", "staging", str(site_world.build), "--yes")
    assert result.exit_code == 1 and "holds the site of candlefish production" in result.stderr
    assert site_world.keys() == set()


def test_large_files_go_up_in_parts_and_compare_by_content_hash_not_etag(site_world):
    site_world.write_config("site:\n  multipart_threshold_mb: 5\n")
    site_world.write({**FIRST, "video/intro.mp4": os.urandom(6 * 1024 * 1024)})
    site_world.publish()
    head = site_world.head("video/intro.mp4")
    assert head["ETag"].strip('"').endswith("-2") and head["ContentType"] == "video/mp4"   # multipart ETag

    assert site_world.publish()["uploads"] == []


def test_precompressed_siblings_are_skipped_or_served_with_their_encoding(site_world):
    site_world.write({**FIRST, "assets/index-BXk3s9Qa.js.br": b"\x1b\x0b", "assets/index-BXk3s9Qa.js.gz": b"\x1f\x8b",
                      "downloads/data.tar.gz": b"\x1f\x8b"})
    data = site_world.publish()
    assert sorted(data["skipped_precompressed"]) == ["assets/index-BXk3s9Qa.js.br", "assets/index-BXk3s9Qa.js.gz"]
    assert "downloads/data.tar.gz" in site_world.keys()          # no sibling: an ordinary file
    assert not {"assets/index-BXk3s9Qa.js.br", "assets/index-BXk3s9Qa.js.gz"} & site_world.keys()

    site_world.write_config("site:\n  precompressed: serve\n")
    site_world.publish()
    head = site_world.head("assets/index-BXk3s9Qa.js.br")
    assert (head["ContentEncoding"], head["ContentType"], head["CacheControl"]) == (
        "br", "text/javascript; charset=utf-8", "public, max-age=31536000, immutable")
    assert site_world.head("assets/index-BXk3s9Qa.js.gz")["ContentEncoding"] == "gzip"


def test_a_protected_environment_asks_and_a_non_interactive_run_without_yes_changes_nothing(site_world, monkeypatch):
    monkeypatch.setenv("CANDLEFISH_CONFIRM_LOCAL", "1")  # the emulator is on loopback: rehearse as on AWS
    site_world.write_config("protected: true\n")
    site_world.write(FIRST)
    result = site_world.run("site", "publish", "staging", str(site_world.build))
    assert result.exit_code == 1 and "refusing without --yes" in result.stderr
    assert site_world.keys() == set()
    assert site_world.run("site", "publish", "staging", str(site_world.build), "--plan").exit_code == 0
    assert site_world.run("site", "publish", "staging", str(site_world.build), "--yes").exit_code == 0
    assert site_world.keys() == set(FIRST)
