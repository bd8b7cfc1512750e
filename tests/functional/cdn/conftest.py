"""Fixtures for `candlefish cdn`: an environment whose edge stack (deployed through the CLI) holds a
CloudFront distribution and outputs its id, as templates/edge.yaml does."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

EDGE_TEMPLATE = """\
AWSTemplateFormatVersion: "2010-09-09"
Description: A distribution in front of one bucket (the cdn tests' edge stack).
Resources:
  Assets:
    Type: AWS::S3::Bucket
  Distribution:
    Type: AWS::CloudFront::Distribution
    Properties:
      DistributionConfig:
        Enabled: true
        Comment: cdn tests
        Origins:
          - Id: assets
            DomainName: !GetAtt Assets.RegionalDomainName
            S3OriginConfig: {OriginAccessIdentity: ""}
        DefaultCacheBehavior:
          TargetOriginId: assets
          ViewerProtocolPolicy: redirect-to-https
          CachePolicyId: 658327ea-f89d-4fab-a63d-7e88639e58f6
Outputs:
  DistributionId:
    Value: !Ref Distribution
"""


@dataclass
class CdnWorld:
    aws: object
    config_dir: Path
    distribution_id: str

    @property
    def cloudfront(self):
        return self.aws.client("cloudfront")

    def invalidations(self) -> list[dict]:
        """Every invalidation of the distribution, read back whole (paths included), oldest first."""
        listed = self.cloudfront.list_invalidations(DistributionId=self.distribution_id)["InvalidationList"]
        full = [self.cloudfront.get_invalidation(DistributionId=self.distribution_id, Id=item["Id"])["Invalidation"]
                for item in listed.get("Items", [])]
        return sorted(full, key=lambda item: item["CreateTime"])

    def hold_in_progress(self, invalidation_id: str) -> None:
        """CloudFront takes minutes; the emulator completes at once. Put one back in progress."""
        self.set_status(invalidation_id, "InProgress")

    def set_status(self, invalidation_id: str, status: str) -> None:
        """Through moto's backend, which this process shares with the embedded server."""
        from moto.cloudfront.models import cloudfront_backends

        backend = cloudfront_backends["123456789012"]["global"]
        for item in backend.invalidations[self.distribution_id]:
            if item.id == invalidation_id:
                item.status = status


def write_config(directory: Path, env: str, protected: bool = False, stack_key: str = "edge") -> None:
    (directory / "templates").mkdir(parents=True, exist_ok=True)
    (directory / "templates" / "edge.yaml").write_text(EDGE_TEMPLATE, encoding="utf-8")
    (directory / "config").mkdir(exist_ok=True)
    (directory / "config" / f"{env}.yaml").write_text(
        f"project: cdntest\nprotected: {str(protected).lower()}\n"
        f"stacks:\n  {stack_key}:\n    template: edge.yaml\n", encoding="utf-8")


@pytest.fixture
def cdn(aws, cli, tmp_path) -> CdnWorld:
    write_config(tmp_path, "staging")
    deployed = cli("deploy", "staging", "--yes", "--config-dir", tmp_path / "config")
    assert deployed.exit_code == 0, deployed.stderr + deployed.stdout
    distributions = aws.client("cloudfront").list_distributions()["DistributionList"]["Items"]
    assert len(distributions) == 1
    return CdnWorld(aws, tmp_path / "config", distributions[0]["Id"])
