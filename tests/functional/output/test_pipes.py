"""Output piped to a file or another program is never cut to 80 columns: every table command's full
values are found in its table, and `--output csv` is refused the same way (before any AWS call) by every
command that has no CSV form."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

CONFIG = Path(__file__).resolve().parents[3] / "config"
LONG_REASON = "credential stuffing from a hosting range, ticket OPS-4711, review with the security team in May"


@pytest.fixture
def production(aws, monkeypatch):
    """The product's production environment deployed into the emulator, with emulated bills and metrics."""
    import boto3

    from candlefish_ops.config import load_environment
    from candlefish_ops.cli.local_step import bootstrap_plan, deploy_into

    monkeypatch.delenv("COLUMNS", raising=False)
    environment = load_environment(CONFIG, "production")
    deploy_into(boto3.Session(region_name="us-east-1"), aws.endpoint, environment, bootstrap_plan(environment))
    return environment


def strings(value, keys: set[str]) -> set[str]:
    """Every string held under one of `keys`, anywhere in a JSON document."""
    found = set()
    if isinstance(value, dict):
        for key, item in value.items():
            if key in keys and isinstance(item, str) and item:
                found.add(item)
            found |= strings(item, keys)
    elif isinstance(value, list):
        for item in value:
            found |= strings(item, keys)
    return found


# command, JSON keys whose every value must appear in full in the table
PLAN_TABLES = [(("dns", "update", "production", "--plan"), {"what", "after"})]
TABLES = [
    (("status", "production"), {"stack_name", "status"}),
    (("report", "costs", "production"), {"service", "name"}),
    (("report", "health", "production"), {"name", "check", "target", "value"}),
    (("waf", "list", "production"), {"address", "reason"}),
    (("dns", "status", "production"), {"name", "target"}),
    (("cdn", "invalidations", "production"), {"id", "invalidation_id"}),
]


def test_every_table_keeps_its_full_values_when_piped(production, cli, tmp_path, monkeypatch):
    monkeypatch.setenv("CANDLEFISH_CACHE_DIR", str(tmp_path / "cache"))
    config = ("--config-dir", CONFIG)
    assert cli("waf", "block-ip", "production", "203.0.113.7", "--reason", LONG_REASON, *config).exit_code == 0
    check_tables(cli, PLAN_TABLES, config)
    assert cli("dns", "update", "production", *config).exit_code == 0
    assert cli("cdn", "invalidate", "production", "/index.html", *config).exit_code == 0
    check_tables(cli, TABLES, config)
    assert LONG_REASON in cli("waf", "list", "production", *config).stdout


def check_tables(cli, tables, config) -> None:
    for command, keys in tables:
        table = cli(*command, *config)
        document = cli(*command, *config, "-o", "json").json()
        values = strings(document, keys)
        assert values, command
        missing = sorted(value for value in values if value not in table.stdout)
        assert not missing, (command, missing, table.stdout)
        assert "…" not in table.stdout, command


def test_the_deploy_summary_keeps_its_outputs_when_piped(aws, cli, monkeypatch):
    monkeypatch.delenv("COLUMNS", raising=False)
    result = cli("deploy", "staging", "--config-dir", CONFIG)
    assert result.exit_code == 0, result.stderr
    assert "…" not in result.stdout
    document = cli("deploy", "staging", "--config-dir", CONFIG, "-o", "json").json()
    for stack in document["stacks"]:
        assert stack["stack"] in result.stdout


NO_CSV = [("status", "production"), ("deploy", "production"), ("report", "health", "production"),
          ("waf", "list", "production"), ("waf", "block-ip", "production", "203.0.113.7"),
          ("dns", "status", "production"), ("dns", "update", "production"), ("cdn", "invalidations", "production"),
          ("cdn", "invalidate", "production", "/index.html"), ("local", "demo", "production")]


@pytest.mark.parametrize("command", NO_CSV, ids=lambda c: " ".join(c[:2]))
def test_csv_is_refused_the_same_way_before_anything_starts(cli, command):
    started = time.monotonic()
    result = cli(*command, "--local", "-o", "csv", "--config-dir", CONFIG)
    name = " ".join(word for word in command if word != "production" and not word[0] in "/2")
    assert result.exit_code == 1
    assert result.stderr == (f"error: {name} writes a table or JSON, not CSV: use --output table or --output json "
                             "(CSV: report costs, waf export)\n")
    assert result.stdout == "" and time.monotonic() - started < 2
