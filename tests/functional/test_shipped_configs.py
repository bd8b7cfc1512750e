"""Every shipped config works with every command: for each file in config/, each area's read-only or --plan
command runs against the emulator (after the environment is deployed into it), so a broken shipped config
fails CI; and every command that reads or writes an account refuses credentials for another account than the
config's `account_id`, before anything is read or changed."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CONFIG = ROOT / "config"
ENVIRONMENTS = sorted(path.stem for path in CONFIG.glob("*.yaml"))

# area -> (command..., accepted exit codes): the read-only or --plan form of each area
READ_ONLY = [
    (("status",), {0}),
    (("preflight",), {0}),
    (("deploy", "--plan"), {0}),
    (("dns", "update", "--plan"), {0}),
    (("dns", "status"), {0}),
    (("cdn", "invalidations"), {0}),
    (("waf", "list"), {0}),
    (("waf", "export"), {0}),
    (("edge", "status"), {0}),
    (("edge", "releases"), {0}),
    (("report", "costs"), {0, 3}),    # 3: over budget (emulated bills)
    (("report", "health"), {0, 2, 3}),  # report health's own exit codes for targets missed (docs/reports.md)
]


def _run(cli, command, env, config_dir):
    area = command[:2] if command[0] in ("dns", "cdn", "waf", "edge", "report") else command[:1]
    return cli(*area, env, *command[len(area):], "--config-dir", config_dir, "-o", "json")


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_every_area_runs_on_every_shipped_config(aws, cli, env):
    from candlefish_ops.config import load_environment
    from candlefish_ops.local.seed import seed_all

    deployed = cli("deploy", env, "--yes", "--config-dir", CONFIG, "-o", "json")
    assert deployed.exit_code == 0, deployed.stderr + deployed.stdout
    seed_all(aws.endpoint, load_environment(CONFIG, env))  # emulated bills and metrics, as `local serve` does
    failures = []
    for command, accepted in READ_ONLY:
        result = _run(cli, command, env, CONFIG)
        if result.exit_code not in accepted:
            failures.append(f"candlefish {' '.join(command)} {env}: exit {result.exit_code}: {result.stderr.strip()}")
    assert not failures, "\n".join(failures)


ACCOUNT_COMMANDS = [command for command, _ in READ_ONLY] + [("dns", "canary", "--weight", "10", "--plan"),
    ("deploy",), ("waf", "block-ip", "203.0.113.7"), ("cdn", "invalidate", "/index.html"), ("dns", "update"),
    ("edge", "prune", "--dry-run"), ("edge", "rollback")]


@pytest.mark.parametrize("command", ACCOUNT_COMMANDS, ids=lambda c: " ".join(c))
def test_every_command_refuses_another_account(aws, cli, tmp_path, command):
    config_dir = tmp_path / "config"
    config_dir.mkdir()
    text = (CONFIG / "staging.yaml").read_text().replace("project: candlefish\n",
                                                          "project: candlefish\naccount_id: \"999999999999\"\n", 1)
    (config_dir / "staging.yaml").write_text(text.replace("templates_dir", "#"))
    shutil.copytree(ROOT / "templates", tmp_path / "templates")
    result = _run(cli, command, "staging", config_dir)
    assert result.exit_code == 1, result.stdout
    assert "these credentials are for account 123456789012, but staging lives in 999999999999" in result.stderr
    assert aws.client("cloudformation").describe_stacks()["Stacks"] == []
