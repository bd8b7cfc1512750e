"""The 10,000-entry limit, expiry and prune, import and export, through the CLI."""

from __future__ import annotations

import ipaddress
from datetime import datetime, timedelta, timezone

from tests.functional.waf.conftest import write_config


def _addresses(count: int, start: str = "11.0.0.0") -> list[str]:
    first = int(ipaddress.ip_address(start))
    return [f"{ipaddress.ip_address(first + i)}/32" for i in range(count)]


def test_the_limit_is_checked_before_writing(world, waf_cli):
    """The same check runs at AWS's 10,000 (tests/unit/waf/test_plan.py); a small configured limit keeps the
    emulator fast here (moto needs ~1.5 ms per DynamoDB item)."""
    write_config(world.config_dir, "staging", "waf:\n  max_addresses_per_set: 20\n")
    world.put_addresses("block", "v4", _addresses(19))
    token = world.get("block", "v4")["LockToken"]
    result = waf_cli("block-ip", "staging", "203.0.113.7", "203.0.113.8")
    assert result.exit_code == 1
    assert "holds 19 entries and this would add 2: the limit is 20 per set, only 1 left" in result.stderr
    assert world.get("block", "v4")["LockToken"] == token
    result = waf_cli("block-ip", "staging", "203.0.113.7", "--output", "json")
    assert result.exit_code == 0, result.stderr
    assert result.json()["capacity_left"] == {"staging-candlefish-block-v4": 0}
    assert len(world.addresses("block")) == 20


def test_capacity_left_is_reported(world, waf_cli):
    write_config(world.config_dir, "staging", "waf:\n  max_addresses_per_set: 3\n")
    result = waf_cli("block-ip", "staging", "203.0.113.7", "2001:db8::1")
    assert "staging-candlefish-block-v4: room for 2 more entries" in result.stdout
    assert "staging-candlefish-block-v6: room for 2 more entries" in result.stdout
    result = waf_cli("block-ip", "staging", "203.0.113.8", "203.0.113.9", "203.0.113.10")
    assert result.exit_code == 1 and "only 2 left" in result.stderr


def _age(world, address: str, expires_at: datetime) -> None:
    """Time passes: rewrite the entry's expiry into the past (what the clock would do)."""
    world.aws.client("dynamodb").update_item(
        TableName="staging-candlefish-waf-ledger", Key={"pk": {"S": "block#v4"}, "sk": {"S": address}},
        UpdateExpression="SET expires_at = :e", ExpressionAttributeValues={":e": {"S": expires_at.strftime(
            "%Y-%m-%dT%H:%M:%SZ")}})


def test_prune_removes_only_expired_entries(world, waf_cli):
    assert waf_cli("block-ip", "staging", "203.0.113.7", "--expires", "30m", "--reason", "burst").exit_code == 0
    assert waf_cli("block-ip", "staging", "203.0.113.8", "--expires", "2099-01-01").exit_code == 0
    assert waf_cli("block-ip", "staging", "203.0.113.9").exit_code == 0  # never expires
    entries = {e["address"]: e for e in waf_cli("list", "staging", "--output", "json").json()["entries"]}
    added = datetime.fromisoformat(entries["203.0.113.7/32"]["added_at"].replace("Z", "+00:00"))
    expires = datetime.fromisoformat(entries["203.0.113.7/32"]["expires_at"].replace("Z", "+00:00"))
    assert timedelta(minutes=29) < expires - added <= timedelta(minutes=31)
    assert entries["203.0.113.8/32"]["expires_at"] == "2099-01-01T00:00:00Z"
    assert waf_cli("prune", "staging").stdout.strip() == "nothing to change"
    _age(world, "203.0.113.7/32", datetime.now(timezone.utc) - timedelta(minutes=1))
    result = waf_cli("prune", "staging", "--output", "json")
    assert result.exit_code == 0, result.stderr
    assert result.json()["changes"][0]["removed"] == ["203.0.113.7/32"]
    assert world.addresses("block") == {"203.0.113.8/32", "203.0.113.9/32"}
    item = world.ledger()["block#v4|203.0.113.7/32"]
    assert item["status"] == "removed" and item["removed_reason"].startswith("expired at ")
    assert waf_cli("prune", "staging").stdout.strip() == "nothing to change"  # idempotent


