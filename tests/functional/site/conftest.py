"""A small environment for `candlefish site` tests: the real storage and edge templates (deployed through
the CLI, the edge stack's other inputs given as literals, as in the edge tests), a build folder the tests
write, and readers of what the publish left in S3 and CloudFront."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.functional.edge.conftest import CONFIG as EDGE_CONFIG, ROOT

SITE = """
site:
  wildcard_at: 4
"""


class SiteWorld:
    def __init__(self, root: Path, aws, cli) -> None:
        self.root, self.aws, self.cli = root, aws, cli
        self.config_dir = root / "config"
        self.build = root / "build"
        self.s3 = aws.client("s3")
        self.cloudfront = aws.client("cloudfront")

    def write_config(self, extra: str = SITE) -> None:
        self.config_dir.mkdir(exist_ok=True)
        (self.config_dir / "staging.yaml").write_text(
            EDGE_CONFIG.format(templates=ROOT / "templates", edge_region="us-east-1") + extra)

    def run(self, *args: str, input: str | None = None):
        return self.cli(*args, "--config-dir", self.config_dir, input=input)

    def publish(self, *args: str, folder: Path | None = None) -> dict:
        result = self.run("site", "publish", "staging", str(folder or self.build), "-o", "json", *args)
        assert result.exit_code == 0, result.stderr + result.stdout
        return result.json()

    def write(self, files: dict[str, str | bytes], folder: Path | None = None) -> None:
        base = folder or self.build
        for name, body in files.items():
            path = base / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(body if isinstance(body, bytes) else body.encode())

    # -- reading back ---------------------------------------------------------------------------------------

    @property
    def bucket(self) -> str:
        stack = self.aws.client("cloudformation").describe_stacks(StackName="candlefish-staging-storage")["Stacks"][0]
        return {o["OutputKey"]: o["OutputValue"] for o in stack["Outputs"]}["StaticAssetsBucketName"]

    @property
    def distribution_id(self) -> str:
        return self.cloudfront.list_distributions()["DistributionList"]["Items"][0]["Id"]

    def keys(self) -> set[str]:
        pages = self.s3.get_paginator("list_objects_v2").paginate(Bucket=self.bucket)
        return {item["Key"] for page in pages for item in page.get("Contents", [])
                if not item["Key"].startswith("_candlefish/")}

    def head(self, key: str) -> dict:
        return self.s3.head_object(Bucket=self.bucket, Key=key)

    def body(self, key: str) -> bytes:
        return self.s3.get_object(Bucket=self.bucket, Key=key)["Body"].read()

    def invalidations(self) -> list[dict]:
        listed = self.cloudfront.list_invalidations(DistributionId=self.distribution_id)["InvalidationList"]
        full = [self.cloudfront.get_invalidation(DistributionId=self.distribution_id, Id=item["Id"])["Invalidation"]
                for item in listed.get("Items", []) or []]
        return sorted(full, key=lambda item: item["CreateTime"])

    def records(self) -> list[str]:
        answer = self.s3.list_objects_v2(Bucket=self.bucket, Prefix="_candlefish/site/releases/")
        return sorted(item["Key"] for item in answer.get("Contents", []))

    def record(self, key: str) -> dict:
        return json.loads(self.body(key))

    def put_record(self, key: str, document: dict) -> None:
        self.s3.put_object(Bucket=self.bucket, Key=key, Body=json.dumps(document).encode())


@pytest.fixture
def site_world(aws, cli, tmp_path):
    world = SiteWorld(tmp_path, aws, cli)
    world.write_config()
    aws.client("s3").create_bucket(Bucket="staging-candlefish-logs")  # the network stack's, in a full deploy
    deployed = world.run("deploy", "staging", "--yes", "-o", "json")
    assert deployed.exit_code == 0, deployed.stderr + deployed.stdout
    world.build.mkdir()
    return world
