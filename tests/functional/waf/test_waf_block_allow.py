"""`candlefish waf` block/unblock/allow/unallow/list through the CLI, state read back with boto3."""

from __future__ import annotations

from tests.functional.waf.conftest import write_config


def test_block_routes_v4_and_v6_to_their_sets_and_records_who_why_until(world, waf_cli):
    result = waf_cli("block-ip", "staging", "203.0.113.7", "2001:db8::/48", "--reason", "credential stuffing",
                     "--expires", "7d")
    assert result.exit_code == 0, result.stderr
    assert world.addresses("block", "v4") == {"203.0.113.7/32"}
    assert world.addresses("block", "v6") == {"2001:db8::/48"}
    assert world.addresses("allow", "v4") == set() and world.addresses("allow", "v6") == set()
    assert "added 203.0.113.7/32 to staging-candlefish-block-v4" in result.stdout
    assert "added 2001:db8::/48 to staging-candlefish-block-v6" in result.stdout
    item = world.ledger()["block#v4|203.0.113.7/32"]
    assert item["status"] == "active" and item["reason"] == "credential stuffing"
    assert item["added_by"] == "arn:aws:sts::123456789012:user/moto"
    assert item["expires_at"] > item["added_at"]


def test_unblock_round_trip_keeps_history_in_the_ledger(world, waf_cli):
    assert waf_cli("block-ip", "staging", "198.51.100.1", "2001:db8::1").exit_code == 0
    result = waf_cli("unblock-ip", "staging", "198.51.100.1", "2001:db8::1", "192.0.2.9")
    assert result.exit_code == 0, result.stderr
    assert world.addresses("block", "v4") == set() and world.addresses("block", "v6") == set()
    assert "removed 198.51.100.1/32 from staging-candlefish-block-v4" in result.stdout
    assert "unchanged 192.0.2.9/32: not blocked" in result.stdout
    item = world.ledger()["block#v4|198.51.100.1/32"]
    assert item["status"] == "removed" and item["removed_by"].endswith("user/moto")
    assert item["ttl"] > 0
    listed = waf_cli("list", "staging", "--output", "json").json()
    assert listed["entries"] == []


def test_allow_round_trip_and_list_filter(world, waf_cli):
    result = waf_cli("allow-ip", "staging", "192.0.2.0/24", "10.1.0.0/16", "--reason", "office", "--output", "json")
    assert result.exit_code == 0, result.stderr
    data = result.json()
    assert data["changes"][0]["added"] == ["10.1.0.0/16", "192.0.2.0/24"]
    assert world.addresses("allow") == {"192.0.2.0/24", "10.1.0.0/16"}  # private ranges may be allowed
    entries = waf_cli("list", "staging", "--set", "allow", "--output", "json").json()["entries"]
    assert {(e["set"], e["address"], e["reason"]) for e in entries} == {
        ("allow", "192.0.2.0/24", "office"), ("allow", "10.1.0.0/16", "office")}
    assert waf_cli("list", "staging", "--set", "block", "--output", "json").json()["entries"] == []
    assert waf_cli("unallow-ip", "staging", "10.1.0.0/16").exit_code == 0
    assert world.addresses("allow") == {"192.0.2.0/24"}


def test_blocking_an_allowlisted_address_is_refused_with_the_reason(world, waf_cli):
    assert waf_cli("allow-ip", "staging", "192.0.2.0/24").exit_code == 0
    result = waf_cli("block-ip", "staging", "192.0.2.10", "198.51.100.7")
    assert result.exit_code == 1
    assert "192.0.2.10/32 is allowlisted (by 192.0.2.0/24)" in result.stderr
    assert "priority 0" in result.stderr
    assert world.addresses("block") == set()  # the good entry of the batch was not written either


def test_blocking_a_range_around_an_allowlisted_address_warns(world, waf_cli):
    assert waf_cli("allow-ip", "staging", "198.51.100.7").exit_code == 0
    result = waf_cli("block-ip", "staging", "198.51.100.0/24")
    assert result.exit_code == 0
    assert "198.51.100.7/32 stays allowed inside blocked 198.51.100.0/24" in result.stderr
    assert world.addresses("block") == {"198.51.100.0/24"}


