"""The stack-outputs contract (every name candlefish reads is declared by its template) and the one reader."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest
import yaml

from candlefish_ops import stack_outputs
from candlefish_ops.aws.cloudformation import StackInfo
from candlefish_ops.errors import NotFoundError
from candlefish_ops.stack_outputs import CONTRACT, StackOutputs

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"


class _AnyTag(yaml.SafeLoader):
    """Reads CloudFormation's short tags (!Ref, !Sub, ...) as plain values: only the Outputs keys matter."""


_AnyTag.add_multi_constructor("!", lambda loader, suffix, node: None)


@pytest.mark.parametrize("template", sorted(CONTRACT))
def test_every_output_name_is_declared_by_its_template(template):
    declared = set(yaml.load((TEMPLATES / template).read_text(), Loader=_AnyTag)["Outputs"])
    assert set(CONTRACT[template]) - declared == set()


def test_every_name_constant_is_in_the_contract():
    named = {value for name, value in vars(stack_outputs).items() if name.isupper() and isinstance(value, str)}
    named |= set(stack_outputs.IP_SET_ARNS.values())
    assert named == {name for names in CONTRACT.values() for name in names}


class FakeCloudFormation:
    """Stands in for aws.cloudformation.CloudFormation: stacks by name, and the calls made."""

    def __init__(self, region, stacks, calls):
        self.region, self._stacks, self._calls = region, stacks, calls

    def describe_stack(self, name):
        self._calls.append((self.region, name))
        return self._stacks.get((self.region, name))


def _reader(stacks, calls, usable=None):
    environment = SimpleNamespace(name="staging", stacks={
        "edge": SimpleNamespace(stack_name="cf-staging-edge", regions=("us-east-1",)),
        "api": SimpleNamespace(stack_name="cf-staging-api", regions=("us-east-1", "eu-west-1"))})
    return StackOutputs(None, environment, usable=usable,
                        cloudformation=lambda region: FakeCloudFormation(region, stacks, calls))


def _info(name, status="CREATE_COMPLETE", **outputs):
    return StackInfo(name, f"id-{name}", status, outputs=outputs)


def test_reads_each_stack_once_and_defaults_to_its_first_region():
    calls = []
    reader = _reader({("us-east-1", "cf-staging-edge"): _info("cf-staging-edge", DistributionId="E1")}, calls)
    assert reader.value("edge", "DistributionId") == "E1"
    assert reader.of("edge") == {"DistributionId": "E1"}
    assert reader.stack("edge").status == "CREATE_COMPLETE"
    assert calls == [("us-east-1", "cf-staging-edge")]


def test_missing_stack_and_missing_output_name_stack_and_fix():
    reader = _reader({("eu-west-1", "cf-staging-api"): _info("cf-staging-api")}, [])
    with pytest.raises(NotFoundError, match=r"cf-staging-edge does not exist in us-east-1; deploy it first "
                                            r"\(candlefish deploy staging\)"):
        reader.value("edge", "DistributionId")
    with pytest.raises(NotFoundError, match="cf-staging-api has no RestApiId output; pass --stack"):
        reader.value("api", "RestApiId", "eu-west-1", fix="pass --stack")


def test_a_missing_stack_is_asked_for_again_and_remembered_outputs_win():
    calls, stacks = [], {}
    reader = _reader(stacks, calls)
    assert reader.of("api", "eu-west-1") is None
    stacks[("eu-west-1", "cf-staging-api")] = _info("cf-staging-api", RestApiId="old")
    assert reader.of("api", "eu-west-1") == {"RestApiId": "old"}
    reader.remember("api", "eu-west-1", {"RestApiId": "new"})
    assert reader.of("api", "eu-west-1") == {"RestApiId": "new"}
    assert len(calls) == 2


def test_a_stack_in_an_unusable_state_has_no_outputs():
    stacks = {("us-east-1", "cf-staging-edge"): _info("cf-staging-edge", "ROLLBACK_COMPLETE", DistributionId="E1")}
    assert _reader(stacks, [], usable={"CREATE_COMPLETE"}).of("edge") is None
    assert _reader(stacks, []).of("edge") == {"DistributionId": "E1"}
