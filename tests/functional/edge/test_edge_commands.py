"""`candlefish edge status / rollback / releases / prune / package`, and the release's refusals: each bad
input is one line, and nothing is uploaded or changed."""

from __future__ import annotations

import io
import zipfile

from conftest import FUNCTIONS, code_sha256


def test_rollback_redeploys_the_previous_release_from_a_fresh_record(edge_world):
    edge_world.deploy()
    first = edge_world.stack_parameters()
    edge_world.edit("origin_response", "\n# release two\n")
    edge_world.deploy()
    assert edge_world.stack_parameters()["OriginResponseCodeSha256"] != first["OriginResponseCodeSha256"]

    listed = edge_world.run("edge", "releases", "staging", "-o", "json")
    assert listed.exit_code == 0, listed.stderr
    assert len(listed.json()["releases"]) == 2

    result = edge_world.run("edge", "rollback", "staging", "--yes", "-o", "json")
    assert result.exit_code == 0, result.stderr + result.stdout
    params = edge_world.stack_parameters()
    assert {k: params[k] for k in first if k.endswith("CodeSha256")} == {
        k: first[k] for k in first if k.endswith("CodeSha256")}
    # The distribution runs the previous code again: the associated version carries its CodeSha256.
    arn = edge_world.associations()[("*", "origin-response")]
    version = edge_world.aws.client("lambda").get_function_configuration(FunctionName=arn)
    assert version["CodeSha256"] == first["OriginResponseCodeSha256"]
    assert len(edge_world.run("edge", "releases", "staging", "-o", "json").json()["releases"]) == 3


def test_status_names_versions_behaviours_and_local_differences(edge_world):
    edge_world.deploy()
    result = edge_world.run("edge", "status", "staging", "-o", "json")
    assert result.exit_code == 0, result.stderr
    rows = {row["function"]: row for row in result.json()["functions"]}
    assert set(rows) == set(FUNCTIONS)
    assert rows["image_optimizer"]["used_by"] == ["/images/* origin-response"]
    assert "* viewer-response" in rows["viewer_response"]["used_by"]
    assert {row["local"] for row in rows.values()} == {"same"}
    assert all(row["code_sha256"] == row["stack_code_sha256"] for row in rows.values())

    edge_world.edit("viewer_request", "\n# local edit\n")
    rows = {row["function"]: row for row in edge_world.run("edge", "status", "staging", "-o", "json").json()["functions"]}
    assert rows["viewer_request"]["local"] == "differs"
    assert rows["origin_request"]["local"] == "same"


def test_package_writes_the_deployed_bytes(edge_world, tmp_path):
    edge_world.deploy()
    result = edge_world.run("edge", "package", "staging", "--out", tmp_path / "out", "-f", "viewer_request", "-o", "json")
    assert result.exit_code == 0, result.stderr
    (row,) = result.json()["packages"]
    data = (tmp_path / "out" / "viewer_request.zip").read_bytes()
    assert data == edge_world.package("viewer_request")
    assert row["code_sha256"] == code_sha256(data)
    unknown = edge_world.run("edge", "package", "staging", "-f", "viewer_requests")
    assert unknown.exit_code == 1 and "unknown edge function 'viewer_requests'" in unknown.stderr


