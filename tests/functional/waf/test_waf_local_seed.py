"""The emulator seed creates what moto skips of the security stack, so `--local` runs have IP sets."""

from __future__ import annotations

from candlefish_ops.config import load_environment
from candlefish_ops.local.seed import waf as waf_extension
from tests.functional.waf.conftest import write_config


def test_seed_creates_the_sets_and_ledger_once(aws, cli, tmp_path):
    write_config(tmp_path, "production", "waf:\n  ledger_table: prod-ledger\n")
    environment = load_environment(tmp_path, "production")
    waf_extension.seed(aws.endpoint, environment)
    waf_extension.seed(aws.endpoint, environment)  # idempotent
    sets = {s["Name"] for s in aws.client("wafv2").list_ip_sets(Scope="CLOUDFRONT")["IPSets"]}
    assert sets == {f"production-candlefish-{k}-{v}" for k in ("block", "allow") for v in ("v4", "v6")}
    assert "prod-ledger" in aws.client("dynamodb").list_tables()["TableNames"]
    result = cli("waf", "block-ip", "production", "2001:db8::7", "--config-dir", tmp_path)
    assert result.exit_code == 0, result.stderr
