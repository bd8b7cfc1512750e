"""A small environment for edge release tests: the real storage and edge templates, the edge stack's other
inputs given as literals (so a deploy takes seconds, not the whole production graph), and a working copy
of lambdas/ the tests may edit (CANDLEFISH_LAMBDAS_DIR)."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
FUNCTIONS = ("viewer_request", "viewer_response", "origin_request", "origin_response", "image_optimizer")

CONFIG = """
project: candlefish
environment: staging
region: us-east-1
domain: example.org
templates_dir: {templates}
stacks:
  storage:
    template: storage.yaml
    parameters:
      Environment: staging
      AccessLogBucketName: staging-candlefish-logs
  edge:
    template: edge.yaml
    region: {edge_region}
    parameters:
      Environment: staging
      DomainName: example.org
      Aliases: [example.org, www.example.org]
      HostedZoneId: Z0123456789ABCDEFGHIJ
      WebAclArn: arn:aws:wafv2:us-east-1:123456789012:global/webacl/staging/0123
      StaticAssetsBucketDomainName: ${{storage.StaticAssetsBucketRegionalDomainName}}
      OptimizedImagesBucketDomainName: ${{storage.OptimizedImagesBucketRegionalDomainName}}
      OptimizedImagesBucketName: ${{storage.OptimizedImagesBucketName}}
      UserContentBucketName: ${{storage.UserContentBucketName}}
      ApiOriginDomainName: abc123.execute-api.us-east-1.amazonaws.com
      WebSocketOriginDomainName: ws123.execute-api.us-east-1.amazonaws.com
      AppOriginDomainName: origin.example.org
      RealtimeLogStreamArn: arn:aws:kinesis:us-east-1:123456789012:stream/staging-logs
      RealtimeLogKeyArn: arn:aws:kms:us-east-1:123456789012:key/0123
      AlarmTopicArn: arn:aws:sns:us-east-1:123456789012:staging-alarms
      PriceClass: PriceClass_100
"""


class EdgeWorld:
    """The tmp project (config + lambdas copy) and readers of what the release left in AWS."""

    def __init__(self, root: Path, aws, cli) -> None:
        self.root, self.aws, self.cli = root, aws, cli
        self.config_dir = root / "config"
        self.lambdas = root / "lambdas"

    def write_config(self, edge_region: str = "us-east-1") -> None:
        self.config_dir.mkdir(exist_ok=True)
        (self.config_dir / "staging.yaml").write_text(
            CONFIG.format(templates=ROOT / "templates", edge_region=edge_region))

    def run(self, *args: str):
        return self.cli(*args, "--config-dir", self.config_dir)

    def deploy(self, *args: str):
        result = self.run("deploy", "staging", "--yes", "-o", "json", *args)
        assert result.exit_code == 0, result.stderr + result.stdout
        return result.json()

    def edit(self, function: str, text: str) -> None:
        handler = self.lambdas / function / "handler.py"
        handler.write_text(handler.read_text() + text)

    # -- reading back ---------------------------------------------------------------------------------

    def stack_parameters(self) -> dict[str, str]:
        stack = self.aws.client("cloudformation").describe_stacks(StackName="candlefish-staging-edge")["Stacks"][0]
        return {p["ParameterKey"]: p["ParameterValue"] for p in stack["Parameters"]}

    def storage_outputs(self) -> dict[str, str]:
        stack = self.aws.client("cloudformation").describe_stacks(StackName="candlefish-staging-storage")["Stacks"][0]
        return {o["OutputKey"]: o["OutputValue"] for o in stack["Outputs"]}

    def versions(self, function: str) -> list[dict]:
        name = f"staging-candlefish-edge-{function.replace('_', '-')}"
        answer = self.aws.client("lambda").list_versions_by_function(FunctionName=name)["Versions"]
        return [v for v in answer if v["Version"] != "$LATEST"]

    def associations(self) -> dict[tuple[str, str], str]:
        cloudfront = self.aws.client("cloudfront")
        distribution = cloudfront.list_distributions()["DistributionList"]["Items"][0]["Id"]
        config = cloudfront.get_distribution_config(Id=distribution)["DistributionConfig"]
        behaviours = [("*", config["DefaultCacheBehavior"])] + [
            (b["PathPattern"], b) for b in config["CacheBehaviors"]["Items"]]
        return {(path, a["EventType"]): a["LambdaFunctionARN"] for path, b in behaviours
                for a in b.get("LambdaFunctionAssociations", {}).get("Items", [])}

    def package(self, function: str) -> bytes:
        params = self.stack_parameters()
        resource = "".join(part.title() for part in function.split("_"))
        body = self.aws.client("s3").get_object(Bucket=params["ArtifactsBucket"], Key=params[f"{resource}CodeKey"])
        return body["Body"].read()


def code_sha256(data: bytes) -> str:
    return base64.b64encode(hashlib.sha256(data).digest()).decode()


def run_in_runtime_code(package: bytes, tmp_path: Path, code: str, stdin: str = ""):
    """Unzip a package and run `code` in it with the runtime's Python (3.12), isolated: only the package
    and the standard library; returns what the code printed, as JSON."""
    from candlefish_ops.edge.runtime import runtime_python

    folder = tmp_path / hashlib.sha256(package).hexdigest()[:12]
    if not folder.exists():
        zipfile.ZipFile(io.BytesIO(package)).extractall(folder)
    answer = subprocess.run([runtime_python(), "-I", "-S", "-c", "import json, sys; sys.path.insert(0, '.'); " + code],
                            cwd=folder, input=stdin, capture_output=True, text=True, timeout=60, check=True)
    return json.loads(answer.stdout.strip().splitlines()[-1])  # earlier lines are the functions' own logs


def run_in_runtime(package: bytes, tmp_path: Path, event: dict) -> dict:
    """Run one event through the package's handler with the runtime's Python."""
    code = "import handler; print(json.dumps(handler.handler(json.loads(sys.stdin.read()), None)))"
    return run_in_runtime_code(package, tmp_path, code, json.dumps(event))


@pytest.fixture
def edge_world(aws, cli, tmp_path, monkeypatch):
    world = EdgeWorld(tmp_path, aws, cli)
    shutil.copytree(ROOT / "lambdas", world.lambdas)
    monkeypatch.setenv("CANDLEFISH_LAMBDAS_DIR", str(world.lambdas))
    world.write_config()
    aws.client("s3").create_bucket(Bucket="staging-candlefish-logs")  # the network stack's, in a full deploy
    return world
