"""Helpers of the template tests: paths, and CloudFormation-aware loading of templates and configs."""

from __future__ import annotations

from pathlib import Path

import yaml
from cfnlint.decode.decode import decode

REPO_ROOT = Path(__file__).resolve().parents[3]
TEMPLATES_DIR = REPO_ROOT / "templates"
CONFIG_DIR = REPO_ROOT / "config"
ENVIRONMENTS = ("production", "staging")
TEMPLATE_PATHS = sorted(TEMPLATES_DIR.glob("*.yaml"))


def load_template(path: Path) -> dict:
    """Parse a template with cfn-lint's decoder (understands !Ref, !Sub, ...)."""
    template, errors = decode(str(path))
    assert not errors, f"{path.name}: {[str(e) for e in errors]}"
    return template


def load_config(env: str) -> dict:
    with open(CONFIG_DIR / f"{env}.yaml", encoding="utf-8") as handle:
        return yaml.safe_load(handle)
