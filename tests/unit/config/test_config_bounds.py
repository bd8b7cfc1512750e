"""The environment file loader has bounds: file size, alias expansion, recursion; and it says what is wrong
with a path that cannot be read (a symlink loop is not a missing file)."""

from __future__ import annotations

import os
import time

import pytest

from candlefish_ops.config import load_environment
from candlefish_ops.config.reader import MAX_EXPANDED, MAX_FILE_BYTES
from candlefish_ops.errors import ConfigError
from tests.unit.config.test_config import GOOD, write_env


def refused(config, match: str) -> str:
    """Load staging, expect a one-line ConfigError matching `match` within well under a second."""
    started = time.monotonic()
    with pytest.raises(ConfigError, match=match) as raised:
        load_environment(config, "staging")
    assert time.monotonic() - started < 1.0
    message = str(raised.value)
    assert "staging.yaml" in message and "\n" not in message and len(message) < 300
    return message


def test_one_big_string_aliased_ten_thousand_times_is_refused_before_it_is_built(tmp_path):
    """The issue's file: 160 KB, a 100 KB string aliased 10,000 times in a list parameter (1 GB joined)."""
    aliases = ", ".join(["*big"] * 9_999)
    body = f"project: demo\nstacks:\n  a:\n    template: t.yaml\n    parameters:\n      Name: [&big {'a' * 100_000}, {aliases}]\n"
    config = write_env(tmp_path, body)
    assert (config / "staging.yaml").stat().st_size < MAX_FILE_BYTES
    message = refused(config, "aliases expanded")
    assert "line 6" in message and f"{MAX_EXPANDED:,}" in message


def test_nested_aliases_billion_laughs_are_refused(tmp_path):
    lines = ["project: demo", "stacks: {a: {template: t.yaml, parameters: {Name: x}}}", "tags:",
             "  l0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    lines += [f"  l{n}: &l{n} [{', '.join([f'*l{n - 1}'] * 9)}]" for n in range(1, 10)]
    refused(write_env(tmp_path, "\n".join(lines) + "\n"), "aliases expanded")


def test_a_recursive_anchor_is_refused(tmp_path):
    refused(write_env(tmp_path, "project: demo\nstacks: &s {a: *s}\n"), "recursive anchor")


def test_a_file_over_the_size_bound_is_refused_before_parsing(tmp_path):
    tags = "".join(f"  Tag{number:06d}: value-{number:06d}\n" for number in range(12_000))
    config = write_env(tmp_path, GOOD + "tags:\n" + tags)
    assert (config / "staging.yaml").stat().st_size > MAX_FILE_BYTES
    refused(config, f"larger than {MAX_FILE_BYTES // 1024} KiB")


def test_ordinary_anchors_and_merge_keys_still_work(tmp_path):
    body = ("project: demo\nstacks:\n  a: &base {template: t.yaml, parameters: {Name: x}}\n"
            "  b:\n    <<: *base\n    region: eu-west-1\n")
    env = load_environment(write_env(tmp_path, body), "staging")
    assert env.stacks["b"].regions == ("eu-west-1",) and env.stacks["b"].template.name == "t.yaml"


def test_a_symlink_loop_is_named_as_such_not_as_a_missing_file(tmp_path):
    config = write_env(tmp_path, GOOD)
    os.symlink("prod.yaml", config / "prod.yaml")
    message = refused_env(config, "prod")
    assert "symbolic link loop" in message and "no such environment file" not in message


def test_a_directory_named_like_an_environment_is_not_a_missing_file(tmp_path):
    config = write_env(tmp_path, GOOD)
    (config / "prod.yaml").mkdir()
    assert "is a directory" in refused_env(config, "prod")


def refused_env(config, name: str) -> str:
    with pytest.raises(ConfigError) as raised:
        load_environment(config, name)
    return str(raised.value)