def test_prune_in_production_needs_no_confirmation(world, waf_cli):
    write_config(world.config_dir, "staging", "waf:\n  confirm_threshold: 0\n", protected=True)
    assert waf_cli("block-ip", "staging", "203.0.113.7", "--expires", "1h", "--yes").exit_code == 0
    _age(world, "203.0.113.7/32", datetime.now(timezone.utc) - timedelta(seconds=5))
    assert waf_cli("prune", "staging").exit_code == 0
    assert world.addresses("block") == set()


def test_import_plain_file_with_comments(world, waf_cli, tmp_path):
    file = tmp_path / "bad-actors.txt"
    file.write_text("# from the abuse report\n203.0.113.7\n\n198.51.100.0/24  # scanner\n2001:db8::/48\n"
                    "203.0.113.7\n", encoding="utf-8")
    result = waf_cli("import", "staging", file, "--expires", "7d", "--output", "json")
    assert result.exit_code == 0, result.stderr
    assert world.addresses("block", "v4") == {"203.0.113.7/32", "198.51.100.0/24"}
    assert world.addresses("block", "v6") == {"2001:db8::/48"}
    assert {"address": "203.0.113.7/32", "why": "duplicate in this batch"} in result.json()["skipped"]
    item = world.ledger()["block#v4|198.51.100.0/24"]
    assert item["reason"] == "imported from bad-actors.txt" and item["expires_at"]


def test_import_csv_with_reason_column_into_the_allowlist(world, waf_cli, tmp_path):
    file = tmp_path / "partners.csv"
    file.write_text("address,reason,expires\n192.0.2.100,partner A,\n192.0.2.0/28,\"partner B, office\",30d\n",
                    encoding="utf-8")
    assert waf_cli("import", "staging", file, "--set", "allow").exit_code == 0
    ledger = world.ledger()
    assert ledger["allow#v4|192.0.2.100/32"]["reason"] == "partner A"
    assert "expires_at" not in ledger["allow#v4|192.0.2.100/32"]
    assert ledger["allow#v4|192.0.2.0/28"]["reason"] == "partner B, office"
    assert ledger["allow#v4|192.0.2.0/28"]["expires_at"]
    assert world.addresses("allow") == {"192.0.2.100/32", "192.0.2.0/28"}


def test_import_lists_every_bad_line_and_changes_nothing(world, waf_cli, tmp_path):
    file = tmp_path / "list.txt"
    file.write_text("203.0.113.7\nnot-an-address\n# ok\n10.0.0.0/8\n198.51.100.1/24\n", encoding="utf-8")
    result = waf_cli("import", "staging", file)
    assert result.exit_code == 1
    assert "3 of 4 entries rejected" in result.stderr
    for line in ("line 2: 'not-an-address'", "line 4: '10.0.0.0/8'", "line 5: '198.51.100.1/24'"):
        assert f"list.txt {line}" in result.stderr
    assert world.addresses("block") == set() and world.ledger() == {}


def test_import_of_a_missing_file_is_a_clear_error(world, waf_cli, tmp_path):
    result = waf_cli("import", "staging", tmp_path / "nope.txt")
    assert result.exit_code == 1 and "nope.txt: cannot read" in result.stderr


def test_export_then_import_round_trips(world, waf_cli, tmp_path):
    assert waf_cli("block-ip", "staging", "203.0.113.7", "2001:db8::1", "--reason", "botnet, wave 2",
                   "--expires", "2099-01-01").exit_code == 0
    exported = waf_cli("export", "staging")
    assert exported.exit_code == 0
    lines = exported.stdout.splitlines()
    assert lines[0] == "address,reason,expires_at,added_by,added_at,origin"
    assert lines[1].startswith('203.0.113.7/32,"botnet, wave 2",2099-01-01T00:00:00Z,arn:aws:sts::')
    file = tmp_path / "export.csv"
    assert waf_cli("export", "staging", "--file", file).exit_code == 0
    assert waf_cli("unblock-ip", "staging", "203.0.113.7", "2001:db8::1").exit_code == 0
    assert waf_cli("import", "staging", file).exit_code == 0
    assert world.addresses("block", "v4") == {"203.0.113.7/32"}
    assert world.addresses("block", "v6") == {"2001:db8::1/128"}
    item = world.ledger()["block#v6|2001:db8::1/128"]
    assert (item["status"], item["reason"], item["expires_at"]) == ("active", "botnet, wave 2", "2099-01-01T00:00:00Z")
