"""Lock-safe writes and crash safety, driven through WafManager with a real boto3 Session whose event hooks
play the other operator (a concurrent write between our read and our write) or the crash (an exception
between two writes). The aftermath is then checked through the CLI and read back with boto3."""

from __future__ import annotations

import boto3
import pytest

from candlefish_ops.config import load_environment
from candlefish_ops.waf.addresses import Request
from candlefish_ops.waf.service import WafManager
from tests.functional.waf.conftest import write_config

pytestmark = pytest.mark.faults


class SimulatedCrash(Exception):
    """Stands for the process dying (kill -9, lost laptop lid): nothing after it runs."""


def _manager(world, session=None):
    session = session or boto3.Session(region_name="us-east-1")
    return WafManager(session, load_environment(world.config_dir, world.env), sleep=lambda _s: None)


def _on_call(session, event: str, action, nth: int = 1):
    """Run `action` when the session is about to make its nth call of `event`."""
    seen = {"count": 0}

    def hook(**_kwargs):
        seen["count"] += 1
        if seen["count"] == nth:
            action()

    session.events.register(f"before-call.{event}", hook)
    return seen


def test_concurrent_write_between_read_and_write_keeps_both_changes(world):
    session = boto3.Session(region_name="us-east-1")
    other = lambda: world.put_addresses("block", "v4", world.addresses("block") | {"198.51.100.9/32"})
    _on_call(session, "wafv2.UpdateIPSet", other)
    manager = _manager(world, session)
    result = manager.execute(manager.plan_add("block", [Request("203.0.113.7")], reason="ours"))
    assert world.addresses("block") == {"203.0.113.7/32", "198.51.100.9/32"}
    assert result.sets[0].lock_conflicts == 1 and result.sets[0].added == ("203.0.113.7/32",)


def test_concurrent_removal_is_kept_and_ours_re_applied(world, waf_cli):
    assert waf_cli("block-ip", "staging", "198.51.100.1", "198.51.100.2", "198.51.100.3").exit_code == 0
    session = boto3.Session(region_name="us-east-1")
    _on_call(session, "wafv2.UpdateIPSet", lambda: world.put_addresses("block", "v4", ["198.51.100.2/32",
                                                                                       "198.51.100.3/32"]))
    manager = _manager(world, session)
    manager.execute(manager.plan_remove("block", [Request("198.51.100.3")]))
    assert world.addresses("block") == {"198.51.100.2/32"}


def test_lock_retries_are_bounded(world):
    write_config(world.config_dir, "staging", "waf:\n  lock_retries: 2\n")
    session = boto3.Session(region_name="us-east-1")
    counter = {"n": 0}

    def always_interfere(**_kwargs):
        counter["n"] += 1
        world.put_addresses("block", "v4", world.addresses("block") | {f"198.51.100.{counter['n']}/32"})

    session.events.register("before-call.wafv2.UpdateIPSet", always_interfere)
    manager = _manager(world, session)
    plan = manager.plan_add("block", [Request("203.0.113.7")])
    from candlefish_ops.errors import ConflictError

    with pytest.raises(ConflictError, match="kept changing under us"):
        manager.execute(plan)
    assert counter["n"] == 3  # the first attempt and two retries
    assert "203.0.113.7/32" not in world.addresses("block")
    assert "block#v4|203.0.113.7/32" not in world.ledger()  # the intent was rolled back


def test_crash_after_the_ledger_intent_before_waf_is_reconciled_away(world, waf_cli):
    write_config(world.config_dir, "staging", "waf:\n  pending_grace_seconds: 0\n")
    session = boto3.Session(region_name="us-east-1")
    _on_call(session, "wafv2.UpdateIPSet", lambda: (_ for _ in ()).throw(SimulatedCrash()))
    manager = _manager(world, session)
    with pytest.raises(SimulatedCrash):
        manager.execute(manager.plan_add("block", [Request("203.0.113.7")], reason="never made it"))
    assert world.ledger()["block#v4|203.0.113.7/32"]["status"] == "adding"
    assert world.addresses("block") == set()
    result = waf_cli("list", "staging", "--output", "json")
    assert result.json()["entries"] == []
    assert "203.0.113.7/32: abandoned-add" in result.stderr
    assert world.ledger()["block#v4|203.0.113.7/32"]["status"] == "adding"  # list is read-only
    assert "203.0.113.7/32: abandoned-add" in waf_cli("prune", "staging").stderr
    assert world.ledger() == {}


