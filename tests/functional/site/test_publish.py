"""`candlefish site publish` through the CLI against the emulator, read back through S3 and CloudFront."""

from __future__ import annotations

FIRST = {
    "index.html": "<html><link href='/_next/static/css/app.3f2a9c1b.css'><script src='/assets/index-BXk3s9Qa.js'></script></html>",
    "docs/index.html": "<html>docs</html>",
    "_next/static/css/app.3f2a9c1b.css": "body{color:red}",
    "assets/index-BXk3s9Qa.js": "console.log(1)",
    "models/ship.glb": b"glTF\x02\x00\x00\x00",
    "models/ship.gltf": '{"asset": {"version": "2.0"}}',
    "textures/hull.ktx2": b"\xabKTX 20\xbb",
    "img/hero.avif": b"\x00\x00\x00\x1cftypavif",
    "app.wasm": b"\x00asm\x01\x00\x00\x00",
    "site.webmanifest": '{"name": "candlefish"}',
    "favicon.ico": b"\x00\x00\x01\x00",
}


def test_first_publish_uploads_everything_with_the_right_headers(site_world):
    site_world.write(FIRST)
    data = site_world.publish()

    assert site_world.keys() == set(FIRST)
    assert data["uploaded"] == len(FIRST) and data["release"] and data["invalidation_id"] is None
    expected = {
        "index.html": ("text/html; charset=utf-8", "public, max-age=0, s-maxage=300, must-revalidate"),
        "_next/static/css/app.3f2a9c1b.css": ("text/css; charset=utf-8", "public, max-age=31536000, immutable"),
        "assets/index-BXk3s9Qa.js": ("text/javascript; charset=utf-8", "public, max-age=31536000, immutable"),
        "models/ship.glb": ("model/gltf-binary", "public, max-age=3600"),
        "models/ship.gltf": ("model/gltf+json", "public, max-age=3600"),
        "textures/hull.ktx2": ("image/ktx2", "public, max-age=3600"),
        "img/hero.avif": ("image/avif", "public, max-age=3600"),
        "app.wasm": ("application/wasm", "public, max-age=3600"),
        "site.webmanifest": ("application/manifest+json; charset=utf-8",
                             "public, max-age=0, s-maxage=300, must-revalidate"),
    }
    for key, (content_type, cache_control) in expected.items():
        head = site_world.head(key)
        assert (head["ContentType"], head["CacheControl"]) == (content_type, cache_control), key
        assert len(head["Metadata"]["sha256"]) == 64
    assert site_world.body("index.html") == FIRST["index.html"].encode()
    assert site_world.invalidations() == []   # nothing was cached before the first release


def test_second_publish_of_the_same_build_is_a_no_op(site_world):
    site_world.write(FIRST)
    site_world.publish()
    versions_before = site_world.s3.list_object_versions(Bucket=site_world.bucket)["Versions"]
    records = site_world.records()

    data = site_world.publish()

    assert data["uploads"] == [] and data["header_changes"] == [] and data["uploaded"] == 0
    assert data["invalidation"]["paths"] == [] and data["invalidation_id"] is None
    assert data["release"] is None and site_world.records() == records
    assert len(site_world.s3.list_object_versions(Bucket=site_world.bucket)["Versions"]) == len(versions_before)
    assert site_world.invalidations() == []


def test_changed_css_and_its_html_upload_two_objects_and_invalidate_only_the_html(site_world):
    site_world.write(FIRST)
    site_world.publish()
    (site_world.build / "_next/static/css/app.3f2a9c1b.css").unlink()
    site_world.write({"_next/static/css/app.9e8d7c6b.css": "body{color:blue}",
                      "index.html": FIRST["index.html"].replace("3f2a9c1b", "9e8d7c6b")})

    data = site_world.publish()

    assert [(u["key"], u["reason"]) for u in data["uploads"]] == [
        ("_next/static/css/app.9e8d7c6b.css", "new"), ("index.html", "changed")]   # the asset before the page
    [invalidation] = site_world.invalidations()
    assert sorted(invalidation["InvalidationBatch"]["Paths"]["Items"]) == ["/", "/index.html"]
    assert data["invalidation_id"] == invalidation["Id"]
    assert b"9e8d7c6b" in site_world.body("index.html")
    assert "_next/static/css/app.3f2a9c1b.css" in site_world.keys()   # old asset kept for cached pages
    [*_, latest] = site_world.records()
    record = site_world.record(latest)
    assert record["changed"] == ["_next/static/css/app.9e8d7c6b.css", "index.html"]
    assert record["invalidation"]["id"] == invalidation["Id"]


