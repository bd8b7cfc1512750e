"""Shared fixtures: one embedded emulator per test process, reset before each functional test, and a
`cli` runner that drives the real `candlefish` command in-process."""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

# `candlefish local up` keeps its emulator's pid, port and state in a per-user directory; --local commands use a
# running one. Tests never see the developer's: each test process gets its own, empty.
os.environ["CANDLEFISH_STATE_DIR"] = tempfile.mkdtemp(prefix="candlefish-state-")


@pytest.fixture(scope="session")
def emulator_endpoint():
    """moto's server in this process (with candlefish's emulator extensions), for the whole session."""
    from candlefish_ops.local.emulator import Emulator

    emulator = Emulator()
    endpoint = emulator.start()
    yield endpoint
    emulator.stop()


@pytest.fixture
def aws(emulator_endpoint, monkeypatch):
    """A clean emulator for this test, and the environment that points every boto3 Session at it."""
    from candlefish_ops.local.emulator import reset_endpoint

    reset_endpoint(emulator_endpoint)
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_DEFAULT_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ENDPOINT_URL", emulator_endpoint)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_REGION", "us-east-1")
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "2")
    return AwsHandle(emulator_endpoint)


@dataclass
class AwsHandle:
    """boto3 clients on the emulator, for reading back what the CLI did."""

    endpoint: str

    def client(self, service: str, region: str = "us-east-1"):
        import boto3
        from botocore.config import Config

        return boto3.client(service, region_name=region, endpoint_url=self.endpoint,
                            aws_access_key_id="testing", aws_secret_access_key="testing",
                            config=Config(retries={"max_attempts": 1, "mode": "standard"}))


@dataclass
class CliResult:
    exit_code: int
    stdout: str
    stderr: str

    def json(self):
        return json.loads(self.stdout)


@pytest.fixture
def cli():
    """Run `candlefish ARGS...` in-process, exactly as the console script does; returns a CliResult."""
    from typer.testing import CliRunner

    from candlefish_ops.cli import app

    def run(*args: str, input: str | None = None) -> CliResult:
        result = CliRunner().invoke(app, [str(arg) for arg in args], input=input)
        return CliResult(result.exit_code, result.stdout, result.stderr)

    return run