def test_a_young_intent_is_left_alone_for_the_operator_still_running(world, waf_cli):
    session = boto3.Session(region_name="us-east-1")
    _on_call(session, "wafv2.UpdateIPSet", lambda: (_ for _ in ()).throw(SimulatedCrash()))
    manager = _manager(world, session)
    with pytest.raises(SimulatedCrash):
        manager.execute(manager.plan_add("block", [Request("203.0.113.7")]))
    entries = waf_cli("list", "staging", "--output", "json").json()["entries"]
    assert [(e["address"], e["status"]) for e in entries] == [("203.0.113.7/32", "adding")]


def test_crash_after_waf_before_the_ledger_settles_keeps_the_metadata(world, waf_cli):
    session = boto3.Session(region_name="us-east-1")
    _on_call(session, "dynamodb.BatchWriteItem", lambda: (_ for _ in ()).throw(SimulatedCrash()), nth=2)
    manager = _manager(world, session)
    with pytest.raises(SimulatedCrash):
        manager.execute(manager.plan_add("block", [Request("203.0.113.7")], reason="botnet", expires="7d"))
    assert world.addresses("block") == {"203.0.113.7/32"}
    assert world.ledger()["block#v4|203.0.113.7/32"]["status"] == "adding"
    result = waf_cli("list", "staging", "--output", "json")
    assert "203.0.113.7/32: completed-add" in result.stderr
    [entry] = result.json()["entries"]
    assert (entry["status"], entry["reason"], entry["origin"]) == ("active", "botnet", "candlefish")
    assert entry["expires_at"] is not None
    assert world.ledger()["block#v4|203.0.113.7/32"]["status"] == "adding"  # list is read-only
    assert "203.0.113.7/32: completed-add" in waf_cli("prune", "staging").stderr
    assert world.ledger()["block#v4|203.0.113.7/32"]["status"] == "active"


def test_crash_in_the_middle_of_a_removal_is_completed_with_who_removed_it(world, waf_cli):
    assert waf_cli("block-ip", "staging", "203.0.113.7", "--reason", "botnet").exit_code == 0
    session = boto3.Session(region_name="us-east-1")
    _on_call(session, "dynamodb.BatchWriteItem", lambda: (_ for _ in ()).throw(SimulatedCrash()), nth=2)
    manager = _manager(world, session)
    with pytest.raises(SimulatedCrash):
        manager.execute(manager.plan_remove("block", [Request("203.0.113.7")]))
    assert world.addresses("block") == set()
    assert world.ledger()["block#v4|203.0.113.7/32"]["status"] == "removing"
    result = waf_cli("list", "staging", "--output", "json")
    assert result.json()["entries"] == [] and "completed-remove" in result.stderr
    assert "completed-remove" in waf_cli("prune", "staging").stderr
    item = world.ledger()["block#v4|203.0.113.7/32"]
    assert (item["status"], item["reason"], item["removed_reason"]) == ("removed", "botnet", "unblock-ip")
    assert item["removed_by"].endswith("user/moto")


def test_removal_that_never_reached_waf_is_rolled_back_to_active(world, waf_cli):
    write_config(world.config_dir, "staging", "waf:\n  pending_grace_seconds: 0\n")
    assert waf_cli("block-ip", "staging", "203.0.113.7", "--reason", "botnet").exit_code == 0
    session = boto3.Session(region_name="us-east-1")
    _on_call(session, "wafv2.UpdateIPSet", lambda: (_ for _ in ()).throw(SimulatedCrash()))
    manager = _manager(world, session)
    with pytest.raises(SimulatedCrash):
        manager.execute(manager.plan_remove("block", [Request("203.0.113.7")]))
    result = waf_cli("list", "staging", "--output", "json")
    assert "abandoned-remove" in result.stderr
    assert [(e["address"], e["status"], e["reason"]) for e in result.json()["entries"]] == [
        ("203.0.113.7/32", "active", "botnet")]
