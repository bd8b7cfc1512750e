"""Elastic Load Balancing v2 in CloudFormation: the attributes moto's models ignore.

moto answers Fn::GetAtt CanonicalHostedZoneID / LoadBalancerFullName / SecurityGroups of a load
balancer with NotImplementedError (the Output then holds the unresolved GetAtt): they are answered here.
moto creates load balancers and target groups from a template but drops LoadBalancerAttributes (access logs,
deletion protection, idle timeout, header handling) and TargetGroupAttributes. `install()` wraps both creates
to apply them through moto's own modify_*_attributes, so describe_load_balancer_attributes and
describe_target_group_attributes show them (an attribute AWS does not know fails the stack, as on AWS).
moto also drops `IpAddressType`: it is applied here, and `dualstack` needs every subnet to have an IPv6 CIDR
block, as AWS requires (https://docs.aws.amazon.com/elasticloadbalancing/latest/application/application-load-balancers.html#ip-address-type);
without one the stack fails, as on AWS.
"""

from __future__ import annotations

from typing import Any

from ._cfn import wrap_classmethod
from candlefish_ops.local.moto.compat import backend, patch


def _backend(account_id: str, region_name: str) -> Any:

    return backend("elbv2", account_id, region_name)


def _attributes(props: dict[str, Any], key: str) -> dict[str, str]:
    return {item["Key"]: str(item["Value"]).lower() if isinstance(item["Value"], bool) else str(item["Value"])
            for item in props.get(key) or []}


def _after_load_balancer(balancer: Any, resource_name: str, cloudformation_json: dict[str, Any], account_id: str,
                         region_name: str, **kwargs: Any) -> Any:
    props = cloudformation_json.get("Properties") or {}
    try:
        _apply_ip_address_type(balancer, props.get("IpAddressType") or "ipv4")
    except ValueError:
        _backend(account_id, region_name).delete_load_balancer(balancer.arn)  # AWS creates none
        raise
    attributes = _attributes(props, "LoadBalancerAttributes")
    if attributes:
        _backend(account_id, region_name).modify_load_balancer_attributes(balancer.arn, attributes)
    return balancer


def _apply_ip_address_type(balancer: Any, ip_address_type: str) -> None:
    if ip_address_type not in ("ipv4", "dualstack", "dualstack-without-public-ipv4"):
        raise ValueError(f"IpAddressType {ip_address_type!r} is not one of ipv4, dualstack, dualstack-without-public-ipv4")
    if ip_address_type != "ipv4":
        without = [subnet.id for subnet in balancer.subnets if not subnet.ipv6_cidr_block_associations]
        if without:
            raise ValueError(f"IpAddressType {ip_address_type}: subnets {', '.join(without)} have no IPv6 CIDR block; "
                             "a dual-stack load balancer needs subnets with an associated IPv6 CIDR block")
    balancer.ip_address_type = ip_address_type


def _after_target_group(group: Any, resource_name: str, cloudformation_json: dict[str, Any], account_id: str,
                        region_name: str, **kwargs: Any) -> Any:
    attributes = _attributes(cloudformation_json.get("Properties") or {}, "TargetGroupAttributes")
    if attributes:
        _backend(account_id, region_name).modify_target_group_attributes(group.arn, attributes)
    return group


def _load_balancer_attribute(original):
    def get_cfn_attribute(self: Any, attribute_name: str) -> Any:
        if attribute_name == "CanonicalHostedZoneID":
            return self.canonical_hosted_zone_id
        if attribute_name == "LoadBalancerFullName":
            return self.arn.split(":loadbalancer/", 1)[-1]
        if attribute_name == "SecurityGroups":
            return list(self.security_groups or [])
        return original(self, attribute_name)

    return get_cfn_attribute


def install() -> None:
    from moto.elbv2.models import FakeLoadBalancer, FakeTargetGroup

    patch(FakeLoadBalancer, "get_cfn_attribute", _load_balancer_attribute(FakeLoadBalancer.get_cfn_attribute))
    wrap_classmethod(FakeLoadBalancer, "create_from_cloudformation_json", _after_load_balancer)
    wrap_classmethod(FakeTargetGroup, "create_from_cloudformation_json", _after_target_group)
