"""Invalidation paths: CloudFront's rules, encoding, and redundant paths dropped."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from candlefish_ops.cdn import paths
from candlefish_ops.errors import ValidationError


def build(*texts: str):
    return paths.build([(text, f"argument {index}") for index, text in enumerate(texts, start=1)])


@pytest.mark.parametrize(("text", "expected"), [
    ("/index.html", "/index.html"),
    ("  /images/*  ", "/images/*"),
    ("/*", "/*"),
    ("/search?q=a&page=2", "/search?q=a&page=2"),
    ("/docs/a file.html", "/docs/a%20file.html"),
    ("/café/menu", "/caf%C3%A9/menu"),
    ("/already%20encoded", "/already%20encoded"),
    ("/100%", "/100%25"),
    ("/a#b", "/a%23b"),
])
def test_paths_are_normalised_and_encoded(text, expected):
    assert paths.normalise(text, "argument 1") == expected


@pytest.mark.parametrize(("text", "message"), [
    ("", "empty path"),
    ("index.html", "must start with '/' (for example /index.html)"),
    ("/images/*/thumbs", "'*' before its end"),
    ("/a**", "'*' before its end"),
    ("/evil\r\nX-Injected: 1", "control character"),
    ("/" + "a" * 4000, "over CloudFront's 4000"),
    ("/" + "é" * 1400, "over CloudFront's 4000"),  # 1,401 characters, 8,401 once encoded
])
def test_bad_paths_are_refused_with_the_fix(text, message):
    with pytest.raises(ValidationError, match="argument 1") as error:
        paths.normalise(text, "argument 1")
    assert message in str(error.value)


def test_every_bad_path_is_counted_and_nothing_is_sent():
    with pytest.raises(ValidationError) as error:
        build("/ok", "bad", "/x*y")
    message = str(error.value)
    assert message.startswith("argument 2:") and "(and 1 more)" in message and "nothing was invalidated" in message


def test_no_paths_is_an_error():
    with pytest.raises(ValidationError, match="no paths given"):
        paths.build([])


def test_duplicates_and_covered_paths_are_dropped_with_the_reason():
    request = build("/index.html", "/images/a.png", "/images/*", "/index.html", "/images/thumbs/*", "/imagesX")
    assert request.paths == ("/index.html", "/images/*", "/imagesX")
    assert [(d.path, d.reason) for d in request.dropped] == [
        ("/images/a.png", "covered by /images/*"), ("/index.html", "duplicate"),
        ("/images/thumbs/*", "covered by /images/*")]
    assert (request.files, request.wildcards) == (2, 1)


def test_root_wildcard_covers_everything():
    request = build("/a", "/b/*", "/*")
    assert request.paths == ("/*",)


def test_file_reading_skips_blanks_and_comments_and_names_lines():
    entries = paths.read_file("# deploy 42\n/index.html\n\n  /app.js  \n", "paths.txt")
    assert entries == [("/index.html", "paths.txt line 2"), ("/app.js", "paths.txt line 4")]


@given(st.lists(st.text(min_size=1, max_size=40).map(lambda s: "/" + s.replace("*", "")), min_size=1, max_size=20),
       st.lists(st.sampled_from(["/*", "/a*", "/a/*", "/b/c*"]), max_size=3))
def test_kept_paths_are_unique_uncovered_and_valid(plain, wildcards):
    entries = [(text, f"argument {i}") for i, text in enumerate(plain + wildcards)]
    try:
        request = paths.build(entries)
    except ValidationError as error:
        assert "control character" in str(error)
        return
    assert len(set(request.paths)) == len(request.paths)
    assert not any(paths.covers(w, p) for w in request.paths for p in request.paths)
    assert len(request.paths) + len(request.dropped) == len(entries)
    for path in request.paths:
        assert path.startswith("/") and "*" not in path[:-1] and len(path) <= paths.MAX_PATH_LENGTH
        assert all(33 <= ord(c) < 127 for c in path)


def test_undecodable_shell_bytes_are_refused_not_crashed():
    with pytest.raises(ValidationError, match="not valid text"):
        paths.normalise(b"/caf\xe9".decode("utf-8", "surrogateescape"), "argument 1")
