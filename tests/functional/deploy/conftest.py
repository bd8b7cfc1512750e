"""A small environment (three stacks, one of them in two regions) written to tmp_path for deploy tests."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

BASE = """
AWSTemplateFormatVersion: "2010-09-09"
Description: base layer
Parameters:
  Environment:
    Type: String
Resources:
  Assets:
    Type: AWS::S3::Bucket
    Properties:
      BucketName: !Sub "${Environment}-fixture-assets"
Outputs:
  AssetsBucketName:
    Value: !Ref Assets
"""

APP = """
AWSTemplateFormatVersion: "2010-09-09"
Description: app layer, one per region
Parameters:
  AssetsBucket:
    Type: String
  QueueSuffix:
    Type: String
    Default: jobs
Resources:
  Jobs:
    Type: AWS::SQS::Queue
    Properties:
      QueueName: !Sub "${AssetsBucket}-${QueueSuffix}-${AWS::Region}"
Outputs:
  QueueName:
    Value: !GetAtt Jobs.QueueName
  AssetsBucketSeen:
    Value: !Ref AssetsBucket
"""

EDGE = """
AWSTemplateFormatVersion: "2010-09-09"
Description: edge layer
Parameters:
  EuQueue:
    Type: String
Resources:
  Alerts:
    Type: AWS::SNS::Topic
    Properties:
      TopicName: !Sub "alerts-for-${EuQueue}"
Outputs:
  TopicArn:
    Value: !Ref Alerts
"""

CONFIG = """
project: fixture
region: us-east-1
protected: {protected}
tags:
  CostCenter: platform
stacks:
  base:
    template: base.yaml
    parameters:
      Environment: {env}
  app:
    template: app.yaml
    regions: [us-east-1, eu-west-1]
    parameters:
      AssetsBucket: ${{base.AssetsBucketName}}
  edge:
    template: edge.yaml
    depends_on: [app]
    parameters:
      EuQueue: ${{app@eu-west-1.QueueName}}
"""


@pytest.fixture
def project(tmp_path: Path):
    """A project dir with config/ and templates/; returns a writer to tweak files."""
    templates = tmp_path / "templates"
    templates.mkdir()
    for name, body in (("base.yaml", BASE), ("app.yaml", APP), ("edge.yaml", EDGE)):
        (templates / name).write_text(textwrap.dedent(body).lstrip())
    config = tmp_path / "config"
    config.mkdir()
    (config / "staging.yaml").write_text(CONFIG.format(env="staging", protected="false"))
    (config / "production.yaml").write_text(CONFIG.format(env="production", protected="true"))
    return Project(tmp_path)


class Project:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.config_dir = root / "config"
        self.templates = root / "templates"

    def write(self, relative: str, text: str) -> None:
        from candlefish_ops.deploy.templates import load_template

        (self.root / relative).write_text(textwrap.dedent(text).lstrip())
        load_template.cache_clear()
