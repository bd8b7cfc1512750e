"""The four IP sets of `candlefish waf`, owned by candlefish rather than by CloudFormation.

A stack that owned them would send its template's `Addresses` on every update touching them (UpdateIPSet
replaces the whole specification, https://docs.aws.amazon.com/waf/latest/APIReference/API_UpdateIPSet.html;
`Addresses` is required in AWS::WAFv2::IPSet), wiping what `candlefish waf` wrote. So the deploy finds them
by name (`waf.ip_sets`, default `{env}-candlefish-{block,allow}-{v4,v6}`) or creates them empty, never
writes their addresses, and gives their ARNs to the security stack's parameters.
"""

from __future__ import annotations

from candlefish_ops.waf.config import WafConfig

# security.yaml parameter -> (set kind, IP version)
IP_SET_PARAMETERS = {
    "AllowListV4Arn": ("allow", "v4"),
    "AllowListV6Arn": ("allow", "v6"),
    "BlockListV4Arn": ("block", "v4"),
    "BlockListV6Arn": ("block", "v6"),
}
_IP_VERSIONS = {"v4": "IPV4", "v6": "IPV6"}


def ip_set_parameters(session, config: WafConfig, wanted: frozenset[str], tags: dict[str, str],
                      create: bool) -> tuple[dict[str, str], list[str], list[str]]:
    """(parameter -> IP set ARN, names created now, names missing). Existing sets are adopted as they are;
    missing ones are created empty when `create`, else reported missing (a plan creates nothing)."""
    from candlefish_ops.aws.wafv2 import WafV2

    waf = WafV2(session, config.region, config.scope)
    names = {parameter: config.ip_set_name(*IP_SET_PARAMETERS[parameter]) for parameter in sorted(wanted)}
    found = waf.existing_ip_sets(list(names.values()))
    arns, created, missing = {}, [], []
    for parameter, name in names.items():
        ref = found.get(name)
        if ref is None and create:
            kind, version = IP_SET_PARAMETERS[parameter]
            ref = waf.create_ip_set(name, _IP_VERSIONS[version],
                                    f"{kind}list ({version}) of candlefish waf; addresses written by candlefish waf only",
                                    tags)
            created.append(name)
        if ref is None:
            missing.append(name)
        else:
            arns[parameter] = ref.arn
    return arns, created, missing
