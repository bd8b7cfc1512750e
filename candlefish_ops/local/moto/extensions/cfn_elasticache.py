"""ElastiCache in CloudFormation: SubnetGroup, ReplicationGroup and CacheCluster.

Created in moto's ElastiCache backend (describe_cache_subnet_groups / describe_replication_groups see
them): the subnet group's description and subnets; the replication group's engine and version, node type,
node count or shards, failover and Multi-AZ, subnet and security groups, encryption at rest and in transit,
KMS key, auth token, snapshot retention, maintenance window, port and tags. Ref = the name / id; GetAtt
PrimaryEndPoint.Address/.Port, ReaderEndPoint.Address/.Port, ConfigurationEndPoint.Address/.Port.
The cache cluster (describe_cache_clusters) keeps its engine and version, node type and count, AZ mode,
subnet and security groups, transit encryption, snapshot settings and tags. Any change replaces.
"""

from __future__ import annotations

from typing import Any

from moto.core.common_models import CloudFormationModel

from ._cfn import BackendHandle, properties_of, tag_list
from candlefish_ops.local.moto.compat import backend


def _backend(account_id: str, region_name: str) -> Any:

    return backend("elasticache", account_id, region_name)


def _bool(value: Any) -> bool:
    return value if isinstance(value, bool) else str(value).lower() == "true"


def _int(value: Any) -> int | None:
    return None if value is None else int(value)


class CfnSubnetGroup(BackendHandle, CloudFormationModel):
    """AWS::ElastiCache::SubnetGroup."""

    cfn_type = "AWS::ElastiCache::SubnetGroup"
    ref_attribute = "name"

    def __init__(self, name: str) -> None:
        self.name = name

    name_type = "CacheSubnetGroupName"

    @classmethod
    def create_from_cloudformation_json(  # type: ignore[misc]
        cls, resource_name: str, cloudformation_json: dict[str, Any], account_id: str, region_name: str,
        **kwargs: Any,
    ) -> CfnSubnetGroup:
        props = properties_of(cloudformation_json)
        name = resource_name.lower()  # AWS stores subnet group names in lower case
        _backend(account_id, region_name).create_cache_subnet_group(
            name, props["Description"], list(props["SubnetIds"]), tag_list(props.get("Tags")) or None)
        return cls(name)

    def delete(self, account_id: str, region_name: str) -> None:
        _backend(account_id, region_name).cache_subnet_groups.pop(self.name, None)


def _replicas_per_node_group(props: dict[str, Any]) -> int | None:
    """moto ignores NumCacheClusters without cluster mode; primary + N-1 replicas is the same group."""
    if "ReplicasPerNodeGroup" in props:
        return int(props["ReplicasPerNodeGroup"])
    if "NumCacheClusters" in props and str(props.get("ClusterMode", "disabled")).lower() != "enabled":
        return int(props["NumCacheClusters"]) - 1
    return None


def _replication_group_arguments(group_id: str, props: dict[str, Any]) -> dict[str, Any]:
    return {
        "replication_group_id": group_id, "replication_group_description": props["ReplicationGroupDescription"],
        "global_replication_group_id": props.get("GlobalReplicationGroupId"),
        "primary_cluster_id": props.get("PrimaryClusterId"),
        "automatic_failover_enabled": _bool(props.get("AutomaticFailoverEnabled", False)),
        "multi_az_enabled": _bool(props.get("MultiAZEnabled", False)),
        "num_cache_clusters": _int(props.get("NumCacheClusters")),
        "preferred_cache_cluster_azs": props.get("PreferredCacheClusterAZs"),
        "num_node_groups": _int(props.get("NumNodeGroups")),
        "replicas_per_node_group": _replicas_per_node_group(props),
        "node_group_configuration": props.get("NodeGroupConfiguration"),
        "cache_node_type": props.get("CacheNodeType"), "engine": props.get("Engine", "redis"),
        "engine_version": props.get("EngineVersion"), "cache_parameter_group_name": props.get("CacheParameterGroupName"),
        "cache_subnet_group_name": props.get("CacheSubnetGroupName"),
        "cache_security_group_names": props.get("CacheSecurityGroupNames"),
        "security_group_ids": props.get("SecurityGroupIds"), "tags": tag_list(props.get("Tags")),
        "snapshot_arns": props.get("SnapshotArns"), "snapshot_name": props.get("SnapshotName"),
        "preferred_maintenance_window": props.get("PreferredMaintenanceWindow"), "port": _int(props.get("Port")),
        "notification_topic_arn": props.get("NotificationTopicArn"),
        "auto_minor_version_upgrade": _bool(props.get("AutoMinorVersionUpgrade", True)),
        "snapshot_retention_limit": _int(props.get("SnapshotRetentionLimit")),
        "snapshot_window": props.get("SnapshotWindow"), "auth_token": props.get("AuthToken"),
        "transit_encryption_enabled": _bool(props.get("TransitEncryptionEnabled", False)),
        "at_rest_encryption_enabled": _bool(props.get("AtRestEncryptionEnabled", False)),
        "kms_key_id": props.get("KmsKeyId"), "user_group_ids": props.get("UserGroupIds"),
        "log_delivery_configurations": props.get("LogDeliveryConfigurations"),
        "data_tiering_enabled": _bool(props.get("DataTieringEnabled", False)),
        "network_type": props.get("NetworkType"), "ip_discovery": props.get("IpDiscovery"),
        "transit_encryption_mode": props.get("TransitEncryptionMode"), "cluster_mode": props.get("ClusterMode"),
        "serverless_cache_snapshot_name": None,
    }


