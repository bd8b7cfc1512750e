"""The ledger under concurrency: another operator's command is injected at an exact point of ours (an
emulator-side hook runs it just before one of our requests reaches the emulator), then the ledger is read
back with boto3. Each test pins one interleaving; none depends on timing."""

from __future__ import annotations

import boto3
import pytest

from candlefish_ops.config import load_environment
from candlefish_ops.local.emulator import before_request
from candlefish_ops.waf.addresses import Request
from candlefish_ops.waf.service import WafManager
from tests.functional.waf.conftest import write_config

pytestmark = pytest.mark.faults

ADDRESS = "203.0.113.7/32"


def _manager(world, session=None):
    session = session or boto3.Session(region_name="us-east-1")
    return WafManager(session, load_environment(world.config_dir, world.env), sleep=lambda _s: None)


def _block(world, address: str, reason: str, expires: str | None = None):
    """Another operator's complete `waf block-ip` (plan, intent, WAF, settle)."""
    manager = _manager(world)
    return lambda: manager.execute(manager.plan_add("block", [Request(address)], reason=reason, expires=expires))


def _unblock(world, address: str):
    manager = _manager(world)
    return lambda: manager.execute(manager.plan_remove("block", [Request(address)]))


def _item(world, address: str = ADDRESS) -> dict:
    return world.ledger()[f"block#v4|{address}"]


def test_a_list_racing_a_block_writes_nothing_and_the_block_keeps_its_metadata(world, waf_cli):
    # the list reads WAF (no ADDRESS yet), then the block completes, then the list queries the ledger
    with before_request("Query", _block(world, ADDRESS, "INC-4312", "2h")) as hook:
        listed = waf_cli("list", "staging", "--output", "json")
    assert hook.fired and listed.exit_code == 0
    assert "removed-outside" not in listed.stderr
    item = _item(world)
    assert (item["status"], item["reason"], item["origin"]) == ("active", "INC-4312", "candlefish")
    assert item["expires_at"] is not None
    assert waf_cli("prune", "staging").exit_code == 0  # the next (writing) command keeps it too
    [entry] = waf_cli("list", "staging", "--output", "json").json()["entries"]
    assert (entry["reason"], entry["origin"]) == ("INC-4312", "candlefish") and entry["expires_at"] is not None


def test_a_writing_command_racing_a_block_leaves_the_fresh_entry_alone(world, waf_cli):
    with before_request("Query", _block(world, ADDRESS, "INC-4312", "2h")) as hook:
        result = waf_cli("block-ip", "staging", "198.51.100.1", "--reason", "other")
    assert hook.fired and result.exit_code == 0, result.stderr
    assert "removed-outside" not in result.stderr
    item = _item(world)
    assert (item["status"], item["reason"], item["origin"]) == ("active", "INC-4312", "candlefish")
    assert item["expires_at"] is not None
    assert world.addresses("block") == {ADDRESS, "198.51.100.1/32"}


def test_a_writing_command_racing_an_unblock_keeps_the_unblock_record(world, waf_cli):
    assert waf_cli("block-ip", "staging", ADDRESS, "--reason", "botnet").exit_code == 0
    # our command reads WAF (ADDRESS still there), the unblock completes, then we query the ledger
    with before_request("Query", _unblock(world, ADDRESS)) as hook:
        result = waf_cli("block-ip", "staging", "198.51.100.1")
    assert hook.fired and result.exit_code == 0, result.stderr
    assert "unknown-origin" not in result.stderr
    item = _item(world)
    assert (item["status"], item["reason"], item["removed_reason"]) == ("removed", "botnet", "unblock-ip")
    assert item["removed_by"].endswith("user/moto")
    assert world.addresses("block") == {"198.51.100.1/32"}


def test_a_repair_is_not_written_over_an_entry_changed_after_it_was_read(world, waf_cli):
    write_config(world.config_dir, "staging", "waf:\n  pending_grace_seconds: 0\n")  # every entry settled
    assert waf_cli("block-ip", "staging", ADDRESS, "--reason", "first").exit_code == 0
    world.put_addresses("block", "v4", [])  # removed in the console: prune will plan "removed-outside"
    # between prune's ledger read and its first ledger write, another operator blocks the address again
    with before_request({"BatchWriteItem", "PutItem", "DeleteItem"}, _block(world, ADDRESS, "second")) as hook:
        result = waf_cli("prune", "staging")
    assert hook.fired and result.exit_code == 0, result.stderr
    assert world.addresses("block") == {ADDRESS}
    item = _item(world)
    assert (item["status"], item["reason"]) == ("active", "second")
    assert f"{ADDRESS}: removed-outside skipped" in result.stderr


def test_planning_writes_nothing(world):
    write_config(world.config_dir, "staging", "waf:\n  pending_grace_seconds: 0\n")
    world.put_addresses("block", "v4", ["198.51.100.77/32"])  # needs an unknown-origin repair
    session = boto3.Session(region_name="us-east-1")
    writes = []
    for operation in ("BatchWriteItem", "PutItem", "DeleteItem", "UpdateItem"):
        session.events.register(f"before-call.dynamodb.{operation}", lambda model, **_: writes.append(model.name))
    manager = _manager(world, session)
    plan = manager.plan_add("block", [Request(ADDRESS)], reason="x")
    manager.plan_remove("block", [Request("198.51.100.77")])
    manager.plan_prune()
    assert writes == [] and world.ledger() == {}
    assert [r.action for r in plan.reconciled] == ["unknown-origin"]
    manager.execute(plan)
    assert _item(world, "198.51.100.77/32")["origin"] == "unknown" and _item(world)["reason"] == "x"


def test_a_dry_run_writes_nothing_to_the_ledger(world, waf_cli):
    world.put_addresses("block", "v4", ["198.51.100.77/32"])
    result = waf_cli("block-ip", "staging", ADDRESS, "--dry-run")
    assert result.exit_code == 0 and "198.51.100.77/32: unknown-origin (not written: dry run" in result.stderr
    assert world.ledger() == {}
    planned = waf_cli("block-ip", "staging", ADDRESS, "--dry-run", "--output", "json").json()
    assert planned["would_reconcile"] == [{"address": "198.51.100.77/32", "action": "unknown-origin"}]
    assert planned["reconciled"] == [] and world.ledger() == {}
