"""ElastiCache subnet and replication groups of a stack are materialised in the emulator's ElastiCache."""

from __future__ import annotations

TEMPLATE = {
    "Resources": {
        "Subnets": {"Type": "AWS::ElastiCache::SubnetGroup", "Properties": {
            "Description": "private subnets", "SubnetIds": ["subnet-a", "subnet-b"]}},
        "Redis": {"Type": "AWS::ElastiCache::ReplicationGroup", "Properties": {
            "ReplicationGroupId": "production-candlefish", "ReplicationGroupDescription": "cache and sessions",
            "Engine": "redis", "EngineVersion": "7.1", "CacheNodeType": "cache.r7g.large", "NumCacheClusters": 2,
            "AutomaticFailoverEnabled": True, "MultiAZEnabled": True, "CacheSubnetGroupName": {"Ref": "Subnets"},
            "SecurityGroupIds": ["sg-redis"], "AtRestEncryptionEnabled": True, "TransitEncryptionEnabled": True,
            "SnapshotRetentionLimit": 7}},
    },
    "Outputs": {"Primary": {"Value": {"Fn::GetAtt": ["Redis", "PrimaryEndPoint.Address"]}},
                "Port": {"Value": {"Fn::GetAtt": ["Redis", "PrimaryEndPoint.Port"]}},
                "SubnetGroup": {"Value": {"Ref": "Subnets"}}},
}


def test_replication_group_is_readable_and_deleted(stack, client):
    elasticache = client("elasticache")
    stack.create(TEMPLATE)
    outputs = stack.outputs()

    [group] = elasticache.describe_replication_groups(ReplicationGroupId="production-candlefish")["ReplicationGroups"]
    assert group["Description"] == "cache and sessions" and group["CacheNodeType"] == "cache.r7g.large"
    assert group["AutomaticFailover"] == "enabled" and group["MultiAZ"] == "enabled"
    assert group["AtRestEncryptionEnabled"] is True and group["TransitEncryptionEnabled"] is True
    assert len(group["MemberClusters"]) == 2 and group["SnapshotRetentionLimit"] == 7
    assert group["NodeGroups"][0]["PrimaryEndpoint"]["Address"] == outputs["Primary"] and outputs["Port"] == "6379"
    [subnets] = elasticache.describe_cache_subnet_groups(CacheSubnetGroupName=outputs["SubnetGroup"])["CacheSubnetGroups"]
    assert [s["SubnetIdentifier"] for s in subnets["Subnets"]] == ["subnet-a", "subnet-b"]

    stack.delete()
    assert elasticache.describe_replication_groups()["ReplicationGroups"] == []


def test_cache_cluster_is_readable_and_deleted(stack, client):
    elasticache = client("elasticache")
    stack.create({"Resources": {"Memcached": {"Type": "AWS::ElastiCache::CacheCluster", "Properties": {
        "ClusterName": "sessions", "Engine": "memcached", "CacheNodeType": "cache.t4g.small", "NumCacheNodes": 2}}}})

    [cluster] = elasticache.describe_cache_clusters(CacheClusterId="sessions")["CacheClusters"]
    assert (cluster["Engine"], cluster["CacheNodeType"], cluster["NumCacheNodes"]) == ("memcached", "cache.t4g.small", 2)

    stack.delete()
    assert elasticache.describe_cache_clusters()["CacheClusters"] == []
