"""Expiry parsing, ledger reconciliation rules, import file parsing (pure)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from candlefish_ops.errors import ValidationError
from candlefish_ops.waf.expiry import parse_expires
from candlefish_ops.waf.files import export_csv, parse_import_text
from candlefish_ops.waf.ledger import ACTIVE, ADDING, REMOVED, REMOVING, LedgerEntry, ReconcileClock, reconcile

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=timezone.utc)


@pytest.mark.parametrize("text, delta", [("30m", timedelta(minutes=30)), ("24h", timedelta(hours=24)),
                                         ("7d", timedelta(days=7)), ("2w", timedelta(weeks=2)),
                                         ("12H", timedelta(hours=12))])
def test_durations(text, delta):
    assert parse_expires(text, NOW) == NOW + delta


def test_iso_dates_are_utc_unless_they_say():
    assert parse_expires("2026-12-31", NOW) == datetime(2026, 12, 31, tzinfo=timezone.utc)
    assert parse_expires("2026-12-31T18:00:00+02:00", NOW) == datetime(2026, 12, 31, 16, tzinfo=timezone.utc)
    assert parse_expires(None, NOW) is None


@pytest.mark.parametrize("text", ["soon", "-5d", "0m", "2026-11-27T11:00:00Z", "5y"])
def test_bad_expiries(text):
    with pytest.raises(ValidationError):
        parse_expires(text, NOW)


def _entry(address, status, minutes_ago=60, **extra):
    stamp = (NOW - timedelta(minutes=minutes_ago)).strftime("%Y-%m-%dT%H:%M:%SZ")
    return LedgerEntry("block", "v4", address, status, reason="r", added_by="me", added_at=stamp,
                       updated_at=stamp, **extra)


def test_reconcile_rules():
    clock = ReconcileClock(NOW, timedelta(minutes=5), timedelta(days=90))
    entries = [_entry("1.0.0.1/32", ADDING), _entry("1.0.0.2/32", ADDING), _entry("1.0.0.3/32", ADDING, 1),
               _entry("1.0.0.4/32", ACTIVE), _entry("1.0.0.5/32", ACTIVE),
               _entry("1.0.0.6/32", REMOVING, removed_by="bob"), _entry("1.0.0.7/32", REMOVING),
               _entry("1.0.0.8/32", REMOVING, 1), _entry("1.0.0.9/32", REMOVED)]
    waf = frozenset({"1.0.0.1/32", "1.0.0.4/32", "1.0.0.7/32", "1.0.0.8/32", "1.0.0.9/32", "1.0.0.10/32"})
    repairs = {r.address: r for r in reconcile("block", "v4", waf, entries, clock)}
    assert {a: r.action for a, r in repairs.items()} == {
        "1.0.0.1/32": "completed-add", "1.0.0.2/32": "abandoned-add", "1.0.0.5/32": "removed-outside",
        "1.0.0.6/32": "completed-remove", "1.0.0.7/32": "abandoned-remove", "1.0.0.9/32": "unknown-origin",
        "1.0.0.10/32": "unknown-origin"}
    assert repairs["1.0.0.1/32"].put.status == ACTIVE and repairs["1.0.0.1/32"].put.reason == "r"
    assert repairs["1.0.0.2/32"].delete == {"pk": "block#v4", "sk": "1.0.0.2/32"}
    assert repairs["1.0.0.6/32"].put.status == REMOVED and repairs["1.0.0.6/32"].put.removed_by == "bob"
    assert repairs["1.0.0.6/32"].put.ttl == int((NOW + timedelta(days=90)).timestamp())
    assert repairs["1.0.0.7/32"].put.status == ACTIVE and repairs["1.0.0.7/32"].put.removed_by is None
    assert repairs["1.0.0.10/32"].put.origin == "unknown"


def test_reconcile_leaves_recent_entries_to_their_author_and_to_a_lagging_waf_read():
    clock = ReconcileClock(NOW, timedelta(minutes=5), timedelta(days=90))
    entries = [_entry("1.0.0.1/32", ACTIVE, 1), _entry("1.0.0.2/32", REMOVED, 1), _entry("1.0.0.3/32", ADDING, 1),
               _entry("1.0.0.4/32", REMOVING, 1, removed_by="bob")]
    waf = frozenset({"1.0.0.2/32", "1.0.0.3/32"})  # 1: just blocked, not yet seen; 2: just unblocked, still seen
    repairs = {r.address: r for r in reconcile("block", "v4", waf, entries, clock)}
    assert {a: r.action for a, r in repairs.items()} == {"1.0.0.3/32": "completed-add", "1.0.0.4/32": "completed-remove"}
    assert repairs["1.0.0.3/32"].seen == entries[2]  # written only if the item is still as read


def test_settled_tombstones_move_to_history_a_bounded_number_at_a_time():
    clock = ReconcileClock(NOW, timedelta(minutes=5), timedelta(days=90))
    tombstones = [_entry(f"1.0.0.{i}/32", REMOVED, removed_at="2026-01-01T00:00:00Z") for i in range(1, 6)]
    repairs = reconcile("block", "v4", frozenset(), tombstones + [_entry("1.0.1.1/32", REMOVED, 1)], clock,
                        archive_limit=3)
    assert [(r.action, r.address) for r in repairs] == [("archived", f"1.0.0.{i}/32") for i in range(1, 4)]
    first = repairs[0]
    assert first.delete == {"pk": "block#v4", "sk": "1.0.0.1/32"} and first.seen == tombstones[0]
    assert first.archive.history_item()["pk"] == "history#block#v4"
    assert first.archive.history_item()["sk"] == "1.0.0.1/32#2026-01-01T00:00:00Z"


def test_plain_import_with_comments():
    requests = parse_import_text("# header\n203.0.113.7 # scanner\n\n  2001:db8::1\n", "f")
    assert [(r.text, r.where) for r in requests] == [("203.0.113.7", "f line 2"), ("2001:db8::1", "f line 4")]


def test_csv_import_with_reason_and_expires():
    text = "# exported\nIP,Reason,Expires\n203.0.113.7,\"scan, heavy\",7d\n198.51.100.1,,\n"
    requests = parse_import_text(text, "f")
    assert [(r.text, r.reason, r.expires, r.where) for r in requests] == [
        ("203.0.113.7", "scan, heavy", "7d", "f line 3"), ("198.51.100.1", None, None, "f line 4")]


def test_csv_without_address_column_is_refused():
    with pytest.raises(ValidationError, match="no address column"):
        parse_import_text("host,reason\n1.2.3.4,x\n", "f")


def test_export_is_importable():
    entry = LedgerEntry("block", "v4", "203.0.113.7/32", ACTIVE, reason="a, b", expires_at="2099-01-01T00:00:00Z")
    [request] = parse_import_text(export_csv([entry]), "f")
    assert (request.text, request.reason, request.expires) == ("203.0.113.7/32", "a, b", "2099-01-01T00:00:00Z")
