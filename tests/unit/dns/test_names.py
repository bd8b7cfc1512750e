"""Route 53's name, TXT and health-check rules (pure), and telling a rejected batch from a concurrent change."""

from __future__ import annotations

from dataclasses import replace

import pytest

from candlefish_ops.dns.model import AliasTarget, HealthCheckSettings, HealthCheckState, RecordSet
from candlefish_ops.dns.names import host_problem, name_problem, path_problem, search_string_problem, txt_problem
from candlefish_ops.dns.plan import plan_dns, same_record_changes
from candlefish_ops.dns.targets import TargetError, parse_target


@pytest.mark.parametrize("name", ["@", "www", "www.example.com.", "*.example.com", "_dmarc", "xn--bcher-kva",
                                  "a-b_c", "a" * 63, ".".join(["a" * 63] * 4)[:253]])
def test_names_route53_accepts(name):
    assert name_problem(name) is None


@pytest.mark.parametrize("name, expected", [
    ("../../www", "empty label"), ("a..b", "empty label"), ("w w", "a space"), ("www\nevil", "a line break"),
    ("www\r", "a line break"), ("a\x00b", "control character"), ("a" * 64, "at most 63"),
    ("a." * 127 + "a", "at most 253"), ("ｗｗｗ", "punycode: write www"), ("bücher", "xn--bcher-kva"),
    ("a*b", "* only as the whole leftmost label"), ("www.*", "* only as the whole leftmost label"),
    ("a/b", "'/' is not allowed"), ("", "is empty"),
])
def test_names_route53_refuses_say_why(name, expected):
    problem = name_problem(name)
    assert problem is not None and expected in problem
    assert "\n" not in problem and "\r" not in problem


def test_a_wildcard_is_not_a_host_and_a_long_name_is_not_echoed_whole():
    assert "leftmost" in host_problem("*.example.com")
    problem = name_problem("x" * 100_000)
    assert len(problem) < 200 and "100,000 characters" in problem


@pytest.mark.parametrize("value, ok", [
    ('"v=spf1 -all"', True), ('"' + "a" * 255 + '"', True), ('"' + "a" * 255 + '" "b"', True),
    ('"a\\"b"', True), ('"\\065"', True), ("a" * 255, True),
    ('"' + "a" * 256 + '"', False), ("a" * 256, False), ('"abc', False), ('"a\nb"', False), ('"é"', False),
])
def test_txt_strings(value, ok):
    assert (txt_problem(value) is None) == ok


@pytest.mark.parametrize("path, ok", [
    ("/health", True), ("/a?b=c&d=%20", True), ("/" + "p" * 254, True),
    ("/" + "p" * 255, False), ("/health\r\nX-Injected: 1", False), ("/a b", False), ("/é", False),
])
def test_health_check_paths(path, ok):
    assert (path_problem(path) is None) == ok


def test_search_string_bound():
    assert search_string_problem("ok") is None
    assert "at most 255" in search_string_problem("x" * 256)


def test_a_host_target_with_a_newline_is_refused_not_taken_as_a_host():
    with pytest.raises(TargetError, match="line break"):
        parse_target("status.example.net\n")
    assert parse_target("status.example.net").host == "status.example.net"


ZONE = "example.com"
SITE = HealthCheckSettings("site", "HTTPS", "d1.cloudfront.net", "/healthz", 443, 30, 3)
APEX = RecordSet("example.com.", "A", "primary", alias=AliasTarget("d1.cloudfront.net", "Z2FDTNDATAQYW2"),
                 failover="PRIMARY", health_check_id="new:site")
API = RecordSet("api.example.com.", "CNAME", ttl=60, values=("rest.example.net",))


def test_same_zone_after_a_rejection_even_with_the_health_check_created_meanwhile():
    planned = plan_dns("staging", ZONE, [APEX, API], [SITE], [], [])
    created = HealthCheckState("hc-1", "staging", SITE)
    fresh = plan_dns("staging", ZONE, [APEX, API], [SITE], [], [created])
    assert fresh.changes[0].record.health_check_id == "hc-1"
    assert same_record_changes(planned, fresh)


def test_a_record_someone_created_meanwhile_is_a_concurrent_change():
    planned = plan_dns("staging", ZONE, [APEX, API], [SITE], [], [])
    theirs = replace(API, values=("theirs.example.net",))
    fresh = plan_dns("staging", ZONE, [APEX, API], [SITE], [theirs], [])
    assert not same_record_changes(planned, fresh)
