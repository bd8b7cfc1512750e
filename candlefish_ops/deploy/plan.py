"""Plan a deploy: which stacks, in which regions, in which dependency batches. Pure; no AWS calls.

Everything that can be checked without AWS is checked here (templates readable, parameters given and
known, referenced outputs declared), so a bad config changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping, Sequence

from candlefish_ops.config import Environment, StackConfig, dependency_batches
from candlefish_ops.config.stacks import OutputRef, ParameterValue
from candlefish_ops.deploy.templates import TemplateInfo, load_template
from candlefish_ops.errors import ConfigError, ValidationError


@dataclass(frozen=True)
class StackTarget:
    """One stack in one region."""

    key: str
    region: str
    stack_name: str
    template: TemplateInfo
    parameters: Mapping[str, ParameterValue]
    tags: Mapping[str, str]
    termination_protection: bool
    depends_on: tuple[str, ...]
    release_parameters: frozenset[str] = frozenset()  # supplied by the edge release step, not by config
    ip_set_parameters: frozenset[str] = frozenset()   # WAF IP set ARNs supplied by the deploy (waf/ip_sets.py)

    @property
    def label(self) -> str:
        return f"{self.key} ({self.region})"


@dataclass(frozen=True)
class DeployPlan:
    environment: str
    batches: tuple[tuple[StackTarget, ...], ...]
    execute: bool
    protected: bool

    @property
    def targets(self) -> list[StackTarget]:
        return [target for batch in self.batches for target in batch]


def plan_deploy(environment: Environment, only: Sequence[str] = (), execute: bool = True,
                protected: bool | None = None) -> DeployPlan:
    """Batches of targets: a batch's stacks depend only on stacks of earlier batches (or deployed ones).
    `protected` (default: the environment's) says whether executing needs a confirmation."""
    unknown = [key for key in only if key not in environment.stacks]
    if unknown:
        raise ValidationError(f"--only: unknown stack {', '.join(map(repr, unknown))} "
                              f"(stacks of {environment.name}: {', '.join(environment.stacks)})")
    selected = set(only or environment.stacks)
    batches = []
    for keys in dependency_batches(environment.stacks):
        batch = [target for key in keys if key in selected
                 for target in _targets(environment, environment.stacks[key])]
        if batch:
            batches.append(tuple(batch))
    protected = environment.protected if protected is None else protected
    return DeployPlan(environment.name, tuple(batches), execute, protected)


def with_dependencies(environment: Environment, keys: Sequence[str]) -> list[str]:
    """`keys` plus everything they depend on, transitively (for deploying just what a command needs)."""
    wanted, stack = [], list(keys)
    while stack:
        key = stack.pop()
        if key in environment.stacks and key not in wanted:
            wanted.append(key)
            stack.extend(environment.stacks[key].depends_on)
    return wanted


def _targets(environment: Environment, stack: StackConfig) -> list[StackTarget]:
    template = _template(environment, stack)
    release = _check_release(environment, stack, template)
    ip_sets = _check_ip_sets(environment, stack, template)
    _check_parameters(environment, stack, template, release | ip_sets)
    return [StackTarget(stack.key, region, stack.stack_name, template, stack.parameters,
                        environment.stack_tags(stack), stack.termination_protection, stack.depends_on, release,
                        ip_sets)
            for region in stack.regions]


def _template(environment: Environment, stack: StackConfig) -> TemplateInfo:
    """The stack's template; a missing one names where it was looked for and the keys that set that."""
    if not stack.template.is_file():
        raise ConfigError(f"{environment.file}: stacks.{stack.key}.template: no template at {stack.template} "
                          f"(looked in templates_dir {environment.templates_dir}; set templates_dir in "
                          f"{environment.file.name}, relative to it, default ../templates)")
    return load_template(stack.template)


def _check_ip_sets(environment: Environment, stack: StackConfig, template: TemplateInfo) -> frozenset[str]:
    """The template's WAF IP set ARN parameters: the deploy supplies them, so the config must not."""
    from candlefish_ops.waf.ip_sets import IP_SET_PARAMETERS

    wanted = frozenset(template.parameters & set(IP_SET_PARAMETERS))
    given = sorted(wanted & set(stack.parameters))
    if given:
        raise ConfigError(f"{environment.file}: stacks.{stack.key}.parameters: {', '.join(given)} are supplied by "
                          "the deploy (the WAF IP sets it creates or finds by the names in waf.ip_sets); remove them")
    return wanted


def _check_release(environment: Environment, stack: StackConfig, template: TemplateInfo) -> frozenset[str]:
    """The template's edge release parameters; such a stack must be in us-east-1 and not set them."""
    from candlefish_ops.edge.functions import RELEASE_PARAMETERS

    release = frozenset(template.parameters & RELEASE_PARAMETERS)
    if not release:
        return release
    where = f"{environment.file}: stacks.{stack.key}"
    if stack.regions != ("us-east-1",):
        raise ConfigError(f"{where}.region: {', '.join(stack.regions)}: template {template.path.name} holds "
                          "Lambda@Edge functions, which CloudFront only takes from us-east-1; set region: us-east-1")
    given = sorted(release & set(stack.parameters))
    if given:
        raise ConfigError(f"{where}.parameters: {', '.join(given)} are set by the edge release step "
                          "(packages built from lambdas/); remove them from the config")
    return release


def _check_parameters(environment: Environment, stack: StackConfig, template: TemplateInfo,
                      release: frozenset[str] = frozenset()) -> None:
    where = f"{environment.file}: stacks.{stack.key}.parameters"
    missing = sorted(template.required_parameters - set(stack.parameters) - release)
    if missing:
        raise ConfigError(f"{where}: template {template.path.name} needs {', '.join(missing)} (no Default)")
    extra = sorted(set(stack.parameters) - template.parameters)
    if extra:
        raise ConfigError(f"{where}: {', '.join(extra)} not declared by template {template.path.name}")
    for name, value in stack.parameters.items():
        for ref in value.refs:
            _check_output_exists(environment, ref, f"{where}.{name}")


def _check_output_exists(environment: Environment, ref: OutputRef, where: str) -> None:
    source = _template(environment, environment.stacks[ref.stack])
    if ref.output not in source.outputs:
        raise ConfigError(f"{where}: {ref}: template {source.path.name} has no output {ref.output!r} "
                          f"(it has: {', '.join(sorted(source.outputs)) or 'none'})")


def reference_region(ref: OutputRef, dependent_region: str, source_regions: Sequence[str]) -> str:
    """The region whose stack answers `ref` for a dependent deployed in `dependent_region`."""
    if ref.region:
        return ref.region
    if dependent_region in source_regions:
        return dependent_region
    return source_regions[0]
