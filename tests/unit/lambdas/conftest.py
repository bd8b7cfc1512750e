"""Fixtures for the Lambda@Edge tests: handlers loaded by file path, CloudFront event fixtures.

``lambdas/`` is not a package (each function is bundled on its own), so the handler modules are
loaded from their files under unique module names, exactly once per session.
"""

import copy
import importlib.util
import json
import pathlib
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[3]
LAMBDAS = ROOT / "lambdas"  # also in edge_events.py: tests import that, never conftest
FIXTURES = pathlib.Path(__file__).parent / "fixtures"
NAMES = ("viewer_request", "viewer_response", "origin_request", "origin_response", "image_optimizer")


def load_module(path, module_name):
    """Import a Python file under ``module_name`` (cached in sys.modules)."""
    if module_name in sys.modules:
        return sys.modules[module_name]
    spec = importlib.util.spec_from_file_location(module_name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    spec.loader.exec_module(module)
    return module


def load_handler(name):
    """The handler module of one edge function."""
    return load_module(LAMBDAS / name / "handler.py", f"candlefish_edge_{name}")


def load_event(name):
    """A fresh copy of a CloudFront event fixture."""
    return json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def edge():
    """Namespace-like dict of the five handler modules."""
    return {name: load_handler(name) for name in NAMES}


@pytest.fixture()
def config():
    """A deep copy of the default edge configuration (safe to modify per test)."""
    return copy.deepcopy(json.loads((LAMBDAS / "edge_config.json").read_text(encoding="utf-8")))


@pytest.fixture(scope="session")
def imagegen():
    """The deterministic image generator shared with the benchmarks."""
    return load_module(ROOT / "bench" / "imagegen.py", "candlefish_bench_imagegen")
