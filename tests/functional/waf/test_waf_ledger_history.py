"""The ledger keeps live entries apart from history: commands read only the live partition, removals go to a
history partition (with a TTL), and a ledger in the old layout (removed items among the live ones) is read
correctly and moved over by the writing commands."""

from __future__ import annotations

import boto3

from candlefish_ops.config import load_environment
from candlefish_ops.waf.addresses import Request
from candlefish_ops.waf.service import WafManager
from tests.functional.waf.conftest import write_config

OLD = "2026-01-01T00:00:00Z"


def _items_read_by(manager_session) -> list[int]:
    counts: list[int] = []
    manager_session.events.register("after-call.dynamodb.Query",
                                    lambda parsed, **_: counts.append(parsed.get("Count", 0)))
    return counts


def _partition(world, pk: str) -> dict[str, dict]:
    return {key.split("|", 1)[1]: item for key, item in world.ledger().items() if key.split("|", 1)[0] == pk}


def test_a_command_reads_no_history(world, waf_cli):
    write_config(world.config_dir, "staging", "waf:\n  pending_grace_seconds: 0\n")
    addresses = [f"198.51.100.{i}" for i in range(1, 31)]
    assert waf_cli("block-ip", "staging", *addresses, "--reason", "scan").exit_code == 0
    assert waf_cli("unblock-ip", "staging", *addresses).exit_code == 0
    moved = waf_cli("prune", "staging")  # the tombstones are settled: moved to history
    assert "moved 30 removed entries to its history partition" in moved.stderr
    assert len(_partition(world, "history#block#v4")) == 30 and _partition(world, "block#v4") == {}
    assert all(item["ttl"] > 0 for item in _partition(world, "history#block#v4").values())

    session = boto3.Session(region_name="us-east-1")
    counts = _items_read_by(session)
    manager = WafManager(session, load_environment(world.config_dir, "staging"))
    manager.execute(manager.plan_add("block", [Request("203.0.113.7")], reason="new"))
    assert sum(counts) == 0  # the block set's live partition was empty; 30 removals were not read

    history = waf_cli("list", "staging", "--all", "--output", "json").json()["entries"]
    assert sorted((e["address"], e["status"], e["reason"]) for e in history) == sorted(
        [(f"{a}/32", "removed", "scan") for a in addresses] + [("203.0.113.7/32", "active", "new")])


def test_re_adding_an_address_keeps_its_removal_in_history(world, waf_cli):
    assert waf_cli("block-ip", "staging", "203.0.113.7", "--reason", "first").exit_code == 0
    assert waf_cli("unblock-ip", "staging", "203.0.113.7").exit_code == 0
    assert waf_cli("block-ip", "staging", "203.0.113.7", "--reason", "second").exit_code == 0
    [(key, record)] = _partition(world, "history#block#v4").items()
    assert key.startswith("203.0.113.7/32#") and (record["reason"], record["removed_reason"]) == ("first", "unblock-ip")
    assert _partition(world, "block#v4")["203.0.113.7/32"]["reason"] == "second"


def test_a_ledger_in_the_old_layout_is_read_as_it_is_and_moved_by_writing_commands(world, waf_cli):
    dynamodb = world.aws.client("dynamodb")
    table = "staging-candlefish-waf-ledger"
    world.put_addresses("block", "v4", ["198.51.100.9/32"])
    old = [("198.51.100.9/32", "active")] + [(f"192.0.2.{i}/32", "removed") for i in range(1, 4)]
    for address, status in old:  # as the previous version wrote them: history among the live entries
        item = {"pk": {"S": "block#v4"}, "sk": {"S": address}, "kind": {"S": "block"}, "version": {"S": "v4"},
                "address": {"S": address}, "status": {"S": status}, "reason": {"S": f"old {address}"},
                "added_by": {"S": "arn:aws:iam::123456789012:user/old"}, "added_at": {"S": OLD},
                "origin": {"S": "candlefish"}, "updated_at": {"S": OLD}}
        if status == "removed":
            del item["origin"]  # an item lacking a field is still moved (its conditions use what it has)
            item.update(removed_by={"S": "arn:aws:iam::123456789012:user/old"}, removed_at={"S": OLD},
                        removed_reason={"S": "unblock-ip"}, ttl={"N": "4102444800"})
        dynamodb.put_item(TableName=table, Item=item)

    live = waf_cli("list", "staging", "--output", "json").json()["entries"]
    assert [(e["address"], e["reason"]) for e in live] == [("198.51.100.9/32", "old 198.51.100.9/32")]
    everything = waf_cli("list", "staging", "--all", "--output", "json").json()["entries"]
    assert sorted((e["address"], e["status"]) for e in everything) == sorted(old)

    assert waf_cli("prune", "staging").exit_code == 0  # any writing command moves them
    assert set(_partition(world, "block#v4")) == {"198.51.100.9/32"}
    assert {k.split("#")[0] for k in _partition(world, "history#block#v4")} == {a for a, s in old if s == "removed"}
    again = waf_cli("list", "staging", "--all", "--output", "json").json()["entries"]
    assert sorted((e["address"], e["status"], e["reason"]) for e in again) == sorted(
        (a, s, f"old {a}") for a, s in old)