def test_prune_skips_replicated_versions_and_deletes_the_rest(edge_world, monkeypatch):
    edge_world.deploy()
    for number in range(2):
        edge_world.edit("viewer_response", f"\n# release {number}\n")
        edge_world.deploy()
    assert len(edge_world.versions("viewer_response")) == 3
    associated = edge_world.associations()[("*", "viewer-response")]

    planned = edge_world.run("edge", "prune", "staging", "--keep", "0", "--dry-run", "-o", "json")
    assert [(v["function"], v["version"]) for v in planned.json()["versions"]] == [
        ("viewer_response", "1"), ("viewer_response", "2")]
    assert len(edge_world.versions("viewer_response")) == 3

    # Just detached from the distribution: CloudFront still holds replicas, AWS refuses; reported, not fatal.
    result = edge_world.run("edge", "prune", "staging", "--keep", "1", "-o", "json")
    assert result.exit_code == 0, result.stderr
    [(version, outcome)] = [(v["version"], v["result"]) for v in result.json()["versions"]]
    assert version == "1" and outcome.startswith("skipped:") and "replicated" in outcome
    assert len(edge_world.versions("viewer_response")) == 3

    monkeypatch.setenv("CANDLEFISH_EMULATOR_REPLICA_SECONDS", "0")  # hours later: replicas are gone
    result = edge_world.run("edge", "prune", "staging", "--keep", "1", "-o", "json")
    assert [(v["version"], v["result"]) for v in result.json()["versions"]] == [("1", "deleted")]
    assert [v["Version"] for v in edge_world.versions("viewer_response")] == ["2", "3"]
    assert edge_world.versions("viewer_response")[-1]["FunctionArn"] == associated
    # The associated version is never a candidate, whatever --keep says.
    assert edge_world.run("edge", "prune", "staging", "--keep", "0", "--dry-run", "-o", "json").json()["versions"] == [
        {"function": "viewer_response", "function_name": "staging-candlefish-edge-viewer-response", "version": "2",
         "arn": edge_world.versions("viewer_response")[0]["FunctionArn"], "result": "would delete"}]


def _nothing_deployed(edge_world) -> None:
    stacks = edge_world.aws.client("cloudformation").list_stacks()["StackSummaries"]
    assert [s for s in stacks if s["StackStatus"] != "DELETE_COMPLETE"] == []
    assert edge_world.aws.client("lambda").list_functions()["Functions"] == []


def test_an_edge_stack_outside_us_east_1_is_refused_before_anything(edge_world):
    edge_world.write_config(edge_region="eu-west-1")
    result = edge_world.run("deploy", "staging", "--yes")
    assert result.exit_code == 1
    assert "us-east-1" in result.stderr and "stacks.edge.region" in result.stderr
    _nothing_deployed(edge_world)


def test_a_viewer_package_over_1_mb_is_refused_before_anything(edge_world):
    import os

    noise = os.urandom(900_000).hex()  # incompressible enough: about 1.1 MB zipped
    edge_world.edit("viewer_request", f"\n_PADDING = '{noise}'\n")
    result = edge_world.run("deploy", "staging", "--yes")
    assert result.exit_code == 1
    line = result.stderr.strip().splitlines()[-1]
    assert "viewer_request" in line and "1,048,576-byte limit" in line
    _nothing_deployed(edge_world)


def test_a_handler_that_does_not_import_is_refused_before_anything(edge_world):
    edge_world.edit("origin_response", "\nimport requests_that_lambda_does_not_have\n")
    result = edge_world.run("deploy", "staging", "--yes")
    assert result.exit_code == 1
    line = result.stderr.strip().splitlines()[-1]
    assert "origin_response: handler fails to import under python3.12" in line
    assert "ModuleNotFoundError" in line
    _nothing_deployed(edge_world)


def test_a_wheel_that_cannot_be_fetched_is_refused_before_anything(edge_world, tmp_path, monkeypatch):
    monkeypatch.setenv("CANDLEFISH_CACHE_DIR", str(tmp_path / "empty-cache"))
    lock = edge_world.lambdas / "image_optimizer" / "requirements.lock"
    lock.write_text("pillow==13.0.0 --hash=sha256:" + "0" * 64 + "\n")
    result = edge_world.run("deploy", "staging", "--yes")
    assert result.exit_code == 1
    assert "cannot fetch wheel pillow==13.0.0" in result.stderr
    _nothing_deployed(edge_world)


def test_the_packages_carry_bytecode_for_the_runtime_and_no_build_paths(edge_world):
    edge_world.deploy()
    for function in ("viewer_request", "image_optimizer"):
        archive = zipfile.ZipFile(io.BytesIO(edge_world.package(function)))
        infos = archive.infolist()
        assert [i.filename for i in infos] == sorted(i.filename for i in infos)
        assert {i.date_time for i in infos} == {(1980, 1, 1, 0, 0, 0)}
        assert {i.external_attr >> 16 for i in infos} == {0o100644}
        data = b"".join(archive.read(i) for i in infos if i.filename.endswith(".pyc"))
        assert b"/var/task/" in data and b"/tmp" not in data and str(edge_world.root).encode() not in data
