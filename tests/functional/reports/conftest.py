"""Fixtures of the report tests: a config dir, a frozen "today", a private answer cache, and a deployed
environment (stacks with literal outputs naming a real emulated distribution, REST API and function)."""

from __future__ import annotations

from pathlib import Path

import pytest

from report_world import CONFIG, TODAY, Deployed, deploy_environment


@pytest.fixture
def config_dir(tmp_path: Path) -> Path:
    directory = tmp_path / "config"
    directory.mkdir()
    (directory / "production.yaml").write_text(CONFIG, encoding="utf-8")
    return directory


@pytest.fixture
def reports_env(monkeypatch, tmp_path: Path) -> Path:
    """Freeze today and give the test its own cache directory (returned)."""
    cache = tmp_path / "cache"
    monkeypatch.setenv("CANDLEFISH_TODAY", TODAY)
    monkeypatch.setenv("CANDLEFISH_CACHE_DIR", str(cache))
    monkeypatch.setenv("COLUMNS", "200")  # tables are wide; keep each row on one line
    return cache


@pytest.fixture
def deployed(aws) -> Deployed:
    """The environment's stacks, created directly (the deploy engine is not under test here)."""
    return deploy_environment(aws)
