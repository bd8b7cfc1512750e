"""Everything a user can get wrong is one candlefish line with the fix, exit 1: never "internal error"."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
CONFIG = ROOT / "config"

SSO_PROFILE = """[profile sso]
sso_session = corp
sso_account_id = 123456789012
sso_role_name = Admin
region = us-east-1
[sso-session corp]
sso_start_url = https://example.awsapps.com/start
sso_region = us-east-1
"""


@pytest.fixture
def aws_home(tmp_path, monkeypatch):
    """An AWS setup of our own (config file, no credentials), nothing inherited from the machine."""
    for name in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_ENDPOINT_URL", "AWS_ACCESS_KEY_ID",
                 "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_REGION", "AWS_DEFAULT_REGION"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "aws-credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
    (tmp_path / "aws-config").write_text("")
    return tmp_path


def one_line_error(result, *expected: str) -> str:
    """Exit 1 and one error line, last on stderr (a deploy's progress lines may come before it)."""
    assert result.exit_code == 1, result.stdout + result.stderr
    assert "internal error" not in result.stderr
    lines = result.stderr.splitlines()
    assert [line for line in lines if line.startswith("error: ")] == lines[-1:], result.stderr
    assert not [line for line in lines if "FAILED" in line or "SKIPPED" in line], result.stderr
    for text in expected:
        assert text in lines[-1]
    return lines[-1]


def test_missing_profile(cli, aws_home, monkeypatch):
    monkeypatch.setenv("AWS_PROFILE", "candlefish-prod")
    result = cli("deploy", "production", "--plan", "--config-dir", CONFIG)
    one_line_error(result, "AWS profile 'candlefish-prod' (AWS_PROFILE) is not in ~/.aws/config",
                   "aws configure sso --profile candlefish-prod")


@pytest.mark.parametrize("token", ["expired", "never logged in"])
def test_expired_or_missing_sso_session(cli, aws_home, monkeypatch, token):
    import hashlib
    import json

    (aws_home / "aws-config").write_text(SSO_PROFILE)
    monkeypatch.setenv("HOME", str(aws_home))            # botocore's token cache: ~/.aws/sso/cache
    monkeypatch.setenv("AWS_PROFILE", "sso")
    if token == "expired":
        cache = aws_home / ".aws" / "sso" / "cache"
        cache.mkdir(parents=True)
        (cache / f"{hashlib.sha1(b'corp').hexdigest()}.json").write_text(json.dumps({
            "startUrl": "https://example.awsapps.com/start", "region": "us-east-1", "accessToken": "x",
            "expiresAt": "2020-01-01T00:00:00Z"}))
    result = cli("status", "production", "--config-dir", CONFIG)
    one_line_error(result, "SSO session has expired or was never started", "aws sso login --profile sso")
    one_line_error(cli("deploy", "production", "--config-dir", CONFIG), "aws sso login --profile sso")


def test_unparsable_aws_config(cli, aws_home, monkeypatch):
    (aws_home / "aws-config").write_text("[profile broken\nregion = \n")
    monkeypatch.setenv("AWS_PROFILE", "broken")
    one_line_error(cli("status", "production", "--config-dir", CONFIG), "cannot parse the AWS config file")


@pytest.mark.parametrize("variable, value, expected", [
    ("AWS_ENDPOINT_URL", "notaurl", "AWS_ENDPOINT_URL must be a URL"),
    ("AWS_ENDPOINT_URL", "http://127.0.0.1:9", "cannot reach AWS at http://127.0.0.1:9"),
    ("AWS_MAX_ATTEMPTS", "many", "AWS_MAX_ATTEMPTS is a whole number"),
])
def test_bad_sdk_settings(cli, aws_home, monkeypatch, variable, value, expected):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "x")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "y")
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
    monkeypatch.setenv(variable, value)
    one_line_error(cli("status", "production", "--config-dir", CONFIG), expected)
    if "reach" not in expected:  # a setup error stops a deploy at once (not one failure per stack)
        one_line_error(cli("deploy", "staging", "--plan", "--config-dir", CONFIG), expected)


def test_no_credentials(cli, aws_home):
    one_line_error(cli("status", "production", "--config-dir", CONFIG), "no usable AWS credentials")


def broken_copy(tmp_path: Path) -> Path:
    config = tmp_path / "config"
    shutil.copytree(CONFIG, config)
    shutil.copytree(ROOT / "templates", tmp_path / "templates")
    return config


def test_config_mistakes(cli, aws_home, tmp_path):
    config = broken_copy(tmp_path)
    one_line_error(cli("status", "nope", "--config-dir", config), "no such environment file")
    text = (config / "staging.yaml").read_text().splitlines()
    (config / "staging.yaml").write_text("\n".join(text[:5] + ["oops"] + text[5:]) + "\n")
    one_line_error(cli("deploy", "staging", "--plan", "--config-dir", config), "line 6, column 1", "not valid YAML")
    (tmp_path / "templates" / "edge.yaml").unlink()
    one_line_error(cli("deploy", "production", "--plan", "--config-dir", config),
                   "stacks.edge.template: no template at", "templates_dir")
