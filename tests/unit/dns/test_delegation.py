"""Zone delegation logic and the DNS-over-HTTPS resolver, with an injected opener (no network)."""

from __future__ import annotations

import io
import json
import urllib.error

import pytest

from candlefish_ops.dns.delegation import DohResolver, LookupFailed, judge
from candlefish_ops.preflight import FAIL, PASS, WARN
from candlefish_ops.preflight.delegation import judge_delegation

ZONE_NS = ("ns-1.awsdns-01.org.", "ns-2.awsdns-02.co.uk.", "ns-3.awsdns-03.com.", "ns-4.awsdns-04.net.")


class Opener:
    """Answers each request with `body` (or raises `error`) and records the URL asked."""

    def __init__(self, body: dict | None = None, error: Exception | None = None) -> None:
        self.body, self.error, self.urls = body, error, []

    def __call__(self, request, timeout):
        self.urls.append(request.full_url)
        if self.error:
            raise self.error
        return io.BytesIO(json.dumps(self.body).encode())


class Resolver:
    def __init__(self, answer=(), error: str | None = None) -> None:
        self.answer, self.error = answer, error

    def name_servers(self, domain: str):
        if self.error:
            raise LookupFailed(self.error)
        return tuple(self.answer)


def _answer(*servers: str, name: str = "candlefish.ai.") -> dict:
    return {"Status": 0, "Answer": [{"name": name, "type": 2, "data": s} for s in servers]}


def test_doh_resolver_asks_for_ns_and_reads_the_answer():
    opener = Opener(_answer("NS-2.awsdns-02.co.uk", "ns-1.awsdns-01.org."))
    servers = DohResolver("https://resolver.example/resolve", opener=opener).name_servers("candlefish.ai")
    assert servers == ("ns-1.awsdns-01.org.", "ns-2.awsdns-02.co.uk.")
    assert opener.urls == ["https://resolver.example/resolve?name=candlefish.ai.&type=NS"]


def test_doh_resolver_ignores_records_of_other_names_and_types():
    body = _answer("ns-1.awsdns-01.org")
    body["Answer"] += [{"name": "other.ai.", "type": 2, "data": "ns.other."},
                       {"name": "candlefish.ai.", "type": 5, "data": "alias.example."}]
    assert DohResolver(opener=Opener(body)).name_servers("candlefish.ai") == ("ns-1.awsdns-01.org.",)


def test_nxdomain_is_no_name_servers_and_other_failures_are_lookup_failures():
    assert DohResolver(opener=Opener({"Status": 3})).name_servers("candlefish.ai") == ()
    with pytest.raises(LookupFailed, match="status 2"):
        DohResolver(opener=Opener({"Status": 2})).name_servers("candlefish.ai")
    with pytest.raises(LookupFailed, match="dns.google"):
        DohResolver(opener=Opener(error=urllib.error.URLError("timed out"))).name_servers("candlefish.ai")


@pytest.mark.parametrize("public, delegated", [
    (ZONE_NS, True),
    (ZONE_NS[:2], True),                                 # a subset still reaches this zone
    ((), False),                                         # nothing delegated (NXDOMAIN)
    (("ns1.old-provider.example.",), False),             # another provider
    ((ZONE_NS[0], "ns1.old-provider.example."), False),  # mixed: some resolvers would miss the zone
])
def test_delegated_only_when_the_public_dns_lists_only_this_zones_name_servers(public, delegated):
    assert judge("candlefish.ai", "Z1", ZONE_NS, Resolver(public)).delegated is delegated


def test_preflight_check_statuses_and_fix():
    passed = judge_delegation(judge("candlefish.ai", "Z1", ZONE_NS, Resolver(ZONE_NS)), ["edge"])
    failed = judge_delegation(judge("candlefish.ai", "Z1", ZONE_NS, Resolver(())), ["compute", "edge"])
    warned = judge_delegation(judge("candlefish.ai", "Z1", ZONE_NS, Resolver(())), [])
    unknown = judge_delegation(judge("candlefish.ai", "Z1", ZONE_NS, Resolver(error="offline")), ["edge"])
    assert (passed.status, failed.status, warned.status, unknown.status) == (PASS, FAIL, WARN, WARN)
    assert failed.fix.startswith("set the name servers of candlefish.ai at its registrar")
    assert "ns-1.awsdns-01.org, ns-2.awsdns-02.co.uk, ns-3.awsdns-03.com, ns-4.awsdns-04.net" in failed.fix
    assert "compute, edge would wait for validation" in failed.detail
    assert "offline" in unknown.detail and "dig NS candlefish.ai" in unknown.fix
