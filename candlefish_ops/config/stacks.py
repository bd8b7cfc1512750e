"""The `stacks:` section: templates, regions, parameters with output references, dependency order."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping

from candlefish_ops.config.schema import Node

REGION_PATTERN = re.compile(r"^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d$")
STACK_KEY_PATTERN = re.compile(r"^[a-z][a-z0-9-]{0,39}$")
REFERENCE_PATTERN = re.compile(r"\$\{([^}]*)\}")
_REFERENCE_BODY = re.compile(r"^(?P<stack>[a-z][a-z0-9-]*)(@(?P<region>[a-z0-9-]+))?\.(?P<output>[A-Za-z0-9]+)$")
_STACK_KEYS = {"template", "region", "regions", "depends_on", "parameters", "tags",
               "termination_protection", "stack_name"}


@dataclass(frozen=True)
class OutputRef:
    """`${stack.Output}` or `${stack@region.Output}` inside a parameter value."""

    stack: str
    output: str
    region: str | None = None

    def __str__(self) -> str:
        at = f"@{self.region}" if self.region else ""
        return f"${{{self.stack}{at}.{self.output}}}"


@dataclass(frozen=True)
class ParameterValue:
    """A parameter as written in config: literal text, possibly with output references in it."""

    text: str
    refs: tuple[OutputRef, ...] = ()

    def resolve(self, lookup) -> str:
        """Substitute each reference with `lookup(ref)`."""
        parts = iter(self.refs)
        return REFERENCE_PATTERN.sub(lambda _match: lookup(next(parts)), self.text)


@dataclass(frozen=True)
class StackConfig:
    key: str
    stack_name: str
    template: Path
    regions: tuple[str, ...]
    depends_on: tuple[str, ...]
    parameters: Mapping[str, ParameterValue] = field(default_factory=dict)
    tags: Mapping[str, str] = field(default_factory=dict)
    termination_protection: bool = False


def parse_stacks(node: Node, project: str, env: str, default_region: str, protected: bool,
                 templates_dir: Path) -> dict[str, StackConfig]:
    node.mapping()
    if not node.value:
        raise node.error("declares no stacks")
    stacks = {}
    for key, stack_node in node.items():
        if not STACK_KEY_PATTERN.match(key):
            raise stack_node.error("stack keys are lower-case letters, digits and dashes, starting with a letter")
        stacks[key] = _parse_stack(key, stack_node, project, env, default_region, protected, templates_dir)
    _check_references(stacks, node)
    stacks = {key: _with_implied_dependencies(stack) for key, stack in stacks.items()}
    dependency_batches(stacks, node)
    return stacks


def _parse_stack(key, node: Node, project, env, default_region, protected, templates_dir) -> StackConfig:
    node.mapping(_STACK_KEYS, required={"template"})
    if "region" in node.value and "regions" in node.value:
        raise node.error("give either region or regions, not both")
    regions = node.str_list("regions") or (node.get("region", str, default_region),)
    for index, region in enumerate(regions):
        if not REGION_PATTERN.match(region):
            field_name = "regions" if "regions" in node.value else "region"
            raise node.error(f"{region!r} is not an AWS region name (e.g. us-east-1)", field_name)
    if len(set(regions)) != len(regions):
        raise node.error("lists a region twice", "regions")
    template = templates_dir / node.get("template", str, required=True)
    return StackConfig(
        key=key,
        stack_name=node.get("stack_name", str, f"{project}-{env}-{key}"),
        template=template,
        regions=tuple(regions),
        depends_on=node.str_list("depends_on"),
        parameters=_parse_parameters(node),
        tags=node.str_map("tags"),
        termination_protection=node.get("termination_protection", bool, protected),
    )


def _parse_parameters(node: Node) -> dict[str, ParameterValue]:
    if node.value.get("parameters") is None:
        return {}
    result = {}
    for name, value_node in node.child("parameters").mapping().items():
        result[name] = _parse_parameter(value_node)
    return result


def _parse_parameter(node: Node) -> ParameterValue:
    value = node.value
    if isinstance(value, list):
        text = ",".join(_scalar_text(element) for element in node.elements())
    else:
        text = _scalar_text(node)
    refs = []
    for body in REFERENCE_PATTERN.findall(text):
        match = _REFERENCE_BODY.match(body)
        if not match:
            raise node.error(f"bad reference ${{{body}}}: write ${{stack.Output}} or ${{stack@region.Output}}")
        refs.append(OutputRef(match["stack"], match["output"], match["region"]))
    return ParameterValue(text, tuple(refs))


def _scalar_text(node: Node) -> str:
    value = node.value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (str, int, float)):
        return str(value)
    raise node.error("must be a string, number, boolean or a list of them")


def _check_references(stacks: dict[str, StackConfig], node: Node) -> None:
    for key, stack in stacks.items():
        for index, dependency in enumerate(stack.depends_on):
            if dependency not in stacks:
                raise node.error(f"unknown stack {dependency!r} (known: {', '.join(stacks)})",
                                 f"{key}.depends_on[{index}]")
            if dependency == key:
                raise node.error("a stack cannot depend on itself", f"{key}.depends_on[{index}]")
        for name, value in stack.parameters.items():
            for ref in value.refs:
                _check_reference(ref, stack, stacks, node.error, f"{key}.parameters.{name}")


def _check_reference(ref: OutputRef, stack: StackConfig, stacks, error, where: str) -> None:
    target = stacks.get(ref.stack)
    if target is None:
        raise error(f"{ref} names unknown stack {ref.stack!r} (known: {', '.join(stacks)})", where)
    if ref.stack == stack.key:
        raise error(f"{ref} refers to the stack itself", where)
    if ref.region and ref.region not in target.regions:
        raise error(f"{ref}: stack {ref.stack!r} does not deploy to {ref.region} "
                    f"(it deploys to {', '.join(target.regions)})", where)
    if not ref.region and len(target.regions) > 1 and not set(stack.regions) <= set(target.regions):
        raise error(f"{ref} is ambiguous: {ref.stack!r} deploys to {', '.join(target.regions)}; "
                    f"write ${{{ref.stack}@REGION.{ref.output}}}", where)


def _with_implied_dependencies(stack: StackConfig) -> StackConfig:
    implied = [ref.stack for value in stack.parameters.values() for ref in value.refs]
    ordered = tuple(dict.fromkeys([*stack.depends_on, *implied]))
    return StackConfig(**{**stack.__dict__, "depends_on": ordered})


def dependency_batches(stacks: Mapping[str, StackConfig], node: Node | None = None) -> list[list[str]]:
    """Kahn's algorithm: batches of stack keys whose dependencies are all in earlier batches."""
    remaining = {key: set(stack.depends_on) & set(stacks) for key, stack in stacks.items()}
    batches = []
    while remaining:
        ready = sorted(key for key, deps in remaining.items() if not deps)
        if not ready:
            cycle = " -> ".join(_find_cycle(remaining))
            message = f"dependency cycle: {cycle}"
            raise node.error(message) if node is not None else ValueError(message)
        batches.append(ready)
        for key in ready:
            del remaining[key]
        for deps in remaining.values():
            deps.difference_update(ready)
    return batches


def _find_cycle(graph: dict[str, set[str]]) -> list[str]:
    start = sorted(graph)[0]
    path, seen = [start], {start}
    while True:
        following = sorted(graph[path[-1]])[0]
        if following in seen:
            return path[path.index(following):] + [following]
        path.append(following)
        seen.add(following)
