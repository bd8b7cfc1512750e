"""Which names a load balancer can serve, from the compute stack's outputs (pure)."""

from __future__ import annotations

import pytest

from candlefish_ops.dns.serving import covered, problems


@pytest.mark.parametrize("name, names, expected", [
    ("origin.candlefish.ai.", ["origin.candlefish.ai"], True),
    ("Origin.Candlefish.ai", ["origin.candlefish.ai"], True),
    ("www.candlefish.ai", ["origin.candlefish.ai"], False),
    ("a.candlefish.ai", ["*.candlefish.ai"], True),
    ("candlefish.ai", ["*.candlefish.ai"], False),         # a wildcard does not cover the apex
    ("a.b.candlefish.ai", ["*.candlefish.ai"], False),     # nor two labels
])
def test_certificate_coverage(name, names, expected):
    assert covered(name, names) is expected


class _Stack:
    def __init__(self, regions):
        self.regions = regions


class _Environment:
    stacks = {"compute": _Stack(("us-east-1",)), "edge": _Stack(("us-east-1",))}


class _Config:
    stacks = {"edge": "edge", "compute": "compute", "api": "api", "dns": "dns"}

    def __init__(self, records):
        self._records = records

    def all_records(self):
        return self._records


def _record(name, types, target):
    from candlefish_ops.dns.config import RecordSpec, RouteSpec

    return RecordSpec(name, tuple(types), "simple", (RouteSpec(target=target),))


def test_problems_only_where_the_outputs_say():
    config = _Config([_record("origin", ["A", "AAAA"], "alb"), _record("@", ["A", "AAAA"], "cloudfront")])
    ipv4 = {("compute", "us-east-1"): {"LoadBalancerIpAddressType": "ipv4",
                                       "LoadBalancerCertificateNames": "origin.candlefish.ai"}}
    dualstack = {("compute", "us-east-1"): {"LoadBalancerIpAddressType": "dualstack",
                                            "LoadBalancerCertificateNames": "origin.candlefish.ai"}}
    assert [p.split(" sends")[0] for p in problems(config, "candlefish.ai", _Environment(), ipv4)] == \
        ["origin.candlefish.ai. AAAA"]
    assert problems(config, "candlefish.ai", _Environment(), dualstack) == []
    assert problems(config, "candlefish.ai", _Environment(), {("compute", "us-east-1"): {}}) == []
