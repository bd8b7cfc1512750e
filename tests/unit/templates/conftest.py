"""Shared fixtures of the template tests: the templates (parsed CloudFormation-aware) and the configs."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

# The helper module sits beside the tests; make it importable under any pytest --import-mode.
sys.path.insert(0, str(Path(__file__).resolve().parent))

from cfn_template_support import ENVIRONMENTS, TEMPLATE_PATHS, load_config, load_template  # noqa: E402


@pytest.fixture(scope="session")
def templates() -> dict[str, dict]:
    """Every template, keyed by file name."""
    return {path.name: load_template(path) for path in TEMPLATE_PATHS}


@pytest.fixture(scope="session")
def configs() -> dict[str, dict]:
    return {env: load_config(env) for env in ENVIRONMENTS}
