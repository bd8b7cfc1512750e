"""`candlefish local demo`: the README's first command, in-process against a fresh embedded emulator."""

from pathlib import Path

CONFIG = Path(__file__).resolve().parents[3] / "config"


def test_demo_deploys_then_redeploys_with_nothing_executed(cli):
    result = cli("local", "demo", "staging", "--config-dir", CONFIG)
    assert result.exit_code == 0, result.stderr
    first, second = result.stdout.split("staging: deploy summary")[1:]
    assert "created" in first and "unchanged" not in first
    assert "unchanged" in second and "created" not in second
    assert "redeploy took" in result.stderr
