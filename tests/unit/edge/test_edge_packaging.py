"""Edge packaging (pure parts and the builder): deterministic bytes, the generated config, the plan."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from candlefish_ops.edge.config import EdgeInputs, config_bytes, edge_config, load_base
from candlefish_ops.edge.functions import FUNCTIONS, RUNTIME, select
from candlefish_ops.edge.plan import Artifact, release_changes, release_parameters
from candlefish_ops.errors import ValidationError

ROOT = Path(__file__).resolve().parents[3]
INPUTS = EdgeInputs(environment="staging", domain="example.org", aliases=("example.org", "www.example.org"),
                    originals_bucket="orig-123", originals_region="us-east-1", optimized_bucket="opt-123",
                    optimized_region="eu-west-1", api_default="us.execute-api.example",
                    api_by_region={"us-east-1": "us.execute-api.example", "eu-west-1": "eu.execute-api.example"})


def test_the_template_declares_the_runtime_the_packager_compiles_for():
    class Loader(yaml.SafeLoader):
        pass

    Loader.add_multi_constructor("!", lambda loader, suffix, node: None)
    template = yaml.load((ROOT / "templates" / "edge.yaml").read_text(), Loader=Loader)
    for function in FUNCTIONS:
        props = template["Resources"][f"{function.resource}Function"]["Properties"]
        assert props["Runtime"] == RUNTIME and props["Architectures"] == ["x86_64"]
        version = template["Resources"][f"{function.resource}Version"]
        assert version["UpdateReplacePolicy"] == "Retain" and version["DeletionPolicy"] == "Retain"
        assert f"{function.key_parameter}" in template["Parameters"]


def test_generated_config_names_the_environment_and_nothing_of_the_repositorys_domain():
    config = edge_config(load_base(), INPUTS)
    text = json.dumps(config)
    assert "candlefish.ai" not in text
    assert config["cors"]["allowed_origins"] == ["https://example.org", "https://www.example.org"]
    assert config["images"]["originals_bucket"] == "orig-123"
    assert config["images"]["optimized_region"] == "eu-west-1"
    assert config["routing"]["api_origins"] == {"us": "us.execute-api.example", "eu": "eu.execute-api.example",
                                                "ap": "us.execute-api.example"}  # no AP region: the default
    assert "https://api.example.org" in config["security_headers"]["content-security-policy"]
    assert config_bytes(config) == config_bytes(edge_config(load_base(), INPUTS))


def test_release_changes_compare_with_the_deployed_parameters():
    artifacts = [Artifact(f, f.s3_key("a" * 64), f"sha-{f.name}", 10) for f in FUNCTIONS]
    deployed = {"ViewerRequestCodeSha256": "sha-viewer_request", "OriginRequestCodeSha256": "old"}
    changes = {c.name: c.status for c in release_changes(artifacts, deployed)}
    assert changes == {"viewer_request": "unchanged", "origin_request": "changed", "viewer_response": "new",
                       "origin_response": "new", "image_optimizer": "new"}
    parameters = release_parameters("bucket", artifacts)
    assert parameters["ArtifactsBucket"] == "bucket"
    assert parameters["ImageOptimizerCodeKey"] == "edge/image_optimizer/" + "a" * 64 + ".zip"


def test_unknown_function_names_are_refused():
    assert [f.name for f in select(["image_optimizer"])] == ["image_optimizer"]
    with pytest.raises(ValidationError, match="unknown edge function 'viewer'"):
        select(["viewer"])


def test_packages_are_byte_identical_across_builds_and_caches(tmp_path):
    from candlefish_ops.edge.package import Packager
    from candlefish_ops.edge.runtime import runtime_python
    from candlefish_ops.edge.wheels import WheelCache

    config = config_bytes(edge_config(load_base(), INPUTS))
    built = []
    for run in ("one", "two"):
        cache = tmp_path / run
        packager = Packager(runtime_python(), cache, WheelCache(cache))
        built.append({f.name: packager.build(f, config).data for f in FUNCTIONS if not f.lock_file})
    assert built[0] == built[1]
    other = config_bytes(edge_config(load_base(), EdgeInputs(**{**vars(INPUTS), "originals_bucket": "x"})))
    packager = Packager(runtime_python(), tmp_path / "one", WheelCache(tmp_path / "one"))
    assert packager.build(FUNCTIONS[0], other).data != built[0]["viewer_request"]


def _no_runtime_python(monkeypatch, tmp_path):
    import sys

    from candlefish_ops.edge import runtime

    monkeypatch.delenv(runtime.ENV_VARIABLE, raising=False)
    monkeypatch.setenv("PATH", str(Path(sys.executable).parent))
    monkeypatch.setenv("PYENV_ROOT", str(tmp_path / "no-pyenv"))
    monkeypatch.setenv("UV_PYTHON_INSTALL_DIR", str(tmp_path / "no-uv"))
    return runtime


def test_without_the_runtimes_python_packaging_for_aws_is_refused_with_the_fix(monkeypatch, tmp_path):
    runtime = _no_runtime_python(monkeypatch, tmp_path)
    with pytest.raises(ValidationError, match=r"run on python3.12: packaging needs a Python 3.12 .* --python"):
        runtime.runtime_python()
    with pytest.raises(ValidationError, match="is not a working Python 3.12"):
        runtime.runtime_python("/bin/true")


def test_for_the_local_emulator_packages_fall_back_to_sources_checked_by_this_python(monkeypatch, tmp_path):
    import io
    import zipfile

    from candlefish_ops.edge.package import Packager
    from candlefish_ops.edge.wheels import WheelCache

    runtime = _no_runtime_python(monkeypatch, tmp_path)
    assert runtime.runtime_python(local_fallback=True) is None
    packager = Packager(None, tmp_path / "cache", WheelCache(tmp_path / "cache"))
    package = packager.build(FUNCTIONS[0], config_bytes(load_base()))
    names = zipfile.ZipFile(io.BytesIO(package.data)).namelist()
    assert names == ["edge_common.py", "edge_config.json", "handler.py"]


def test_a_functions_further_modules_are_zipped_beside_its_handler_and_import_checked(tmp_path):
    import dataclasses
    import io
    import zipfile

    from candlefish_ops.edge.functions import BY_NAME
    from candlefish_ops.edge.package import Packager
    from candlefish_ops.edge.wheels import WheelCache

    assert BY_NAME["image_optimizer"].modules == ("fast_paths.py",)
    sources_only = dataclasses.replace(BY_NAME["image_optimizer"], lock_file="")  # no wheels: no download
    packager = Packager(None, tmp_path / "cache", WheelCache(tmp_path / "cache"))
    package = packager.build(sources_only, config_bytes(load_base()))
    archive = zipfile.ZipFile(io.BytesIO(package.data))
    assert archive.namelist() == ["edge_common.py", "edge_config.json", "fast_paths.py", "handler.py"]
    assert archive.read("fast_paths.py") == (Path(__file__).resolve().parents[3] / "lambdas" / "image_optimizer"
                                              / "fast_paths.py").read_bytes()
    broken = dataclasses.replace(sources_only, modules=("fast_paths.py", "missing.py"))
    with pytest.raises(ValidationError, match=r"cannot read .*image_optimizer/missing.py"):
        packager.build(broken, config_bytes(load_base()))


def test_the_cache_keeps_each_zips_digest_and_drops_packages_unused_for_two_weeks(tmp_path):
    import hashlib
    import os
    import time

    from candlefish_ops.edge.package import UNUSED_FOR_LONG, Packager
    from candlefish_ops.edge.runtime import runtime_python
    from candlefish_ops.edge.wheels import WheelCache

    function = FUNCTIONS[0]
    packager = Packager(runtime_python(), tmp_path, WheelCache(tmp_path))
    configs = [config_bytes(edge_config(load_base(), EdgeInputs(**{**vars(INPUTS), "originals_bucket": name})))
               for name in ("a", "b", "c")]
    first = packager.build(function, configs[0])
    [zip_a] = (tmp_path / "packages").glob(f"{function.name}-*.zip")
    assert zip_a.with_suffix(".sha256").read_bytes() == hashlib.sha256(first.data).digest()
    again = packager.build(function, configs[0])  # from the cache: the digest is read, not computed
    assert (again.known_digest, again.sha256_hex, again.code_sha256) == (
        first.digest, first.sha256_hex, first.code_sha256)
    packager.build(function, configs[1])
    [zip_b] = set((tmp_path / "packages").glob(f"{function.name}-*.zip")) - {zip_a}
    long_ago = time.time() - UNUSED_FOR_LONG - 60
    os.utime(zip_a, (long_ago, long_ago))  # unused for over two weeks
    packager.build(function, configs[2])  # building another package prunes the stale one, and only it
    kept = {p.name for p in (tmp_path / "packages").glob(f"{function.name}-*")}
    assert zip_a.name not in kept and zip_a.with_suffix(".sha256").name not in kept
    assert zip_b.name in kept and len(kept) == 4
    assert packager.build(function, configs[0]).data == first.data  # rebuilt, byte-identical
