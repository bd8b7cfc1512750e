"""Every validation rule, through the CLI: the emulator would accept all of this, so nothing may be sent."""

from __future__ import annotations

import pytest


def _refused(world, result, *fragments):
    assert result.exit_code == 1, result.stdout
    for fragment in fragments:
        assert fragment in result.stderr, result.stderr
    assert result.stderr.count("\n") == 1
    for kind in ("block", "allow"):
        assert world.addresses(kind, "v4") == set() and world.addresses(kind, "v6") == set()
    assert world.ledger() == {}


@pytest.mark.parametrize("entry, fragment", [
    ("not-an-ip", "'not-an-ip' is not an IPv4 or IPv6 address or CIDR range"),
    ("203.0.113.300", "is not an IPv4 or IPv6 address"),
    ("203.0.113.7/33", "is not an IPv4 or IPv6 address"),
    ("010.1.2.3", "is not an IPv4 or IPv6 address"),
    ("203.0.113.7/24", "has host bits set; did you mean 203.0.113.0/24?"),
    ("2001:db8::1/32", "has host bits set; did you mean 2001:db8::/32?"),
    ("0.0.0.0/0", "/0 would match every address"),
    ("::/0", "/0 would match every address"),
    ("0.0.0.0", "unspecified"),
    ("::", "the unspecified address ::"),
    ("127.0.0.1", "loopback range 127.0.0.0/8"),
    ("::1", "loopback address ::1"),
    ("10.0.0.5", "private range 10.0.0.0/8; pass --allow-private"),
    ("172.20.0.0/16", "private range 172.16.0.0/12"),
    ("192.168.1.1", "private range 192.168.0.0/16"),
    ("100.64.1.1", "carrier-grade NAT"),
    ("169.254.169.254", "link-local"),
    ("fd00::1", "unique-local"),
    ("fe80::1", "link-local range fe80::/10"),
    ("fe80::1%eth0", "zone indexes"),
    ("::ffff:203.0.113.7", "use 203.0.113.7 instead"),
    ("8.0.0.0/6", "private range 10.0.0.0/8"),  # a wide range that swallows a private one
])
def test_block_rejects(world, waf_cli, entry, fragment):
    _refused(world, waf_cli("block-ip", "staging", entry), fragment, "nothing was changed")


def test_one_bad_entry_rejects_the_batch_and_every_bad_entry_is_listed(world, waf_cli):
    result = waf_cli("block-ip", "staging", "203.0.113.7", "garbage", "198.51.100.0/24", "10.0.0.1", "1.2.3.4/8")
    _refused(world, result, "3 of 5 entries rejected", "argument 2: 'garbage'", "argument 4: '10.0.0.1'",
             "argument 5: '1.2.3.4/8' has host bits set; did you mean 1.0.0.0/8?")


def test_private_ranges_can_be_blocked_deliberately(world, waf_cli):
    result = waf_cli("block-ip", "staging", "10.0.0.5", "--allow-private")
    assert result.exit_code == 0, result.stderr
    assert world.addresses("block") == {"10.0.0.5/32"}
    # but loopback never
    assert waf_cli("block-ip", "staging", "127.0.0.1", "--allow-private").exit_code == 1


def test_config_can_allow_private_ranges(world, waf_cli):
    from tests.functional.waf.conftest import write_config

    write_config(world.config_dir, "staging", "waf:\n  allow_private: true\n")
    assert waf_cli("block-ip", "staging", "192.168.0.0/16").exit_code == 0


@pytest.mark.parametrize("entry", ["0.0.0.0/0", "127.0.0.1", "nonsense", "203.0.113.7/24"])
def test_allow_rejects(world, waf_cli, entry):
    _refused(world, waf_cli("allow-ip", "staging", entry))


@pytest.mark.parametrize("expires, fragment", [
    ("yesterday", "use a duration like 30m"),
    ("0h", "more than zero"),
    ("2001-01-01", "is in the past"),
    ("99999d", "more than 10 years"),
])
def test_bad_expiry_rejects(world, waf_cli, expires, fragment):
    _refused(world, waf_cli("block-ip", "staging", "203.0.113.7", "--expires", expires), fragment)


def test_unblock_needs_well_formed_entries_too(world, waf_cli):
    assert waf_cli("block-ip", "staging", "203.0.113.7").exit_code == 0
    result = waf_cli("unblock-ip", "staging", "203.0.113.7", "bogus")
    assert result.exit_code == 1 and "'bogus'" in result.stderr
    assert world.addresses("block") == {"203.0.113.7/32"}


def test_unblocking_an_address_inside_a_blocked_range_explains(world, waf_cli):
    assert waf_cli("block-ip", "staging", "203.0.113.0/24").exit_code == 0
    result = waf_cli("unblock-ip", "staging", "203.0.113.7")
    assert result.exit_code == 0
    assert "not blocked; it is inside 203.0.113.0/24: remove that range instead" in " ".join(result.stdout.split())
    assert world.addresses("block") == {"203.0.113.0/24"}


def test_bad_config_names_file_and_key(world, waf_cli):
    from tests.functional.waf.conftest import write_config

    write_config(world.config_dir, "staging", "waf:\n  scope: CLOUDFRONT\n  region: eu-west-1\n")
    result = waf_cli("list", "staging")
    assert result.exit_code == 1
    assert "staging.yaml: waf.region: 'eu-west-1': CLOUDFRONT-scope IP sets live in us-east-1 only" in result.stderr