def test_duplicates_and_covered_entries_are_reported_not_added(world, waf_cli):
    assert waf_cli("block-ip", "staging", "203.0.113.0/24").exit_code == 0
    result = waf_cli("block-ip", "staging", "203.0.113.9", "198.51.100.0/25", "198.51.100.5", "198.51.100.0/25",
                     "203.0.113.0/24", "--output", "json")
    assert result.exit_code == 0, result.stderr
    data = result.json()
    assert data["changes"][0]["added"] == ["198.51.100.0/25"]
    assert {s["address"]: s["why"] for s in data["skipped"]} == {
        "203.0.113.9/32": "already covered by 203.0.113.0/24",
        "198.51.100.5/32": "already covered by 198.51.100.0/25",
        "198.51.100.0/25": "duplicate in this batch",
        "203.0.113.0/24": "already blocked",
    }
    assert world.addresses("block") == {"203.0.113.0/24", "198.51.100.0/25"}


def test_rerunning_the_same_block_is_a_no_op(world, waf_cli):
    assert waf_cli("block-ip", "staging", "203.0.113.7").exit_code == 0
    token = world.get("block", "v4")["LockToken"]
    result = waf_cli("block-ip", "staging", "203.0.113.7")
    assert result.exit_code == 0
    assert "unchanged 203.0.113.7/32: already blocked" in result.stdout
    assert world.get("block", "v4")["LockToken"] == token  # no write at all


def test_dry_run_changes_nothing(world, waf_cli):
    result = waf_cli("block-ip", "staging", "203.0.113.7", "--dry-run")
    assert result.exit_code == 0
    assert "would add 203.0.113.7/32 to staging-candlefish-block-v4" in result.stdout
    assert world.addresses("block") == set() and world.ledger() == {}


def test_entries_added_outside_candlefish_get_an_unknown_origin_entry(world, waf_cli):
    world.put_addresses("block", "v4", ["198.51.100.77/32"])
    entries = waf_cli("list", "staging", "--output", "json").json()["entries"]
    assert [(e["address"], e["origin"], e["added_by"]) for e in entries] == [("198.51.100.77/32", "unknown", "unknown")]
    assert world.ledger() == {}  # list is read-only: the next changing command records it
    assert "198.51.100.77/32: unknown-origin" in waf_cli("prune", "staging").stderr
    assert world.ledger()["block#v4|198.51.100.77/32"]["status"] == "active"


def test_entries_removed_outside_candlefish_are_marked_removed(world, waf_cli):
    write_config(world.config_dir, "staging", "waf:\n  pending_grace_seconds: 0\n")  # settled at once
    assert waf_cli("block-ip", "staging", "198.51.100.1", "198.51.100.2", "--reason", "scanner").exit_code == 0
    world.put_addresses("block", "v4", ["198.51.100.2/32"])  # someone used the console
    result = waf_cli("list", "staging", "--output", "json")
    assert [e["address"] for e in result.json()["entries"]] == ["198.51.100.2/32"]
    assert "198.51.100.1/32: removed-outside" in result.stderr
    assert world.ledger()["block#v4|198.51.100.1/32"]["status"] == "active"  # list wrote nothing
    assert "198.51.100.1/32: removed-outside" in waf_cli("prune", "staging").stderr
    item = world.ledger()["block#v4|198.51.100.1/32"]
    assert item["status"] == "removed" and item["reason"] == "scanner"


def test_entries_removed_outside_candlefish_within_the_grace_period_are_left_alone(world, waf_cli):
    assert waf_cli("block-ip", "staging", "198.51.100.1", "--reason", "scanner").exit_code == 0
    world.put_addresses("block", "v4", [])  # a WAF read may lag a fresh write: this looks the same
    result = waf_cli("prune", "staging")
    assert result.exit_code == 0 and "removed-outside" not in result.stderr
    assert world.ledger()["block#v4|198.51.100.1/32"]["status"] == "active"


def test_production_asks_before_mass_changes(world, waf_cli, tmp_path, monkeypatch):
    monkeypatch.setenv("CANDLEFISH_CONFIRM_LOCAL", "1")  # the emulator is on loopback: rehearse as on AWS
    write_config(world.config_dir, "staging", "waf:\n  confirm_threshold: 2\n", protected=True)
    result = waf_cli("block-ip", "staging", "198.51.100.1", "198.51.100.2", "198.51.100.3")
    assert result.exit_code == 1
    assert "refusing without --yes" in result.stderr
    assert world.addresses("block") == set() and world.ledger() == {}
    assert waf_cli("block-ip", "staging", "198.51.100.1", "198.51.100.2").exit_code == 0  # at the threshold
    assert waf_cli("block-ip", "staging", "198.51.100.3", "198.51.100.4", "198.51.100.5", "--yes").exit_code == 0
    assert len(world.addresses("block")) == 5


