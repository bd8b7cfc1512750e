"""Planning at AWS's real 10,000 limit, the allowlist rule, and the config section (pure)."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import pytest

from candlefish_ops.waf import config as waf_config
from candlefish_ops.config.schema import Node
from candlefish_ops.errors import ConfigError, ValidationError
from candlefish_ops.waf.addresses import NetworkIndex, parse_network
from candlefish_ops.waf.plan import SetView, Stamp, check_allowlist, plan_additions, plan_removals

STAMP = Stamp("arn:aws:iam::123456789012:user/alice", datetime(2026, 11, 27, tzinfo=timezone.utc))


@dataclass(frozen=True)
class _State:  # the shape of aws.wafv2.IpSetState that planning reads
    addresses: frozenset


def _view(addresses) -> SetView:
    return SetView("block", "v4", "prod-candlefish-block-v4", _State(frozenset(addresses)), {})


def _hosts(count):
    return [f"{ipaddress.ip_address(int(ipaddress.ip_address('11.0.0.0')) + i)}/32" for i in range(count)]


def test_the_real_limit_of_10000():
    view = _view(_hosts(9_000))
    new = [parse_network(a) for a in _hosts(10_001)[9_000:]]
    with pytest.raises(ValidationError, match="holds 9,000 entries and this would add 1,001: the limit is 10,000 "
                                              "per set, only 1,000 left"):
        plan_additions(view, new, [("", None)] * len(new), STAMP, waf_config.MAX_ADDRESSES_PER_SET)
    change, skipped, left = plan_additions(view, new[:1000], [("", None)] * 1000, STAMP, 10_000)
    assert len(change.add) == 1000 and left == 0 and skipped == []
    assert change.add[0].added_by == STAMP.caller and change.add[0].status == "adding"


def test_entries_already_present_do_not_count_against_the_limit():
    view = _view(_hosts(10_000))
    change, skipped, left = plan_additions(view, [parse_network("11.0.0.5")], [("", None)], STAMP, 10_000)
    assert change.add == () and skipped[0].why == "already blocked" and left == 0


def test_removal_matches_by_meaning_not_spelling():
    view = SetView("block", "v6", "b6", _State(frozenset({"2001:DB8:0::1/128"})), {})
    change, skipped = plan_removals(view, [parse_network("2001:db8::1")], STAMP, "unblock-ip")
    assert [e.address for e in change.remove] == ["2001:DB8:0::1/128"] and skipped == []


def test_allowlist_wins():
    allow = {"v4": NetworkIndex(["192.0.2.0/24"]), "v6": NetworkIndex()}
    with pytest.raises(ValidationError, match="allowlisted"):
        check_allowlist([parse_network("192.0.2.8/29")], allow)
    assert check_allowlist([parse_network("192.0.0.0/16")], allow) == [
        "192.0.2.0/24 stays allowed inside blocked 192.0.0.0/16 (the allowlist wins)"]


def _parse(value, env="production"):
    return waf_config.parse(Node(value, Path("production.yaml"), "waf"), env)


def test_config_defaults_follow_the_environment():
    config = waf_config.parse(None, "staging")
    assert config.ip_set_name("block", "v6") == "staging-candlefish-block-v6"
    assert config.ledger_table == "staging-candlefish-waf-ledger"
    assert (config.scope, config.region, config.confirm_threshold, config.allow_private) == (
        "CLOUDFRONT", "us-east-1", 10, False)


def test_config_overrides():
    config = _parse({"ip_sets": {"allow_v4": "office"}, "confirm_threshold": 50, "allow_private": True,
                     "scope": "REGIONAL", "region": "eu-west-1"})
    assert config.ip_set_name("allow", "v4") == "office"
    assert config.ip_set_name("block", "v4") == "production-candlefish-block-v4"
    assert (config.confirm_threshold, config.allow_private, config.region) == (50, True, "eu-west-1")


@pytest.mark.parametrize("value, message", [
    ({"colour": 1}, "waf.colour: unknown key"),
    ({"scope": "GLOBAL"}, "waf.scope: 'GLOBAL': must be CLOUDFRONT or REGIONAL"),
    ({"region": "eu-west-1"}, "waf.region"),
    ({"max_addresses_per_set": 20_000}, "waf.max_addresses_per_set: must be between 1 and 10000"),
    ({"ip_sets": {"block_v5": "x"}}, "waf.ip_sets.block_v5: unknown key"),
    ({"ip_sets": {"block_v4": "a b"}}, "waf.ip_sets.block_v4: 'a b' is not a valid IP set name"),
    ({"ip_sets": {"block_v4": "same", "allow_v4": "same"}}, "must have different names"),
    ({"allow_private": "yes"}, "waf.allow_private: must be true or false"),
])
def test_config_errors_name_the_key(value, message):
    with pytest.raises(ConfigError, match=message.replace(".", r"\.").replace("(", r"\(")):
        _parse(value)


def test_example_config_sections_are_valid():
    import yaml

    docs = Path(__file__).resolve().parents[3] / "docs" / "config"
    for env in ("production", "staging"):
        file = docs / f"waf.{env}.yaml"
        _ = waf_config.parse(Node(yaml.safe_load(file.read_text())["waf"], file, "waf"), env)


def test_ip_set_refs_from_arns():
    from candlefish_ops.aws.wafv2 import ref_from_arn

    ref = ref_from_arn("arn:aws:wafv2:us-east-1:123456789012:global/ipset/prod-block-v4/a1b2-c3")
    assert (ref.name, ref.id, ref.scope) == ("prod-block-v4", "a1b2-c3", "CLOUDFRONT")
    assert ref_from_arn("arn:aws:wafv2:eu-west-1:123456789012:regional/ipset/x/id1").scope == "REGIONAL"
    for bad in ("", "not-an-arn", "arn:aws:wafv2:us-east-1:1:global/webacl/x/id", "arn:aws:s3:::bucket"):
        assert ref_from_arn(bad) is None


def test_explicit_names_are_remembered():
    config = _parse({"ip_sets": {"block_v4": "mine"}, "ledger_table": "ledger"})
    assert config.explicit == {"block_v4", "ledger_table"}
    assert waf_config.parse(None, "x").explicit == frozenset()


def test_reasons_are_capped_and_plain_text():
    from candlefish_ops.waf.addresses import Request
    from candlefish_ops.waf.plan import MAX_REASON_LENGTH, parse_reasons

    fine = [Request("1.2.3.4", "f line 2", reason="INC-4312"), Request("1.2.3.5", "f line 3")]
    assert parse_reasons(fine, "default") == ["INC-4312", "default"]
    bad = [Request("1.2.3.4", "f line 2", reason="x" * (MAX_REASON_LENGTH + 1)),
           Request("1.2.3.5", "f line 3", reason="\x1b]0;pwned\x07"), Request("1.2.3.6", "f line 4")]
    with pytest.raises(ValidationError) as error:
        parse_reasons(bad, "ok")
    message = str(error.value)
    assert "\n" not in message and message.startswith("2 bad reason(s), nothing was changed")
    assert f"f line 2: the reason is {MAX_REASON_LENGTH + 1} characters long" in message
    assert "f line 3: the reason holds control characters" in message
    with pytest.raises(ValidationError, match="^1 bad reason.*--reason: the reason is 501 characters"):
        parse_reasons([Request("1.2.3.4"), Request("1.2.3.5")], "y" * 501)
