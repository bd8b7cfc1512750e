"""The deploy planner (candlefish_ops/deploy/plan.py): batches by dependency, and every check that needs no AWS
call (templates readable, parameters given and declared, referenced outputs declared) made before any change."""

from __future__ import annotations

import pytest

from candlefish_ops.config import load_environment
from candlefish_ops.deploy.plan import plan_deploy
from candlefish_ops.errors import ConfigError, ValidationError
from tests.unit.config.test_config import GOOD, write_env


def test_batches_follow_dependencies_and_regions(tmp_path):
    plan = plan_deploy(load_environment(write_env(tmp_path, GOOD), "staging"))
    assert [[t.label for t in batch] for batch in plan.batches] == [
        ["a (us-east-1)"], ["b (us-east-1)", "b (eu-west-1)"], ["c (us-east-1)"]]


@pytest.mark.parametrize("params, message", [
    ("{}", r"needs Name \(no Default\)"),
    ("{Name: x, Colour: red}", "Colour not declared by template"),
    ("{Name: '${b.Missing}'}", "has no output 'Missing'"),
])
def test_template_parameters_and_outputs_checked_before_any_call(tmp_path, params, message):
    config = write_env(tmp_path, f"project: demo\nstacks:\n  a: {{template: t.yaml, parameters: {params}}}\n"
                                 "  b: {template: t.yaml, parameters: {Name: x}}\n")
    with pytest.raises(ConfigError, match=message):
        plan_deploy(load_environment(config, "staging"))


def test_missing_template_and_unknown_only(tmp_path):
    config = write_env(tmp_path, "project: demo\nstacks: {a: {template: nope.yaml}}\n")
    with pytest.raises(ConfigError, match="stacks.a.template: no template at .*nope.yaml"):
        plan_deploy(load_environment(config, "staging"))
    config = write_env(tmp_path, GOOD)
    with pytest.raises(ValidationError, match="unknown stack 'zz'"):
        plan_deploy(load_environment(config, "staging"), only=["zz"])


def test_with_dependencies_is_transitive(tmp_path):
    from candlefish_ops.deploy.plan import with_dependencies

    env = load_environment(write_env(tmp_path, GOOD), "staging")
    assert sorted(with_dependencies(env, ["c"])) == ["a", "b", "c"]
    assert with_dependencies(env, ["a"]) == ["a"]


def test_a_missing_template_says_where_it_looked_and_which_key_sets_it(tmp_path):
    config = write_env(tmp_path, "project: demo\ntemplates_dir: ../cfn\nstacks: {a: {template: app.yaml}}\n")
    with pytest.raises(ConfigError) as raised:
        plan_deploy(load_environment(config, "staging"))
    message = str(raised.value)
    assert "staging.yaml: stacks.a.template: no template at" in message
    assert str((tmp_path / "cfn" / "app.yaml").resolve()) in message and "templates_dir" in message