def test_missing_ip_sets_are_a_clear_error(aws, cli, tmp_path):
    write_config(tmp_path, "staging")
    result = cli("waf", "block-ip", "staging", "203.0.113.7", "--config-dir", tmp_path)
    assert result.exit_code == 1
    assert "IP set(s) staging-candlefish-block-v4" in result.stderr and "not found" in result.stderr
    assert result.stderr.count("\n") == 1


def test_configured_names_are_used(aws, cli, tmp_path):
    from tests.functional.waf.conftest import create_waf_state

    create_waf_state(aws, "other")
    write_config(tmp_path, "staging", "waf:\n  ip_sets:\n    block_v4: other-candlefish-block-v4\n"
                 "    block_v6: other-candlefish-block-v6\n    allow_v4: other-candlefish-allow-v4\n"
                 "    allow_v6: other-candlefish-allow-v6\n  ledger_table: other-candlefish-waf-ledger\n")
    assert cli("waf", "block-ip", "staging", "203.0.113.7", "--config-dir", tmp_path).exit_code == 0
    wafv2 = aws.client("wafv2")
    summary = next(s for s in wafv2.list_ip_sets(Scope="CLOUDFRONT")["IPSets"] if s["Name"] == "other-candlefish-block-v4")
    ip_set = wafv2.get_ip_set(Name=summary["Name"], Scope="CLOUDFRONT", Id=summary["Id"])["IPSet"]
    assert ip_set["Addresses"] == ["203.0.113.7/32"]


def test_allowing_a_blocked_address_warns_that_the_allowlist_wins(world, waf_cli):
    assert waf_cli("block-ip", "staging", "203.0.113.0/24").exit_code == 0
    result = waf_cli("allow-ip", "staging", "203.0.113.5")
    assert result.exit_code == 0
    assert "203.0.113.5/32 is also blocked (by 203.0.113.0/24)" in " ".join(result.stderr.split())
    assert world.addresses("allow") == {"203.0.113.5/32"}


def test_list_table_and_export_json(world, waf_cli, monkeypatch):
    monkeypatch.setenv("COLUMNS", "160")  # a terminal wide enough that rich wraps no cell
    assert waf_cli("block-ip", "staging", "203.0.113.7", "--reason", "bot", "--expires", "2099-01-01").exit_code == 0
    table = waf_cli("list", "staging")
    assert table.exit_code == 0
    assert "203.0.113.7/32" in table.stdout and "user/moto" in table.stdout and "2099-01-01 00:00" in table.stdout
    exported = waf_cli("export", "staging", "--output", "json").json()
    assert [e["address"] for e in exported["entries"]] == ["203.0.113.7/32"]


def test_credentials_of_another_account_are_refused_before_anything(world, waf_cli):
    from tests.functional.waf.conftest import write_config

    world.put_addresses("block", "v4", ["198.51.100.77/32"])
    write_config(world.config_dir, "staging", "account_id: '210987654321'\n")
    result = waf_cli("list", "staging")
    assert result.exit_code == 1
    assert "account 123456789012, but staging lives in 210987654321" in result.stderr
    assert world.ledger() == {}  # not even a reconciliation repair


def test_ip_sets_are_found_across_list_pages(world):
    import boto3

    from candlefish_ops.aws.wafv2 import WafV2

    wafv2 = world.wafv2
    for index in range(7):
        wafv2.create_ip_set(Name=f"zz-other-{index}", Scope="CLOUDFRONT", IPAddressVersion="IPV4", Addresses=[])
    session = boto3.Session(region_name="us-east-1")
    pages = {"n": 0}
    session.events.register("before-call.wafv2.ListIPSets", lambda **_: pages.__setitem__("n", pages["n"] + 1))
    client = WafV2(session, "us-east-1", page_size=2)
    found = client.find_ip_sets(["zz-other-6", "staging-candlefish-block-v4"])
    assert set(found) == {"zz-other-6", "staging-candlefish-block-v4"}
    assert pages["n"] > 1
