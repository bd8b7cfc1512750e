"""Subnet carving: every `Fn::Cidr [block, count, cidrBits]` must fit in its block. Pure.

`Fn::Cidr` returns `count` blocks of `cidrBits` host bits each
(https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/intrinsic-function-reference-cidr.html);
they fit only if the block's prefix is at most 32 - cidrBits - ceil(log2(count)) (IPv4). A VPC too small for
its subnets fails the stack on AWS after the VPC was created; here it fails before anything changes.
"""

from __future__ import annotations

import ipaddress
import math
from typing import Any, Iterator, Mapping

from candlefish_ops.preflight import FAIL, PASS, Check
from candlefish_ops.preflight.cfn import Unrenderable, evaluate, render_properties


def cidr_checks(label: str, document: Mapping[str, Any], parameters: Mapping[str, str]) -> list[Check]:
    checks = []
    for block_node, count, bits in sorted(set(_cidr_calls(document.get("Resources") or {})), key=str):
        try:
            block = _block(document, block_node, parameters)
        except Unrenderable:
            continue
        try:
            network = ipaddress.ip_network(str(block), strict=False)
        except ValueError:
            continue  # not known before the deploy
        widest = network.max_prefixlen - bits - math.ceil(math.log2(count))
        detail = (f"{network} holds {count} subnets of /{network.max_prefixlen - bits} (Fn::Cidr, {bits} host bits)"
                  if network.prefixlen <= widest else
                  f"{network} is too small for {count} subnets of /{network.max_prefixlen - bits}: it needs a "
                  f"/{widest} or larger")
        checks.append(Check("subnet-cidr", label, PASS if network.prefixlen <= widest else FAIL, detail,
                            "" if network.prefixlen <= widest else
                            f"give the VPC a /{widest} or larger CIDR (e.g. VpcCidr in the stack's parameters)",
                            {"cidr": str(network), "needs_prefix_at_most": widest}))
    return checks


def _cidr_calls(node: Any) -> Iterator[tuple[str, int, int]]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("Fn::Cidr", "Cidr") and isinstance(value, list) and len(value) == 3:
                yield repr(value[0]), int(value[1]), int(value[2])
            else:
                yield from _cidr_calls(value)
    elif isinstance(node, list):
        for item in node:
            yield from _cidr_calls(item)


def _block(document: Mapping[str, Any], block_repr: str, parameters: Mapping[str, str]) -> Any:
    import ast

    node = ast.literal_eval(block_repr)
    getatt = node.get("Fn::GetAtt", node.get("GetAtt")) if isinstance(node, dict) else None
    if getatt is not None:
        resource, attribute = getatt if isinstance(getatt, list) else str(getatt).split(".", 1)
        if attribute != "CidrBlock":
            raise Unrenderable(f"{resource}.{attribute}")
        return render_properties(document, resource, parameters).get("CidrBlock")
    return evaluate(document, node, parameters)
