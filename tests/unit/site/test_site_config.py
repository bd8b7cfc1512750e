"""The `site:` section: defaults, and every mistake a ConfigError naming the file and the key."""

from __future__ import annotations

import pytest

from candlefish_ops.config import load_environment
from candlefish_ops.site.config import DEFAULT_CACHE_CONTROL
from candlefish_ops.errors import ConfigError
from tests.unit.config.test_config import write_env

BASE = """
project: candlefish
stacks:
  storage:
    template: t.yaml
    parameters: {Name: a}
"""


def test_absent_section_gives_defaults(tmp_path):
    site = load_environment(write_env(tmp_path, BASE), "staging").site
    assert (site.storage_stack, site.edge_stack, site.precompressed, site.parallel) == ("storage", "edge", "skip", 8)
    assert dict(site.cache_control) == DEFAULT_CACHE_CONTROL


def test_values_are_read(tmp_path):
    body = BASE + """
site:
  storage_stack: storage
  precompressed: serve
  parallel: 16
  cache_control: {entry: "no-cache"}
  fingerprinted: ["media/**"]
  content_types: {".USDZ": model/vnd.usdz+zip}
"""
    site = load_environment(write_env(tmp_path, body), "staging").site
    assert site.precompressed == "serve" and site.parallel == 16 and site.fingerprinted == ("media/**",)
    assert site.cache_control["entry"] == "no-cache" and site.cache_control["immutable"].endswith("immutable")
    assert site.content_types == {".usdz": "model/vnd.usdz+zip"}


@pytest.mark.parametrize("section, where", [
    ("site: {colour: red}", "site.colour: unknown key"),
    ("site: {storage_stack: nope}", "site.storage_stack: 'nope' is not a stack of this file"),
    ("site: {precompressed: maybe}", "site.precompressed: 'maybe': must be skip or serve"),
    ("site: {parallel: 0}", "site.parallel: must be between 1 and 64"),
    ("site: {multipart_threshold_mb: 1}", "site.multipart_threshold_mb: must be between 5 and 5120"),
    ("site: {cache_control: {html: x}}", "site.cache_control.html: unknown key"),
    ("site: {cache_control: {entry: ''}}", "site.cache_control.entry: '' is not a valid Cache-Control value"),
    ("site: {content_types: {wasm: application/wasm}}", "site.content_types.wasm: 'wasm' is not a file extension"),
    ("site: {content_types: {.x: notatype}}", "site.content_types..x: 'notatype' is not a media type"),
    ("site: {fingerprinted: [/abs/**]}", "site.fingerprinted[0]: '/abs/**': give a glob relative"),
])
def test_mistakes_name_file_and_key(tmp_path, section, where):
    config = write_env(tmp_path, BASE + section + "\n")
    with pytest.raises(ConfigError) as error:
        load_environment(config, "staging")
    assert "staging.yaml" in str(error.value) and where in str(error.value)
