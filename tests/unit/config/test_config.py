"""Config validation: every mistake is a ConfigError naming the file and the key."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from candlefish_ops.config import dependency_batches, load_environment
from candlefish_ops.deploy.templates import load_template
from candlefish_ops.errors import ConfigError

TEMPLATE = """
Parameters:
  Name:
    Type: String
  Size:
    Type: Number
    Default: 1
Resources:
  Thing:
    Type: AWS::SNS::Topic
Outputs:
  ThingArn:
    Value: !Ref Thing
"""


def write_env(tmp_path: Path, body: str, name: str = "staging") -> Path:
    (tmp_path / "templates").mkdir(exist_ok=True)
    (tmp_path / "templates" / "t.yaml").write_text(textwrap.dedent(TEMPLATE))
    config = tmp_path / "config"
    config.mkdir(exist_ok=True)
    (config / f"{name}.yaml").write_text(textwrap.dedent(body))
    load_template.cache_clear()
    return config


GOOD = """
project: demo
stacks:
  a:
    template: t.yaml
    parameters: {Name: x}
  b:
    template: t.yaml
    regions: [us-east-1, eu-west-1]
    parameters: {Name: "${a.ThingArn}", Size: 2}
  c:
    template: t.yaml
    depends_on: [a]
    parameters: {Name: "${b@eu-west-1.ThingArn}"}
"""


def test_good_config_loads_typed_and_batches_dependencies(tmp_path):
    env = load_environment(write_env(tmp_path, GOOD), "staging")
    assert env.stacks["b"].regions == ("us-east-1", "eu-west-1")
    assert env.stacks["b"].depends_on == ("a",)
    assert env.stacks["c"].depends_on == ("a", "b")
    assert env.stacks["a"].stack_name == "demo-staging-a"
    assert dependency_batches(env.stacks) == [["a"], ["b"], ["c"]]


@pytest.mark.parametrize("body, message", [
    ("project: demo\nstacks: {a: {template: t.yaml, parameters: {Name: x}}}\nbogus: 1\n",
     "bogus: unknown key"),
    ("project: demo\nstacks: {a: {template: t.yaml, colour: red}}\n", "stacks.a.colour: unknown key"),
    ("project: demo\nstacks: {a: {template: 5}}\n", "stacks.a.template: must be a string"),
    ("project: demo\nprotected: maybe\nstacks: {a: {template: t.yaml}}\n", "protected: must be true or false"),
    ("project: demo\nstacks: {a: {template: t.yaml, depends_on: [zz]}}\n",
     "stacks.a.depends_on[0]: unknown stack 'zz'"),
    ("project: demo\nstacks: {a: {template: t.yaml, parameters: {Name: '${zz.Out}'}}}\n",
     "stacks.a.parameters.Name: ${zz.Out} names unknown stack 'zz'"),
    ("project: demo\nstacks:\n  a: {template: t.yaml, depends_on: [b]}\n  b: {template: t.yaml, depends_on: [a]}\n",
     "dependency cycle: a -> b -> a"),
    ("project: demo\nstacks: {a: {template: t.yaml, region: mars-1}}\n", "'mars-1' is not an AWS region"),
    ("project: demo\nstacks:\n  a: {template: t.yaml, regions: [us-east-1, eu-west-1]}\n"
     "  b: {template: t.yaml, region: ap-southeast-1, parameters: {Name: '${a.ThingArn}'}}\n", "is ambiguous"),
    ("project: demo\nstacks: {a: {template: t.yaml, parameters: {Name: '${a-b}'}}}\n", "bad reference"),
    ("project: demo\naccount_id: 12\nstacks: {a: {template: t.yaml}}\n", "12-digit"),
    ("project: Demo!\nstacks: {a: {template: t.yaml}}\n", "project"),
    ("stacks: {a: {template: t.yaml}}\n", "project: is required"),
    ("project: demo\nstacks: {a: {template: t.yaml}\n", "not valid YAML"),
])
def test_bad_config_names_file_and_key(tmp_path, body, message):
    config = write_env(tmp_path, body)
    with pytest.raises(ConfigError) as raised:
        load_environment(config, "staging")
    assert message in str(raised.value)
    assert "staging.yaml" in str(raised.value)


def test_unknown_environment_lists_known_ones(tmp_path):
    config = write_env(tmp_path, GOOD)
    with pytest.raises(ConfigError, match=r"known environments: staging"):
        load_environment(config, "prod")


def test_stack_tags_cannot_override_ours(tmp_path):
    config = write_env(tmp_path, GOOD.replace("project: demo", "project: demo\ntags: {ManagedBy: me, Team: x}"))
    env = load_environment(config, "staging")
    assert env.stack_tags(env.stacks["a"]) == {"ManagedBy": "candlefish", "Team": "x", "Project": "demo",
                                               "Environment": "staging"}


YAML_ERROR_ON_LINE_6 = {
    "missing colon": "project: demo\nregion: us-east-1\ntags:\n  a: b\nstacks: {a: {template: t.yaml}}\nfoo\nprotected: true\n",
    "unclosed quote": "project: demo\nregion: us-east-1\ntags:\n  a: b\nstacks: {a: {template: t.yaml}}\ndomain: \"x.io\nprotected: true\n",
    "unclosed bracket": "project: demo\nregion: us-east-1\ntags:\n  a: b\nstacks: {a: {template: t.yaml}}\nx: [1, 2\nprotected: true\n",
    "tab": "project: demo\nregion: us-east-1\ntags:\n  a: b\nstacks: {a: {template: t.yaml}}\n\tprotected: true\n",
    "value after value": "project: demo\nregion: us-east-1\ntags:\n  a: b\nstacks: {a: {template: t.yaml}}\ndomain: a: b\n",
    "bad indent": "project: demo\nregion: us-east-1\ntags:\n  a: b\n  c: d\n d: e\nstacks: {a: {template: t.yaml}}\n",
}


@pytest.mark.parametrize("body", YAML_ERROR_ON_LINE_6.values(), ids=YAML_ERROR_ON_LINE_6.keys())
def test_yaml_errors_name_the_line_of_the_mistake(tmp_path, body):
    """1-based, and the line where the fix goes (libyaml notices an unterminated key, quote or bracket
    a line later; that line was reported before: 7 instead of 6)."""
    config = write_env(tmp_path, body)
    with pytest.raises(ConfigError) as raised:
        load_environment(config, "staging")
    assert ": line 6, column " in str(raised.value) and "not valid YAML" in str(raised.value)


def test_a_template_yaml_error_names_its_line(tmp_path):
    from candlefish_ops.deploy.templates import load_template

    path = tmp_path / "bad.yaml"
    path.write_text("Resources:\n  A:\n    Type: AWS::SNS::Topic\n  B:\n    Type: AWS::SNS::Topic\n    Properties\n"
                    "      TopicName: x\n")
    with pytest.raises(ConfigError, match=r"bad.yaml: line 6, column \d+: template is not valid YAML"):
        load_template(path)
