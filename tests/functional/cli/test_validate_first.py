"""Under --local, every argument and config error arrives before the emulator starts (no emulator
deploy of 6-20 s first): fast, one line, and no "local mode" line on stderr."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
CONFIG = ROOT / "config"

BAD_ARGUMENTS = {
    "waf block-ip, bad address": (("waf", "block-ip", "production", "999.1.1.1"), "999.1.1.1"),
    "waf block-ip, bad expiry": (("waf", "block-ip", "production", "203.0.113.7", "--expires", "soon"), "expir"),
    "waf unblock-ip": (("waf", "unblock-ip", "production", "not-an-ip"), "not-an-ip"),
    "waf allow-ip": (("waf", "allow-ip", "production", "203.0.113.0/33"), "203.0.113.0/33"),
    "waf unallow-ip": (("waf", "unallow-ip", "production", "::g"), "::g"),
    "waf import, missing file": (("waf", "import", "production", "/nonexistent/blocklist.txt"), "blocklist.txt"),
    "dns canary, weight": (("dns", "canary", "production", "--weight", "150"), "150"),
    "dns canary, no option": (("dns", "canary", "production"), "--weight"),
    "cdn invalidate, relative path": (("cdn", "invalidate", "production", "index.html"), "index.html"),
    "cdn invalidations, unknown stack": (("cdn", "invalidations", "production", "--stack", "nope"), "nope"),
    "deploy --only": (("deploy", "production", "--only", "nope"), "nope"),
    "report costs --month": (("report", "costs", "production", "--month", "2026-13"), "2026-13"),
    "report costs --group-by": (("report", "costs", "production", "--group-by", "colour"), "colour"),
    "report health --watch -o json": (("report", "health", "production", "--watch", "5", "-o", "json"), "--watch"),
    "status, unknown environment": (("status", "prodution"), "prodution"),
}


def refused_before_the_emulator(result, started: float, expected: str) -> None:
    assert result.exit_code == 1, result.stdout + result.stderr
    assert "local mode" not in result.stderr, result.stderr
    assert result.stderr.startswith("error: ") and result.stderr.count("\n") == 1, result.stderr
    assert expected in result.stderr
    assert time.monotonic() - started < 2


@pytest.mark.parametrize("args, expected", BAD_ARGUMENTS.values(), ids=BAD_ARGUMENTS.keys())
def test_bad_arguments_are_refused_before_the_emulator_starts(cli, args, expected):
    started = time.monotonic()
    result = cli(*args, "--local", "--config-dir", CONFIG)
    refused_before_the_emulator(result, started, expected)


@pytest.mark.parametrize("command", [("status", "production"), ("waf", "list", "production"),
                                     ("dns", "status", "production"), ("cdn", "invalidations", "production"),
                                     ("report", "health", "production"), ("local", "demo", "production"),
                                     ("local", "serve", "--port", "0", "--deploy", "production")],
                         ids=lambda c: " ".join(c[:2]))
def test_a_missing_template_is_reported_before_the_emulator_starts(cli, tmp_path, command):
    config = tmp_path / "config"
    shutil.copytree(CONFIG, config)
    shutil.copytree(ROOT / "templates", tmp_path / "templates")
    (tmp_path / "templates" / "security.yaml").unlink()
    started = time.monotonic()
    result = cli(*command, "--local", "--config-dir", config)
    refused_before_the_emulator(result, started, "security.yaml")
    assert "emulator listening" not in result.stdout
