"""The edge release through `candlefish deploy`: real packages, one version per change, associations moved
by the stack. Read back through Lambda, S3, CloudFormation and CloudFront."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import pytest

from conftest import FUNCTIONS, code_sha256, run_in_runtime, run_in_runtime_code

FIXTURES = Path(__file__).resolve().parents[2] / "unit" / "lambdas" / "fixtures"


def fixture(name: str) -> dict:
    return json.loads((FIXTURES / f"{name}.json").read_text())


def release_of(report: dict) -> dict[str, dict]:
    edge = next(s for s in report["stacks"] if s["stack"] == "edge")
    return {f["function"]: f for f in edge["edge_release"]["functions"]}


def test_first_deploy_publishes_the_real_handlers_and_a_redeploy_publishes_nothing(edge_world, tmp_path):
    first = release_of(edge_world.deploy())
    assert {f["status"] for f in first.values()} == {"new"}
    associations = edge_world.associations()
    for function in FUNCTIONS:
        versions = edge_world.versions(function)
        assert len(versions) == 1
        package = edge_world.package(function)
        assert versions[0]["CodeSha256"] == code_sha256(package) == first[function]["code_sha256"]
        names = zipfile.ZipFile(io.BytesIO(package)).namelist()
        assert {"handler.py", "edge_common.py", "edge_config.json"} <= set(names)
        assert any(n.startswith("__pycache__/handler.cpython-312") for n in names)  # bytecode shipped
    assert associations[("*", "viewer-request")].endswith(":1")
    cloudfront = edge_world.aws.client("cloudfront")
    distribution = cloudfront.list_distributions()["DistributionList"]["Items"][0]["Id"]
    metrics = cloudfront.get_monitoring_subscription(DistributionId=distribution)["MonitoringSubscription"]
    assert metrics == {"RealtimeMetricsSubscriptionConfig": {"RealtimeMetricsSubscriptionStatus": "Enabled"}}
    assert associations[("/images/*", "origin-request")] == associations[("*", "origin-request")]
    assert ("/images/*", "viewer-response") not in associations

    # The deployed code is the real code: one event through each function, from its zip, with python3.12.
    answer = run_in_runtime(edge_world.package("viewer_request"), tmp_path, fixture("viewer_request"))
    assert answer["headers"]["x-device-type"][0]["value"] in ("mobile", "tablet", "desktop", "bot")
    answer = run_in_runtime(edge_world.package("viewer_response"), tmp_path, fixture("viewer_response"))
    assert "strict-transport-security" in answer["headers"]
    answer = run_in_runtime(edge_world.package("origin_request"), tmp_path, fixture("origin_request"))
    assert answer["uri"].startswith("/processed/team/photo.jpg.w")
    answer = run_in_runtime(edge_world.package("origin_response"), tmp_path, fixture("origin_response"))
    assert "immutable" in answer["headers"]["cache-control"][0]["value"]
    stored = fixture("image_origin_response")
    stored["Records"][0]["cf"]["response"]["status"] = "200"  # a stored variant: no S3 call needed
    answer = run_in_runtime(edge_world.package("image_optimizer"), tmp_path, stored)
    assert answer["headers"]["cache-control"][0]["value"] == "public, max-age=31536000, immutable"
    pillow = run_in_runtime_code(edge_world.package("image_optimizer"), tmp_path,
                                 "import PIL.features; print(json.dumps(PIL.features.check('avif')))")
    assert pillow is True  # the packaged Pillow (manylinux, cp312) loads and encodes AVIF
    fast = run_in_runtime_code(edge_world.package("image_optimizer"), tmp_path,
                               "import handler; print(json.dumps(handler.fast_paths().__file__))")
    assert fast.endswith("fast_paths.py")  # zipped beside handler.py and verified on the locked Pillow

    # The generated config names this environment's buckets and domain, not the repository's.
    config = json.loads(zipfile.ZipFile(io.BytesIO(edge_world.package("image_optimizer"))).read("edge_config.json"))
    outputs = {o["OutputKey"]: o["OutputValue"] for o in edge_world.aws.client("cloudformation").describe_stacks(
        StackName="candlefish-staging-storage")["Stacks"][0]["Outputs"]}
    assert config["images"]["originals_bucket"] == outputs["UserContentBucketName"]
    assert config["images"]["optimized_bucket"] == outputs["OptimizedImagesBucketName"]
    assert config["cors"]["allowed_origins"] == ["https://example.org", "https://www.example.org"]
    assert "candlefish.ai" not in json.dumps(config)

    again = edge_world.deploy()
    edge = next(s for s in again["stacks"] if s["stack"] == "edge")
    assert edge["result"] == "unchanged"
    assert {f["status"] for f in release_of(again).values()} == {"unchanged"}
    assert all(len(edge_world.versions(f)) == 1 for f in FUNCTIONS)
    assert edge_world.associations() == associations


def test_one_changed_handler_publishes_exactly_one_version_and_moves_only_its_associations(edge_world):
    edge_world.deploy()
    before = edge_world.associations()
    edge_world.edit("viewer_response", "\n# a release that changes viewer_response only\n")

    report = edge_world.deploy()
    statuses = {name: f["status"] for name, f in release_of(report).items()}
    assert statuses == {**{f: "unchanged" for f in FUNCTIONS}, "viewer_response": "changed"}
    assert len(edge_world.versions("viewer_response")) == 2
    assert all(len(edge_world.versions(f)) == 1 for f in FUNCTIONS if f != "viewer_response")
    after = edge_world.associations()
    moved = {key for key in after if after[key] != before[key]}
    assert moved == {("*", "viewer-response")}
    assert after[("*", "viewer-response")].endswith(":2")
    assert edge_world.versions("viewer_response")[1]["CodeSha256"] == code_sha256(edge_world.package("viewer_response"))


def test_plan_shows_the_release_and_changes_nothing(edge_world):
    edge_world.deploy()
    edge_world.edit("origin_request", "\n# planned change\n")
    objects_before = edge_world.aws.client("s3").list_objects_v2(
        Bucket=edge_world.stack_parameters()["ArtifactsBucket"])["KeyCount"]

    result = edge_world.run("deploy", "staging", "--plan")
    assert result.exit_code == 0, result.stderr
    assert "origin_request: changed" in result.stdout
    assert "viewer_request: unchanged" in result.stdout
    assert len(edge_world.versions("origin_request")) == 1
    assert edge_world.aws.client("s3").list_objects_v2(
        Bucket=edge_world.stack_parameters()["ArtifactsBucket"])["KeyCount"] == objects_before


@pytest.mark.faults
def test_a_failed_edge_update_keeps_the_previous_versions_associated_and_says_so(edge_world):
    """Fault: the object at the new package's key is not that package (a corrupted or replaced artifact).
    Lambda's CodeSha256 guard refuses to publish it, CloudFormation rolls back, the distribution keeps
    running the previous versions, and no release is recorded."""
    edge_world.deploy()
    before = edge_world.associations()
    edge_world.edit("viewer_response", "\n# the release that will not go out\n")
    planned = edge_world.run("edge", "package", "staging", "-f", "viewer_response", "-o", "json").json()
    key = planned["packages"][0]["s3_key"]
    impostor = io.BytesIO()
    with zipfile.ZipFile(impostor, "w") as archive:
        archive.writestr("handler.py", "def handler(event, context):\n    return {'status': '200'}\n")
    edge_world.aws.client("s3").put_object(Bucket=edge_world.stack_parameters()["ArtifactsBucket"], Key=key,
                                           Body=impostor.getvalue())

    result = edge_world.run("deploy", "staging", "--yes", "-o", "json")
    assert result.exit_code == 1
    edge = next(s for s in result.json()["stacks"] if s["stack"] == "edge")
    assert edge["result"] == "failed"
    assert "CodeSHA256" in edge["message"]
    assert "keeps the previous Lambda@Edge versions" in edge["message"]
    assert edge_world.associations() == before
    assert len(edge_world.versions("viewer_response")) == 1
    assert len(edge_world.run("edge", "releases", "staging", "-o", "json").json()["releases"]) == 1
