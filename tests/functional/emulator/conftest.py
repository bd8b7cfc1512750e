"""Fixtures for the emulator's own tests: one embedded emulator per test session, stacks deployed into it."""

from __future__ import annotations

import itertools
import json
from typing import Any, Callable

import boto3
import pytest
from botocore.config import Config

from candlefish_ops.local.emulator import Emulator, reset_endpoint

REGION = "us-east-1"
_FAST_FAIL = Config(retries={"max_attempts": 1, "mode": "standard"})
_stack_numbers = itertools.count(1)


@pytest.fixture(scope="session")
def emulator_endpoint() -> Any:
    emulator = Emulator()
    endpoint = emulator.start()
    yield endpoint
    emulator.stop()


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "shared_emulator_state: the module keeps emulator state between its tests")


@pytest.fixture(autouse=True)
def fresh_emulator(request: pytest.FixtureRequest, emulator_endpoint: str) -> None:
    """Every test starts from an empty emulator (moto's reset API), unless its module shares state."""
    if request.node.get_closest_marker("shared_emulator_state") is None:
        reset_endpoint(emulator_endpoint)


@pytest.fixture
def client(emulator_endpoint: str) -> Callable[..., Any]:
    """client("cloudfront") -> a boto3 client of the emulator that fails fast on unimplemented actions."""

    def make(service: str, region: str = REGION) -> Any:
        return fast_fail_client(emulator_endpoint, service, region)

    return make


class Stack:
    """One CloudFormation stack in the emulator, created from a template dict."""

    def __init__(self, cloudformation: Any, name: str) -> None:
        self.cloudformation = cloudformation
        self.name = name

    def create(self, template: dict[str, Any], parameters: dict[str, str] | None = None) -> Stack:
        self.cloudformation.create_stack(StackName=self.name, TemplateBody=json.dumps(template),
                                         Parameters=_parameters(parameters), Capabilities=["CAPABILITY_IAM"])
        return self

    def update(self, template: dict[str, Any], parameters: dict[str, str] | None = None) -> Stack:
        self.cloudformation.update_stack(StackName=self.name, TemplateBody=json.dumps(template),
                                         Parameters=_parameters(parameters), Capabilities=["CAPABILITY_IAM"])
        return self

    def delete(self) -> None:
        self.cloudformation.delete_stack(StackName=self.name)

    @property
    def status(self) -> str:
        return self.cloudformation.describe_stacks(StackName=self.name)["Stacks"][0]["StackStatus"]

    def outputs(self) -> dict[str, str]:
        stack = self.cloudformation.describe_stacks(StackName=self.name)["Stacks"][0]
        return {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}

    def physical_id(self, logical_id: str) -> str:
        resources = self.cloudformation.describe_stack_resources(StackName=self.name)["StackResources"]
        return next(r["PhysicalResourceId"] for r in resources if r["LogicalResourceId"] == logical_id)


def fast_fail_client(endpoint: str, service: str, region: str = REGION) -> Any:
    return boto3.client(service, region_name=region, endpoint_url=endpoint, config=_FAST_FAIL,
                        aws_access_key_id="candlefish-local", aws_secret_access_key="candlefish-local")


def _parameters(parameters: dict[str, str] | None) -> list[dict[str, str]]:
    return [{"ParameterKey": key, "ParameterValue": value} for key, value in (parameters or {}).items()]


@pytest.fixture
def stack(client: Callable[..., Any]) -> Stack:
    """A fresh, uniquely named stack (not yet created)."""
    return Stack(client("cloudformation"), f"test-stack-{next(_stack_numbers)}")
