"""checkov gate (CloudFormation framework): no failed check; every suppression carries a reviewer's
reason and still suppresses something (no stale suppressions)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from cfn_template_support import TEMPLATE_PATHS, TEMPLATES_DIR, load_template

MIN_REASON_WORDS = 8


def checkov_executable() -> str:
    """checkov of the interpreter's environment (CI's venv or /work/venv), else the PATH's."""
    beside = Path(sys.executable).with_name("checkov")
    found = str(beside) if beside.exists() else shutil.which("checkov")
    if not found:
        pytest.fail("checkov is not installed: pip install 'candlefish-ops[test]'")
    return found


@pytest.fixture(scope="module")
def checkov_results() -> dict:
    """One checkov run over templates/ for the whole module (it takes seconds)."""
    command = [checkov_executable(), "-d", str(TEMPLATES_DIR), "--framework", "cloudformation",
               "--compact", "--skip-download", "-o", "json"]
    completed = subprocess.run(command, capture_output=True, text=True, timeout=600, check=False)
    report = json.loads(completed.stdout)
    report = report[0] if isinstance(report, list) else report
    assert report["summary"]["parsing_errors"] == 0, completed.stderr[-2000:]
    return report


def declared_suppressions() -> list[tuple[str, str, str, str]]:
    """(template, resource, check id, comment) of every checkov skip in the templates."""
    found = []
    for path in TEMPLATE_PATHS:
        for name, resource in load_template(path)["Resources"].items():
            skips = resource.get("Metadata", {}).get("checkov", {}).get("skip", [])
            found.extend((path.name, name, skip["id"], skip.get("comment", "")) for skip in skips)
    return found


def test_checkov_scanned_every_template(checkov_results):
    resources = sum(len(load_template(path)["Resources"]) for path in TEMPLATE_PATHS)
    assert checkov_results["summary"]["resource_count"] == resources
    assert checkov_results["summary"]["passed"] > 100


def test_checkov_has_no_failed_check(checkov_results):
    failed = [f"{c['file_path']} {c['resource']}: {c['check_id']} {c['check_name']}"
              for c in checkov_results["results"].get("failed_checks", [])]
    assert failed == [], "\n".join(failed)


def test_every_suppression_gives_a_reason():
    for template, resource, check_id, comment in declared_suppressions():
        assert len(str(comment).split()) >= MIN_REASON_WORDS, f"{template} {resource} {check_id}: reason too short"


def test_every_suppression_is_used(checkov_results):
    skipped = {(Path(c["file_path"]).name, c["resource"].split(".")[-1], c["check_id"])
               for c in checkov_results["results"].get("skipped_checks", [])}
    declared = {(template, resource, check_id) for template, resource, check_id, _ in declared_suppressions()}
    assert declared - skipped == set(), "suppressions of checks that do not apply"
    assert skipped - declared == set(), "checks skipped without a template suppression"
