"""S3 bucket names are global: every bucket name the templates build carries the account id, and the config
refuses, at load, an environment whose bucket names would break S3's 3-63 character rule."""

from __future__ import annotations

import re

import pytest

from candlefish_ops.config import load_environment
from candlefish_ops.config.names import LONGEST_BUCKET_NAME, MAX_BUCKET_NAME
from candlefish_ops.deploy.templates import load_template, template_document
from candlefish_ops.errors import ConfigError

from pathlib import Path

TEMPLATES = Path(__file__).resolve().parents[3] / "templates"
LONGEST_REGION = "ap-southeast-1"  # 14 characters, the longest of the commercial region names in use


def _bucket_names():
    for path in sorted(TEMPLATES.glob("*.yaml")):
        document = template_document(load_template(path))
        for logical_id, resource in document["Resources"].items():
            if resource.get("Type") == "AWS::S3::Bucket" and "BucketName" in (resource.get("Properties") or {}):
                name = resource["Properties"]["BucketName"]
                yield f"{path.name}:{logical_id}", name.get("Sub", name.get("Fn::Sub")) if isinstance(name, dict) else name


def _render(pattern: str, env: str) -> str:
    return (pattern.replace("${Environment}", env).replace("${AWS::AccountId}", "123456789012")
            .replace("${AWS::Region}", LONGEST_REGION))


@pytest.mark.parametrize("where, pattern", list(_bucket_names()), ids=lambda v: v if ":" in str(v) else "")
def test_every_bucket_name_is_unique_to_the_account_and_no_longer_than_the_checked_one(where, pattern):
    assert "${AWS::AccountId}" in pattern, f"{where}: {pattern} could be taken by another account"
    assert not re.search(r"\$\{(?!Environment\}|AWS::AccountId\}|AWS::Region\})", pattern), pattern
    longest = LONGEST_BUCKET_NAME.format(env="e", account="123456789012", region=LONGEST_REGION)
    assert len(_render(pattern, "e")) <= len(longest), f"{where}: longer than config/names.py checks"


def _write(tmp_path, env: str, region: str = "ap-southeast-1", extra: str = "") -> Path:
    (tmp_path / "t.yaml").write_text("Resources:\n  T:\n    Type: AWS::SNS::Topic\n")
    (tmp_path / f"{env}.yaml").write_text(
        f"project: candlefish\ntemplates_dir: .\n{extra}stacks:\n  a:\n    template: t.yaml\n    region: {region}\n")
    return tmp_path


def test_the_longest_accepted_environment_name_fits(tmp_path):
    room = MAX_BUCKET_NAME - len(LONGEST_BUCKET_NAME.format(env="", account="0" * 12, region=LONGEST_REGION))
    env = "e" * room
    load_environment(_write(tmp_path, env), env)
    assert len(LONGEST_BUCKET_NAME.format(env=env, account="0" * 12, region=LONGEST_REGION)) == MAX_BUCKET_NAME


def test_an_environment_name_too_long_for_bucket_names_is_refused_at_load(tmp_path):
    env = "e" * 17
    with pytest.raises(ConfigError) as error:
        load_environment(_write(tmp_path, env), env)
    assert "use at most 16 characters" in str(error.value) and "63" in str(error.value)
    load_environment(_write(tmp_path, env, region="us-east-1"), env)  # shorter region names leave more room


def test_project_and_environment_too_long_for_the_artifacts_bucket(tmp_path):
    env = "e" * 16
    directory = _write(tmp_path, env, extra="")
    (directory / f"{env}.yaml").write_text((directory / f"{env}.yaml").read_text().replace(
        "project: candlefish", "project: candlefish-platform-team"))
    with pytest.raises(ConfigError, match="artifacts bucket"):
        load_environment(directory, env)
    (directory / f"{env}.yaml").write_text((directory / f"{env}.yaml").read_text() + "artifacts_bucket: mine\n")
    load_environment(directory, env)
