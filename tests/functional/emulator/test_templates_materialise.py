"""Production's templates deploy into the emulator, stack after stack, and their resources materialise.

The stacks are created in dependency order in their primary region with the literal parameter values of
config/production.yaml; a `${stack.Output}` parameter takes the output of the stack deployed before it (a
plausible stand-in when that output is missing). Each stack must reach CREATE_COMPLETE, and the types the
emulator cannot materialise (reported "not emulated") must be exactly the expected ones.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from candlefish_ops.local.emulator import reset_endpoint
from candlefish_ops.local.extensions import not_emulated

from .conftest import fast_fail_client


TEMPLATES = Path("/work/wt/templates")
ORDER = ["dns", "network", "replica", "storage", "security", "api", "compute", "data", "monitoring", "edge"]
NOT_EMULATED = {
    "dns": {"AWS::Route53::DNSSEC", "AWS::Route53::KeySigningKey"},
    "api": {"AWS::ApiGatewayV2::Deployment"},
    "compute": {"AWS::ApplicationAutoScaling::ScalableTarget", "AWS::ApplicationAutoScaling::ScalingPolicy"},
    "data": {"AWS::Backup::BackupPlan", "AWS::Backup::BackupSelection", "AWS::Backup::BackupVault"},
    "monitoring": {"AWS::SNS::Subscription", "AWS::XRay::SamplingRule"},
    "edge": {"AWS::CloudFront::CachePolicy", "AWS::CloudFront::RealtimeLogConfig",
             "AWS::CloudFront::ResponseHeadersPolicy"},
}
STAND_INS = {"PrivateSubnetIds": "subnet-0a,subnet-0b", "PublicSubnetIds": "subnet-1a,subnet-1b",
             "VpcId": "vpc-0c0ffee", "VpcCidr": "10.0.0.0/16", "HostedZoneId": "Z0CANDLEFISH"}
_REFERENCE = re.compile(r"^\$\{(\w+)(?:@[\w-]+)?\.(\w+)\}$")

pytestmark = [pytest.mark.shared_emulator_state,
              pytest.mark.skipif(not (TEMPLATES / "config" / "production.yaml").exists(),
                                 reason="the templates are not available")]


class _Loader(yaml.SafeLoader):
    """YAML with CloudFormation's short-form tags kept as plain values (only the structure is needed)."""


_Loader.add_multi_constructor("!", lambda loader, suffix, node: None)


def resource_types(template_file: str) -> set[str]:
    document = yaml.load((TEMPLATES / "templates" / template_file).read_text(), Loader=_Loader)
    return {resource["Type"] for resource in document["Resources"].values()}


def _value(name: str, value: Any, outputs: dict[str, dict[str, str]]) -> str:
    if isinstance(value, list):
        return ",".join(str(item) for item in value)
    match = _REFERENCE.match(str(value))
    if match:
        stack, output = match.groups()
        return outputs.get(stack, {}).get(output) or STAND_INS.get(name, f"stand-in-{output.lower()}")
    return str(value)


def _region(spec: dict[str, Any]) -> str:
    return spec.get("region") or spec["regions"][0]


@pytest.fixture(scope="module")
def deployed(emulator_endpoint: str) -> dict[str, Any]:
    """Deploy every stack once, in order; record each one's status, outputs and error."""
    reset_endpoint(emulator_endpoint)
    config = yaml.safe_load((TEMPLATES / "config" / "production.yaml").read_text())
    outputs: dict[str, dict[str, str]] = {}
    results: dict[str, Any] = {}
    for key in ORDER:
        spec = config["stacks"][key]
        cloudformation = fast_fail_client(emulator_endpoint, "cloudformation", _region(spec))
        name = f"candlefish-production-{key}"
        parameters = [{"ParameterKey": k, "ParameterValue": _value(k, v, outputs)}
                      for k, v in spec.get("parameters", {}).items()]
        try:
            cloudformation.create_stack(StackName=name, Parameters=parameters,
                                        TemplateBody=(TEMPLATES / "templates" / spec["template"]).read_text(),
                                        Capabilities=["CAPABILITY_IAM", "CAPABILITY_NAMED_IAM"])
            stack = cloudformation.describe_stacks(StackName=name)["Stacks"][0]
            outputs[key] = {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}
            results[key] = {"status": stack["StackStatus"], "error": None, "region": _region(spec)}
        except Exception as error:  # noqa: BLE001 - reported per stack by the tests below
            results[key] = {"status": "FAILED", "error": f"{type(error).__name__}: {error}"[:2000]}
    results["_config"] = config
    return results


@pytest.mark.parametrize("key", ORDER)
def test_stack_reaches_create_complete(deployed, key):
    result = deployed[key]
    assert result["status"] == "CREATE_COMPLETE", result["error"]


@pytest.mark.parametrize("key", ORDER)
def test_only_expected_types_are_not_emulated(deployed, key):
    template = deployed["_config"]["stacks"][key]["template"]
    assert set(not_emulated(resource_types(template))) == NOT_EMULATED.get(key, set())