class CfnReplicationGroup(BackendHandle, CloudFormationModel):
    """AWS::ElastiCache::ReplicationGroup."""

    cfn_type = "AWS::ElastiCache::ReplicationGroup"
    ref_attribute = "group_id"
    attributes = {"PrimaryEndPoint.Address": "primary_address", "PrimaryEndPoint.Port": "port",
                  "ReaderEndPoint.Address": "reader_address", "ReaderEndPoint.Port": "port",
                  "ConfigurationEndPoint.Address": "configuration_address", "ConfigurationEndPoint.Port": "port"}

    def __init__(self, group: Any) -> None:
        self.group_id = group.replication_group_id
        self.port = str(group.port)
        node_group = group.node_groups[0] if group.node_groups else {}
        self.primary_address = node_group.get("primary_endpoint_address")
        self.reader_address = node_group.get("reader_endpoint_address")
        self.configuration_address = getattr(group, "configuration_endpoint", {}).get("address")

    name_type = "ReplicationGroupId"

    @classmethod
    def create_from_cloudformation_json(  # type: ignore[misc]
        cls, resource_name: str, cloudformation_json: dict[str, Any], account_id: str, region_name: str,
        **kwargs: Any,
    ) -> CfnReplicationGroup:
        props = properties_of(cloudformation_json)
        group = _backend(account_id, region_name).create_replication_group(
            **_replication_group_arguments(resource_name.lower(), props))
        return cls(group)

    def delete(self, account_id: str, region_name: str) -> None:
        backend = _backend(account_id, region_name)
        if self.group_id in backend.replication_groups:
            backend.delete_replication_group(self.group_id, False)
            backend.replication_groups.pop(self.group_id, None)  # CloudFormation waits until it is gone


def _cache_cluster_arguments(cluster_id: str, props: dict[str, Any]) -> dict[str, Any]:
    return {
        "cache_cluster_id": cluster_id, "replication_group_id": None, "az_mode": props.get("AZMode"),
        "preferred_availability_zone": props.get("PreferredAvailabilityZone"),
        "num_cache_nodes": _int(props.get("NumCacheNodes")), "cache_node_type": props.get("CacheNodeType"),
        "engine": props.get("Engine"), "engine_version": props.get("EngineVersion"),
        "cache_parameter_group_name": props.get("CacheParameterGroupName"),
        "cache_subnet_group_name": props.get("CacheSubnetGroupName"),
        "transit_encryption_enabled": _bool(props.get("TransitEncryptionEnabled", False)),
        "network_type": props.get("NetworkType"), "ip_discovery": props.get("IpDiscovery"),
        "snapshot_name": props.get("SnapshotName"), "preferred_maintenance_window": props.get("PreferredMaintenanceWindow"),
        "port": _int(props.get("Port")), "notification_topic_arn": props.get("NotificationTopicArn"),
        "auto_minor_version_upgrade": _bool(props.get("AutoMinorVersionUpgrade", True)),
        "snapshot_retention_limit": _int(props.get("SnapshotRetentionLimit")),
        "snapshot_window": props.get("SnapshotWindow"), "auth_token": None, "outpost_mode": props.get("OutpostMode"),
        "preferred_outpost_arn": props.get("PreferredOutpostArn"),
        "preferred_availability_zones": props.get("PreferredAvailabilityZones"),
        "cache_security_group_names": props.get("CacheSecurityGroupNames"),
        "security_group_ids": props.get("VpcSecurityGroupIds"), "tags": tag_list(props.get("Tags")),
        "snapshot_arns": props.get("SnapshotArns"), "preferred_outpost_arns": props.get("PreferredOutpostArns"),
        "log_delivery_configurations": props.get("LogDeliveryConfigurations"),
        "cache_node_ids_to_remove": None, "cache_node_ids_to_reboot": None,
    }


class CfnCacheCluster(BackendHandle, CloudFormationModel):
    """AWS::ElastiCache::CacheCluster: Ref = the cluster id. Any change replaces."""

    cfn_type = "AWS::ElastiCache::CacheCluster"
    ref_attribute = "cluster_id"

    def __init__(self, cluster_id: str) -> None:
        self.cluster_id = cluster_id

    name_type = "ClusterName"

    @classmethod
    def create_from_cloudformation_json(  # type: ignore[misc]
        cls, resource_name: str, cloudformation_json: dict[str, Any], account_id: str, region_name: str,
        **kwargs: Any,
    ) -> CfnCacheCluster:
        props = properties_of(cloudformation_json)
        cluster = _backend(account_id, region_name).create_cache_cluster(
            **_cache_cluster_arguments(resource_name.lower(), props))
        return cls(cluster.cache_cluster_id)

    def delete(self, account_id: str, region_name: str) -> None:
        _backend(account_id, region_name).cache_clusters.pop(self.cluster_id, None)
