"""cfn-lint gate: every template lints without errors and without warnings in the regions it deploys to."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from cfn_template_support import ENVIRONMENTS, TEMPLATE_PATHS, load_config

MAX_TEMPLATE_BODY_BYTES = 51_200  # larger templates must go through S3 (TemplateURL)


def deploy_regions() -> list[str]:
    """Every region a config deploys a stack to."""
    regions: set[str] = set()
    for env in ENVIRONMENTS:
        config = load_config(env)
        for stack in config["stacks"].values():
            regions.update(stack.get("regions") or [stack.get("region", config["region"])])
    return sorted(regions)


def cfn_lint_executable() -> str:
    beside = Path(sys.executable).with_name("cfn-lint")
    found = str(beside) if beside.exists() else shutil.which("cfn-lint")
    if not found:
        pytest.fail("cfn-lint is not installed: pip install 'candlefish-ops[test]'")
    return found


def run_cfn_lint(paths: list[Path], regions: list[str]) -> list[dict]:
    """One cfn-lint run (errors and warnings; informational rules off) as parsed JSON matches."""
    command = [cfn_lint_executable(), "--format", "json", "--regions", *regions, "--", *map(str, paths)]
    completed = subprocess.run(command, capture_output=True, text=True, timeout=900, check=False)
    assert completed.stdout.strip(), completed.stderr[-2000:]
    return json.loads(completed.stdout)


@pytest.fixture(scope="module")
def lint_matches() -> list[dict]:
    """All templates in one run: loading cfn-lint's rules and schemas costs seconds each time."""
    return run_cfn_lint(TEMPLATE_PATHS, deploy_regions())


def test_there_are_templates():
    assert len(TEMPLATE_PATHS) >= 9


@pytest.mark.parametrize("path", TEMPLATE_PATHS, ids=lambda p: p.name)
def test_cfn_lint_reports_nothing(path, lint_matches):
    problems = [f"{path.name}:{m['Location']['Start']['LineNumber']}: {m['Rule']['Id']} {m['Message']}"
                for m in lint_matches if Path(m["Filename"]).name == path.name]
    assert problems == [], "\n".join(problems)


@pytest.mark.parametrize("path", TEMPLATE_PATHS, ids=lambda p: p.name)
def test_template_fits_in_a_direct_create_stack(path):
    assert path.stat().st_size <= MAX_TEMPLATE_BODY_BYTES


def test_lint_gate_catches_a_warning(tmp_path):
    """The gate is not vacuous: a warning-level problem is reported."""
    broken = tmp_path / "broken.yaml"
    broken.write_text(
        "AWSTemplateFormatVersion: '2010-09-09'\n"
        "Parameters:\n  Unused: {Type: String}\n"
        "Resources:\n  Topic: {Type: AWS::SNS::Topic}\n"
    )
    assert [m["Rule"]["Id"] for m in run_cfn_lint([broken], ["us-east-1"])] == ["W2001"]
