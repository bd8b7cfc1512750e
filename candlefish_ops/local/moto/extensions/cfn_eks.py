"""EKS in CloudFormation: AWS::EKS::Cluster and AWS::EKS::Nodegroup.

Created in moto's EKS backend (describe_cluster / describe_nodegroup see them): the cluster with its role,
version, VPC config, encryption config, control-plane logging and tags; the node group with its role,
subnets, scaling config, instance types, capacity type, AMI type, disk size, labels, taints, launch template
and tags. CloudFormation's PascalCase properties are given to moto in the API's camelCase.
Any change replaces (moto has no cluster or node group updates).
"""

from __future__ import annotations

from typing import Any

from moto.core.common_models import CloudFormationModel

from ._cfn import BackendHandle, properties_of, tag_dict
from candlefish_ops.local.moto.compat import backend


def _backend(account_id: str, region_name: str) -> Any:

    return backend("eks", account_id, region_name)


def camel(value: Any) -> Any:
    """A CloudFormation structure with the API's camelCase keys (recursively)."""
    if isinstance(value, list):
        return [camel(item) for item in value]
    if isinstance(value, dict):
        return {key[0].lower() + key[1:]: camel(item) for key, item in value.items()}
    return value


def _logging(logging: dict[str, Any] | None) -> dict[str, Any] | None:
    if not logging:
        return None
    enabled = [entry["Type"] for entry in logging.get("ClusterLogging", {}).get("EnabledTypes", [])]
    return {"clusterLogging": [{"types": enabled, "enabled": True}]}


class CfnCluster(BackendHandle, CloudFormationModel):
    """AWS::EKS::Cluster: Ref = name; GetAtt Arn, Endpoint, CertificateAuthorityData, OpenIdConnectIssuerUrl."""

    cfn_type = "AWS::EKS::Cluster"
    ref_attribute = "name"
    attributes = {"Arn": "arn", "Endpoint": "endpoint", "CertificateAuthorityData": "certificate_authority_data",
                  "OpenIdConnectIssuerUrl": "issuer"}

    def __init__(self, cluster: Any) -> None:
        self.name, self.arn, self.endpoint = cluster.name, cluster.arn, cluster.endpoint
        self.certificate_authority_data = cluster.certificate_authority["data"]
        self.issuer = cluster.identity["oidc"]["issuer"]

    name_type = "Name"

    @classmethod
    def create_from_cloudformation_json(  # type: ignore[misc]
        cls, resource_name: str, cloudformation_json: dict[str, Any], account_id: str, region_name: str,
        **kwargs: Any,
    ) -> CfnCluster:
        props = properties_of(cloudformation_json)
        cluster = _backend(account_id, region_name).create_cluster(
            name=resource_name, role_arn=props["RoleArn"], resources_vpc_config=camel(props["ResourcesVpcConfig"]),
            version=props.get("Version"), kubernetes_network_config=camel(props.get("KubernetesNetworkConfig")),
            logging=_logging(props.get("Logging")), tags=tag_dict(props.get("Tags")) or None,
            encryption_config=camel(props.get("EncryptionConfig")),
            remote_network_config=camel(props.get("RemoteNetworkConfig")))
        return cls(cluster)

    def delete(self, account_id: str, region_name: str) -> None:
        backend = _backend(account_id, region_name)
        cluster = backend.clusters.get(self.name)
        if cluster is not None:
            # Raises while node groups remain; moto's stack delete retries after deleting them.
            backend.delete_cluster(self.name)


class CfnNodegroup(BackendHandle, CloudFormationModel):
    """AWS::EKS::Nodegroup: Ref = "cluster/nodegroup"; GetAtt Arn, ClusterName, NodegroupName."""

    cfn_type = "AWS::EKS::Nodegroup"
    attributes = {"Arn": "arn", "ClusterName": "cluster_name", "NodegroupName": "name"}

    def __init__(self, cluster_name: str, name: str, arn: str) -> None:
        self.cluster_name, self.name, self.arn = cluster_name, name, arn

    @property
    def physical_resource_id(self) -> str:
        return f"{self.cluster_name}/{self.name}"

    name_type = "NodegroupName"

    @classmethod
    def create_from_cloudformation_json(  # type: ignore[misc]
        cls, resource_name: str, cloudformation_json: dict[str, Any], account_id: str, region_name: str,
        **kwargs: Any,
    ) -> CfnNodegroup:
        props = properties_of(cloudformation_json)
        disk_size = props.get("DiskSize")
        scaling = {key: int(value) for key, value in camel(props.get("ScalingConfig") or {}).items()}
        nodegroup = _backend(account_id, region_name).create_nodegroup(
            cluster_name=props["ClusterName"], node_role=props["NodeRole"], nodegroup_name=resource_name,
            subnets=list(props["Subnets"]), scaling_config=scaling or None,
            disk_size=None if disk_size is None else int(disk_size), instance_types=props.get("InstanceTypes"),
            ami_type=props.get("AmiType"), remote_access=camel(props.get("RemoteAccess")),
            labels=props.get("Labels"), taints=camel(props.get("Taints")), tags=props.get("Tags"),
            launch_template=camel(props.get("LaunchTemplate")), capacity_type=props.get("CapacityType"),
            version=props.get("Version"), release_version=props.get("ReleaseVersion"))
        return cls(props["ClusterName"], resource_name, nodegroup.arn)

    def delete(self, account_id: str, region_name: str) -> None:
        backend = _backend(account_id, region_name)
        cluster = backend.clusters.get(self.cluster_name)
        if cluster is not None and self.name in cluster.nodegroups:
            backend.delete_nodegroup(self.cluster_name, self.name)
