"""config/<env>.yaml against templates/: every stack names an existing template, gives every parameter
the template needs and no other, references only outputs that exist in stacks that exist, in a
region that is unambiguous, and the stack graph has no cycle."""

from __future__ import annotations

import copy
import re

import pytest
from cfn_template_support import ENVIRONMENTS, TEMPLATE_PATHS

REFERENCE = re.compile(r"\$\{([A-Za-z0-9_-]+)(?:@([a-z0-9-]+))?\.([A-Za-z0-9]+)\}")
TOP_LEVEL_KEYS = {"project", "environment", "account_id", "region", "protected", "domain", "tags",
                  "artifacts_bucket", "stacks", "dns", "waf", "reports", "edge", "site", "probe"}
STACK_KEYS = {"template", "region", "regions", "depends_on", "termination_protection", "tags", "parameters"}


def stack_regions(config: dict, stack: dict) -> list[str]:
    return list(stack.get("regions") or [stack.get("region") or config["region"]])


def rendered(value) -> str:
    """A parameter value as the deploy engine passes it to CloudFormation."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ",".join(rendered(item) for item in value)
    return str(value)


def literal_value_problems(name: str, spec: dict, value) -> list[str]:
    """What CloudFormation would reject in a literal (reference-free) parameter value."""
    text, problems = rendered(value), []
    is_list = spec["Type"] == "CommaDelimitedList" or spec["Type"].startswith("List<")
    if isinstance(value, list) and not is_list:
        problems.append(f"{name}: a list given to a {spec['Type']} parameter")
    if "AllowedValues" in spec and text not in [rendered(v) for v in spec["AllowedValues"]]:
        problems.append(f"{name}: {text!r} not in AllowedValues {spec['AllowedValues']}")
    if "AllowedPattern" in spec and not is_list and not re.fullmatch(spec["AllowedPattern"], text):
        problems.append(f"{name}: {text!r} does not match {spec['AllowedPattern']}")
    if spec["Type"] == "Number":
        try:
            number = float(text)
        except ValueError:
            return problems + [f"{name}: {text!r} is not a number"]
        if number < float(spec.get("MinValue", number)) or number > float(spec.get("MaxValue", number)):
            problems.append(f"{name}: {text} outside [{spec.get('MinValue')}, {spec.get('MaxValue')}]")
    return problems


def reference_problems(config: dict, templates: dict, key: str, ref: re.Match) -> list[str]:
    target_key, region, output = ref.groups()
    stacks = config["stacks"]
    if target_key not in stacks:
        return [f"{key}: {ref.group(0)} names no stack"]
    target = stacks[target_key]
    target_regions = stack_regions(config, target)
    problems = []
    if region and region not in target_regions:
        problems.append(f"{key}: {ref.group(0)}: {target_key} is not deployed in {region}")
    if not region and len(target_regions) > 1:
        outside = set(stack_regions(config, stacks[key])) - set(target_regions)
        if outside:
            problems.append(f"{key}: {ref.group(0)} is ambiguous in {sorted(outside)}: add @region")
    outputs = templates.get(target["template"], {}).get("Outputs", {})
    if output not in outputs:
        problems.append(f"{key}: {ref.group(0)}: {target['template']} has no output {output}")
    elif "Condition" in outputs[output]:
        problems.append(f"{key}: {ref.group(0)}: output {output} is conditional and may not exist")
    return problems


def dependencies(config: dict) -> dict[str, set[str]]:
    graph = {}
    for key, stack in config["stacks"].items():
        refs = {m.group(1) for v in (stack.get("parameters") or {}).values() for m in REFERENCE.finditer(rendered(v))}
        graph[key] = refs | set(stack.get("depends_on") or [])
    return graph


def cycle_problems(graph: dict[str, set[str]]) -> list[str]:
    state: dict[str, str] = {}

    def visit(node: str, path: list[str]) -> list[str]:
        if state.get(node) == "done" or node not in graph:
            return []
        if state.get(node) == "open":
            return [f"dependency cycle: {' -> '.join(path + [node])}"]
        state[node] = "open"
        found = [p for nxt in sorted(graph[node]) for p in visit(nxt, path + [node])]
        state[node] = "done"
        return found

    return [p for node in sorted(graph) for p in visit(node, [])]


def stack_problems(config: dict, templates: dict, key: str, stack: dict) -> list[str]:
    problems = [f"{key}: unknown key {k}" for k in sorted(set(stack) - STACK_KEYS)]
    if stack.get("template") not in templates:
        return problems + [f"{key}: template {stack.get('template')!r} does not exist in templates/"]
    declared = templates[stack["template"]].get("Parameters", {})
    given = stack.get("parameters") or {}
    from candlefish_ops.edge.functions import RELEASE_PARAMETERS  # supplied by the edge release step
    from candlefish_ops.waf.ip_sets import IP_SET_PARAMETERS  # supplied by the deploy's WAF IP set step

    problems += [f"{key}: parameter {p} has no Default and is not given"
                 for p, spec in declared.items() if "Default" not in spec and p not in given
                 and p not in RELEASE_PARAMETERS and p not in IP_SET_PARAMETERS]
    problems += [f"{key}: {stack['template']} has no parameter {p}" for p in given if p not in declared]
    for name, value in given.items():
        refs = list(REFERENCE.finditer(rendered(value)))
        problems += [p for ref in refs for p in reference_problems(config, templates, key, ref)]
        if not refs and name in declared:
            problems += [f"{key}: {p}" for p in literal_value_problems(name, declared[name], value)]
    problems += [f"{key}: depends_on names no stack {d}" for d in stack.get("depends_on") or []
                 if d not in config["stacks"]]
    return problems


def config_problems(env: str, config: dict, templates: dict) -> list[str]:
    problems = [f"unknown top-level key {k}" for k in sorted(set(config) - TOP_LEVEL_KEYS)]
    if config.get("environment", env) != env:
        problems.append(f"environment {config['environment']!r} differs from the file name {env}")
    for key, stack in config["stacks"].items():
        problems += stack_problems(config, templates, key, stack)
        environment = (stack.get("parameters") or {}).get("Environment")
        if environment is not None and environment != env:
            problems.append(f"{key}: Environment parameter {environment!r} is not {env}")
    return problems + cycle_problems(dependencies(config))


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_config_matches_templates(env, configs, templates):
    assert config_problems(env, configs[env], templates) == []


def test_production_uses_every_template(configs):
    used = {stack["template"] for stack in configs["production"]["stacks"].values()}
    assert used == {path.name for path in TEMPLATE_PATHS}


def test_environment_settings(configs):
    production, staging = configs["production"], configs["staging"]
    assert (production["protected"], production["domain"]) == (True, "candlefish.ai")
    assert (staging["protected"], staging["domain"]) == (False, "staging.candlefish.ai")
    for layer in ("network", "api", "compute"):
        assert stack_regions(production, production["stacks"][layer]) == ["us-east-1", "eu-west-1", "ap-southeast-1"]
    assert production["stacks"]["storage"]["parameters"]["DrRegion"] == "us-west-2"
    assert {stack_regions(staging, s)[0] for s in staging["stacks"].values()} == {"us-east-1"}
    assert "DrRegion" not in staging["stacks"]["storage"]["parameters"]


def test_staging_is_smaller_than_production(configs):
    prod = {k: s.get("parameters", {}) for k, s in configs["production"]["stacks"].items()}
    stage = {k: s.get("parameters", {}) for k, s in configs["staging"]["stacks"].items()}
    assert stage["compute"]["EnableEks"] == "false" and prod["compute"]["EnableEks"] == "true"
    assert stage["network"]["NatGatewayCount"] < prod["network"]["NatGatewayCount"]
    assert float(stage["api"]["CacheClusterSize"]) < float(prod["api"]["CacheClusterSize"])
    assert stage["data"]["RedisNodes"] < prod["data"]["RedisNodes"]
    assert stage["compute"]["MaxTasks"] < prod["compute"]["MaxTasks"]
    assert (stage["data"]["DbMultiAz"], prod["data"]["DbMultiAz"]) == ("false", "true")


def broken(configs, change) -> dict:
    config = copy.deepcopy(configs["production"])
    change(config["stacks"])
    return config


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda s: s["edge"]["parameters"].pop("WebAclArn"), "edge: parameter WebAclArn has no Default"),
        (lambda s: s["edge"]["parameters"].update(Colour="blue"), "edge: edge.yaml has no parameter Colour"),
        (lambda s: s["edge"].update(template="cdn.yaml"), "edge: template 'cdn.yaml' does not exist"),
        (lambda s: s["edge"]["parameters"].update(WebAclArn="${security.AclArn}"), "has no output AclArn"),
        (lambda s: s["edge"]["parameters"].update(WebAclArn="${waf.WebAclArn}"), "names no stack"),
        (lambda s: s["replica"]["parameters"].update(Environment="${api.RestApiName}"), "ambiguous in ['us-west-2']"),
        (lambda s: s["edge"]["parameters"].update(ApiOriginDomainName="${api@us-west-2.RestApiDomainName}"),
         "api is not deployed in us-west-2"),
        (lambda s: s["edge"].update(depends_on=["cdn"]), "depends_on names no stack cdn"),
        (lambda s: s["dns"].update(depends_on=["edge"]), "dependency cycle"),
        (lambda s: s["data"]["parameters"].update(DbInstanceClass="db.x99.huge"), "not in AllowedValues"),
        (lambda s: s["storage"]["parameters"].update(DrRegion="mars-1"), "not in AllowedValues"),
        (lambda s: s["security"]["parameters"].update(GlobalRateLimit=10), "outside [100"),
        (lambda s: s["dns"]["parameters"].update(DomainName="Not A Domain"), "does not match"),
        (lambda s: s["edge"]["parameters"].update(HostedZoneId="${compute@us-east-1.EksClusterName}"),
         "is conditional"),
        (lambda s: s["data"]["parameters"].update(Environment="staging"), "is not production"),
    ],
)
def test_consistency_check_reports_each_kind_of_mistake(configs, templates, change, expected):
    problems = config_problems("production", broken(configs, change), templates)
    assert any(expected in problem for problem in problems), problems