def test_plan_shows_everything_and_changes_nothing(site_world):
    site_world.write(FIRST)
    site_world.publish()
    site_world.write({"index.html": "<html>v2</html>", "docs/index.html": "<html>docs v2</html>", "new.txt": "hi"})
    before = {key: site_world.head(key)["ETag"] for key in site_world.keys()}
    records = site_world.records()

    data = site_world.publish("--plan", "--prune-after", "7d")

    assert data["planned"] is True
    assert sorted(u["key"] for u in data["uploads"]) == ["docs/index.html", "index.html", "new.txt"]
    assert data["invalidation"]["paths"] == ["/", "/docs/", "/docs/index.html", "/index.html"]
    assert data["prune"]["delete"] == [] and data["prune"]["kept_in_grace"] == []
    assert {key: site_world.head(key)["ETag"] for key in site_world.keys()} == before
    assert site_world.records() == records and site_world.invalidations() == []


def test_many_changed_pages_in_one_folder_become_one_wildcard(site_world):
    pages = {f"blog/post-{n}.html": f"<html>{n}</html>" for n in range(6)}
    site_world.write({**FIRST, **pages})
    site_world.publish()
    site_world.write({key: body + "<!-- v2 -->" for key, body in pages.items()})

    data = site_world.publish()

    assert data["invalidation"]["paths"] == ["/blog/*"]   # wildcard_at: 4 in the test config; billed as one path
    [invalidation] = site_world.invalidations()
    assert invalidation["InvalidationBatch"]["Paths"]["Items"] == ["/blog/*"]


def test_header_change_from_config_is_a_copy_in_place_and_invalidated(site_world):
    site_world.write(FIRST)
    site_world.publish()
    site_world.write_config("site:\n  cache_control:\n    other: public, max-age=600\n")

    data = site_world.publish()

    assert data["uploads"] == []
    assert sorted(h["key"] for h in data["header_changes"]) == [
        "app.wasm", "favicon.ico", "img/hero.avif", "models/ship.glb", "models/ship.gltf", "textures/hull.ktx2"]
    assert site_world.head("app.wasm")["CacheControl"] == "public, max-age=600"
    assert site_world.head("app.wasm")["Metadata"]["sha256"]
    assert "/app.wasm" in data["invalidation"]["paths"]


def test_a_prefix_puts_the_build_where_the_distribution_serves_the_bucket(site_world):
    """The edge stack serves the static-assets bucket at /static/*: with site.prefix static/ the files are
    published under static/, classified by their own paths, and invalidated at the paths viewers use."""
    site_world.write_config("site:\n  wildcard_at: 4\n  prefix: static/\n")
    site_world.write(FIRST)
    result = site_world.run("site", "publish", "staging", str(site_world.build), "-o", "json")
    assert result.exit_code == 0, result.stderr
    assert "viewers would not get the published files" not in result.stderr
    assert site_world.keys() == {f"static/{key}" for key in FIRST}
    head = site_world.head("static/_next/static/css/app.3f2a9c1b.css")
    assert head["CacheControl"] == "public, max-age=31536000, immutable"

    site_world.write({"index.html": FIRST["index.html"] + "<!-- v2 -->"})
    data = site_world.publish()
    assert sorted(data["invalidation"]["paths"]) == ["/static/", "/static/index.html"]


def test_publishing_where_the_distribution_does_not_serve_the_bucket_warns_with_the_fix(site_world):
    site_world.write(FIRST)
    result = site_world.run("site", "publish", "staging", str(site_world.build), "--plan")
    assert result.exit_code == 0, result.stderr
    assert ("serves bucket" in result.stderr and "at /static/*, not at /: viewers would not get the published files"
            in result.stderr and "set site.prefix: static/" in result.stderr)
