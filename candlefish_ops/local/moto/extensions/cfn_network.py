"""EC2 in CloudFormation: flow logs to an S3 prefix, route table associations, deletable network stacks.

moto's flow-log check takes everything after the bucket ARN's prefix as the bucket name, so an S3
destination with a key prefix (`arn:aws:s3:::bucket/flow-logs/`, which AWS accepts) fails, and its CloudFormation
model then crashes with an IndexError. `install()` wraps the model's create: the bucket is checked by its
name, the flow log keeps the full destination, and a missing bucket fails the stack with AWS's message.
"""

from __future__ import annotations

import copy
from typing import Any

from candlefish_ops.local.moto.compat import backend, patch


def _bucket_only(destination: str) -> tuple[str, str]:
    prefix, _, path = destination.partition(":::")
    bucket = path.split("/", 1)[0]
    return f"{prefix}:::{bucket}", bucket


def _wrapped_create(original: Any) -> Any:
    def create(cls: type, resource_name: str, cloudformation_json: dict[str, Any], account_id: str,
               region_name: str, **kwargs: Any) -> Any:
        props = cloudformation_json.get("Properties") or {}
        destination = props.get("LogDestination") or ""
        if props.get("LogDestinationType") != "s3" or "/" not in destination.partition(":::")[2]:
            return original(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs)
        from moto.utilities.utils import get_partition

        bucket_arn, bucket = _bucket_only(destination)
        if bucket not in backend("s3", account_id, get_partition(region_name)).buckets:
            raise ValueError(f"LogDestination: {bucket} does not exist.")
        trimmed = copy.deepcopy(cloudformation_json)
        trimmed["Properties"]["LogDestination"] = bucket_arn
        flow_log = original(cls, resource_name, trimmed, account_id, region_name, **kwargs)
        flow_log.log_destination = destination
        return flow_log

    create._candlefish = True  # type: ignore[attr-defined]
    return classmethod(create)




# --- deleting a network stack ------------------------------------------------------------------------------------
# moto's CloudFormation models of these EC2 resources have no delete, so a stack holding them never deletes
# (the VPC keeps dependencies). Each gets the delete CloudFormation performs; moto's stack delete retries in
# passes, so a resource still in use (a route table with associations) is deleted in a later pass, as on AWS.

def _ec2(account_id: str, region_name: str) -> Any:

    return backend("ec2", account_id, region_name)


def _delete_route_table(self: Any, account_id: str, region_name: str) -> None:
    backend = _ec2(account_id, region_name)
    if self.id in backend.route_tables:
        backend.delete_route_table(self.id)


def _delete_route(self: Any, account_id: str, region_name: str) -> None:
    backend = _ec2(account_id, region_name)
    if self.route_table.id in backend.route_tables and self.id in self.route_table.routes:
        backend.delete_route(self.route_table.id, self.destination_cidr_block, self.destination_ipv6_cidr_block,
                             self.destination_prefix_list_id)


def _delete_association(self: Any, account_id: str, region_name: str) -> None:
    backend = _ec2(account_id, region_name)
    association_id = getattr(self, "association_id", None)
    if association_id:
        route_table = backend.route_tables.get(self.route_table_id)
        if route_table is not None:
            route_table._associations.pop(association_id, None)
    backend.subnet_associations.pop(f"{self.route_table_id}:{self.subnet_id}", None)


def _detach_gateway(self: Any, account_id: str, region_name: str) -> None:
    backend = _ec2(account_id, region_name)
    gateway = backend.internet_gateways.get(self.gateway_id)
    if gateway is not None and gateway.vpc is not None and gateway.vpc.id == self.vpc_id:
        backend.detach_internet_gateway(self.gateway_id, self.vpc_id)


def _delete_internet_gateway(self: Any, account_id: str, region_name: str) -> None:
    backend = _ec2(account_id, region_name)
    if self.id in backend.internet_gateways:
        backend.delete_internet_gateway(self.id)


def _delete_nat_gateway(self: Any, account_id: str, region_name: str) -> None:
    backend = _ec2(account_id, region_name)
    if backend.nat_gateways.pop(self.id, None) is not None:
        backend.enis.pop(self._eni.id, None)
        for address in backend.addresses:
            if address.eni is self._eni:
                address.eni, address.association_id = None, None


def _release_address(self: Any, account_id: str, region_name: str) -> None:
    backend = _ec2(account_id, region_name)
    if self in backend.addresses:
        backend.release_address(allocation_id=self.allocation_id) if self.allocation_id else \
            backend.release_address(address=self.public_ip)


def _delete_vpc_endpoint(self: Any, account_id: str, region_name: str) -> None:
    backend = _ec2(account_id, region_name)
    if backend.vpc_end_points.pop(self.id, None) is not None:
        for eni_id in self.network_interface_ids:
            backend.enis.pop(eni_id, None)


def _delete_flow_log(self: Any, account_id: str, region_name: str) -> None:
    backend = _ec2(account_id, region_name)
    if self.id in backend.flow_logs:
        backend.delete_flow_logs([self.id])


def _associate_subnet(original: Any) -> Any:
    """moto's association is bookkeeping only; also associate the route table (describe_route_tables shows it)."""

    def create(cls: type, resource_name: str, cloudformation_json: dict[str, Any], account_id: str,
               region_name: str, **kwargs: Any) -> Any:
        association = original(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs)
        association.association_id = _ec2(account_id, region_name).associate_route_table(
            association.route_table_id, subnet_id=association.subnet_id)
        return association

    create._candlefish = True  # type: ignore[attr-defined]
    return classmethod(create)


def _install_deletes() -> None:
    from moto.ec2.models.elastic_ip_addresses import ElasticAddress
    from moto.ec2.models.flow_logs import FlowLogs
    from moto.ec2.models.internet_gateways import InternetGateway
    from moto.ec2.models.nat_gateways import NatGateway
    from moto.ec2.models.route_tables import Route, RouteTable
    from moto.ec2.models.subnets import SubnetRouteTableAssociation
    from moto.ec2.models.vpcs import VPCEndPoint
    from moto.ec2.models.vpn_gateway import VPCGatewayAttachment

    deletes = {RouteTable: _delete_route_table, Route: _delete_route, SubnetRouteTableAssociation: _delete_association,
               VPCGatewayAttachment: _detach_gateway, InternetGateway: _delete_internet_gateway,
               NatGateway: _delete_nat_gateway, ElasticAddress: _release_address, VPCEndPoint: _delete_vpc_endpoint,
               FlowLogs: _delete_flow_log}
    for model, delete in deletes.items():
        if "delete" not in model.__dict__:
            model.delete = delete  # type: ignore[attr-defined]
    original = SubnetRouteTableAssociation.__dict__["create_from_cloudformation_json"].__func__
    if not getattr(original, "_candlefish", False):
        patch(SubnetRouteTableAssociation, "create_from_cloudformation_json", _associate_subnet(original))


def install() -> None:
    from moto.ec2.models.flow_logs import FlowLogs

    original = FlowLogs.__dict__["create_from_cloudformation_json"].__func__
    if not getattr(original, "_candlefish", False):
        patch(FlowLogs, "create_from_cloudformation_json", _wrapped_create(original))
    _install_deletes()
