"""Address parsing and set arithmetic (pure)."""

from __future__ import annotations

import ipaddress

import pytest
from hypothesis import given, strategies as st

from candlefish_ops.errors import ValidationError
from candlefish_ops.waf.addresses import NetworkIndex, Request, blocking_problem, parse_batch, parse_network


@pytest.mark.parametrize("text, expected", [
    ("203.0.113.7", "203.0.113.7/32"), (" 203.0.113.0/24 ", "203.0.113.0/24"), ("2001:DB8::1", "2001:db8::1/128"),
    ("2001:db8:0:0::/64", "2001:db8::/64"), ("203.0.113.0/255.255.255.0", "203.0.113.0/24"),
])
def test_parse_normalises(text, expected):
    assert str(parse_network(text)) == expected


def test_host_bits_suggest_the_network():
    with pytest.raises(ValueError, match=r"did you mean 198\.51\.100\.0/22\?"):
        parse_network("198.51.100.77/22")


def test_private_ranges_only_with_the_flag_loopback_never():
    assert blocking_problem(parse_network("10.1.2.3"), allow_private=False)
    assert blocking_problem(parse_network("10.1.2.3"), allow_private=True) is None
    assert blocking_problem(parse_network("127.0.0.1"), allow_private=True)
    assert blocking_problem(parse_network("192.0.2.1"), allow_private=False) is None  # documentation range is fine


def test_batch_lists_every_problem_with_where():
    with pytest.raises(ValidationError) as error:
        parse_batch([Request("x", "line 1"), Request("203.0.113.7", "line 2"), Request("::1", "line 3")], "block")
    assert "2 of 3 entries rejected" in str(error.value)
    assert "line 1: 'x'" in str(error.value) and "line 3: '::1'" in str(error.value)


def test_empty_batch_is_refused():
    with pytest.raises(ValidationError, match="no addresses"):
        parse_batch([], "block")


def test_removal_accepts_anything_well_formed():
    assert [str(n) for n in parse_batch([Request("10.0.0.1")], "remove")] == ["10.0.0.1/32"]


def test_index_finds_the_covering_range():
    index = NetworkIndex(["203.0.113.0/24", "2001:db8::/32", "garbage-from-another-tool"])
    assert str(index.covering(parse_network("203.0.113.9"))) == "203.0.113.0/24"
    assert str(index.covering(parse_network("2001:db8:1::/48"))) == "2001:db8::/32"
    assert index.covering(parse_network("203.0.113.0/24")) is None  # equal is not "wider"
    assert index.covering(parse_network("198.51.100.1")) is None
    assert [str(n) for n in index.covered_by(parse_network("203.0.0.0/16"))] == ["203.0.113.0/24"]


@given(st.integers(min_value=0, max_value=2**32 - 1), st.integers(min_value=1, max_value=32),
       st.integers(min_value=1, max_value=32))
def test_covering_agrees_with_subnet_of(address, wide, narrow):
    wider = ipaddress.ip_network((address, min(wide, narrow)), strict=False)
    inner = ipaddress.ip_network((address, max(wide, narrow)), strict=False)
    found = NetworkIndex([wider]).covering(inner)
    assert found == (wider if wider.prefixlen < inner.prefixlen else None)
