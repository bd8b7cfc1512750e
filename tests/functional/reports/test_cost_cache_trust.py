"""The cost cache trusts nothing another local user could have written: directories 0700 whatever the
umask, and an entry owned by someone else or writable by others is refused (and the report says so)."""

from __future__ import annotations

import json
import os
import stat

import pytest

from tests.functional.reports.test_costs import run_costs, seed


def tamper(text: str) -> str:
    """What the other user wrote: the same entry with every amount set to 0.01."""
    def walk(node):
        if isinstance(node, dict):
            return {key: ("0.01" if key == "Amount" else walk(value)) for key, value in node.items()}
        if isinstance(node, list):
            return [walk(value) for value in node]
        return node

    return json.dumps(walk(json.loads(text)))


def entries(cache_dir):
    return sorted((cache_dir / "cost-explorer").glob("usage-*.json"))


def test_cache_directories_are_private_even_at_umask_000(aws, cli, config_dir, reports_env, deployed):
    seed(aws)
    previous = os.umask(0)
    try:
        assert run_costs(cli, config_dir, "--output", "json").exit_code == 0
    finally:
        os.umask(previous)
    for directory in (reports_env, reports_env / "cost-explorer"):
        assert stat.S_IMODE(directory.stat().st_mode) == 0o700, directory
    assert all(stat.S_IMODE(path.stat().st_mode) == 0o600 for path in entries(reports_env))


def test_an_entry_others_can_write_is_refused_and_the_report_says_so(aws, cli, config_dir, reports_env, deployed):
    seed(aws)
    first = run_costs(cli, config_dir, "--output", "json")
    (entry,) = entries(reports_env)
    entry.write_text(tamper(entry.read_text()))
    entry.chmod(0o666)
    again = run_costs(cli, config_dir, "--output", "json")
    assert again.exit_code == first.exit_code
    assert again.json()["total"] == first.json()["total"]          # not the tampered 0.01s
    assert again.json()["requests"] >= 1 and again.json()["cached"] is False
    assert "cost cache: ignored" in again.stderr and "group or others can write it" in again.stderr
    assert any("group or others can write it" in w for w in again.json()["warnings"])


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="needs root to chown to another user")
def test_an_entry_another_user_replaced_is_refused(aws, cli, config_dir, reports_env, deployed):
    """The issue's case: another local user replaced an entry (here uid 65534, through a rename)."""
    seed(aws)
    first = run_costs(cli, config_dir, "--output", "json")
    (entry,) = entries(reports_env)
    replacement = entry.with_suffix(".other")
    replacement.write_text(tamper(entry.read_text()))
    replacement.chmod(0o600)
    os.chown(replacement, 65534, 65534)
    os.replace(replacement, entry)
    again = run_costs(cli, config_dir, "--output", "json")
    assert again.json()["total"] == first.json()["total"]
    assert "owned by uid 65534, not by you" in again.stderr
