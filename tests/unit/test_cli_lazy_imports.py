"""`candlefish --help` and each area's help stay instant: boto3, moto and Pillow are imported lazily."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
HEAVY = ("boto3", "botocore", "moto", "PIL", "yaml", "aiohttp", "hdrh")
PROBE = """
import sys
from typer.testing import CliRunner
from candlefish_ops.cli import app
result = CliRunner().invoke(app, sys.argv[1:])
assert result.exit_code == 0, result.output
print(" ".join(sorted(name for name in {heavy!r} if name in sys.modules)))
"""


@pytest.mark.parametrize("args", [["--help"], *([area, "--help"] for area in
                                                ("deploy", "status", "cdn", "dns", "waf", "report", "local", "edge", "probe", "site")),
                                  ["cdn", "invalidate", "--help"], ["edge", "rollback", "--help"],
                                  ["site", "publish", "--help"], ["site", "rollback", "--help"],
                                  ["edge", "serve", "--help"]])
def test_help_imports_no_heavy_library(args):
    done = subprocess.run([sys.executable, "-c", PROBE.format(heavy=HEAVY), *args], capture_output=True,
                          text=True, cwd=ROOT, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == ""
