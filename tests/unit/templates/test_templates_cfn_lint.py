"""cfn-lint gate: every template lints without errors and without warnings in each region it deploys to."""

from __future__ import annotations

import pytest
from cfnlint.api import lint

from cfn_template_support import ENVIRONMENTS, TEMPLATE_PATHS, load_config

MAX_TEMPLATE_BODY_BYTES = 51_200  # larger templates must go through S3 (TemplateURL)


def deploy_regions(template_name: str) -> list[str]:
    """Regions the configs deploy a template to (us-east-1 when no config uses it)."""
    regions: set[str] = set()
    for env in ENVIRONMENTS:
        config = load_config(env)
        for stack in config["stacks"].values():
            if stack["template"] == template_name:
                regions.update(stack.get("regions") or [stack.get("region", config["region"])])
    return sorted(regions) or ["us-east-1"]


def test_there_are_templates():
    assert len(TEMPLATE_PATHS) >= 9


@pytest.mark.parametrize("path", TEMPLATE_PATHS, ids=lambda p: p.name)
def test_cfn_lint_reports_nothing(path):
    matches = lint(path.read_text(encoding="utf-8"), regions=deploy_regions(path.name))
    problems = [f"{path.name}:{m.linenumber}: {m.rule.id} {m.message}" for m in matches]
    assert problems == [], "\n".join(problems)


@pytest.mark.parametrize("path", TEMPLATE_PATHS, ids=lambda p: p.name)
def test_template_fits_in_a_direct_create_stack(path):
    assert path.stat().st_size <= MAX_TEMPLATE_BODY_BYTES


def test_lint_gate_catches_a_broken_template():
    """The gate is not vacuous: a warning-level problem is reported."""
    broken = (
        "AWSTemplateFormatVersion: '2010-09-09'\n"
        "Parameters:\n  Unused: {Type: String}\n"
        "Resources:\n  Topic: {Type: AWS::SNS::Topic}\n"
    )
    assert [m.rule.id for m in lint(broken, regions=["us-east-1"])] == ["W2001"]
