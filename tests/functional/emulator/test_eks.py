"""EKS clusters and node groups of a stack are materialised in the emulator's EKS service."""

from __future__ import annotations

TEMPLATE = {
    "Resources": {
        "Cluster": {"Type": "AWS::EKS::Cluster", "Properties": {
            "Name": "production-candlefish", "Version": "1.30",
            "RoleArn": "arn:aws:iam::123456789012:role/eks-cluster",
            "ResourcesVpcConfig": {"SubnetIds": ["subnet-a", "subnet-b"], "SecurityGroupIds": ["sg-1"],
                                   "EndpointPrivateAccess": True, "EndpointPublicAccess": False},
            "EncryptionConfig": [{"Provider": {"KeyArn": "arn:aws:kms:us-east-1:123456789012:key/k"},
                                  "Resources": ["secrets"]}],
            "Logging": {"ClusterLogging": {"EnabledTypes": [{"Type": "api"}, {"Type": "audit"}]}}}},
        "Spot": {"Type": "AWS::EKS::Nodegroup", "Properties": {
            "ClusterName": {"Ref": "Cluster"}, "NodegroupName": "spot",
            "NodeRole": "arn:aws:iam::123456789012:role/eks-node", "Subnets": ["subnet-a", "subnet-b"],
            "CapacityType": "SPOT", "InstanceTypes": ["m7g.large", "m6g.large"], "AmiType": "AL2_ARM_64",
            "ScalingConfig": {"MinSize": 1, "DesiredSize": 2, "MaxSize": 6},
            "Labels": {"lifecycle": "spot"}}},
    },
    "Outputs": {"ClusterArn": {"Value": {"Fn::GetAtt": ["Cluster", "Arn"]}},
                "Endpoint": {"Value": {"Fn::GetAtt": ["Cluster", "Endpoint"]}},
                "NodegroupArn": {"Value": {"Fn::GetAtt": ["Spot", "Arn"]}}},
}


def test_cluster_and_nodegroup_are_readable_and_deleted(stack, client):
    eks = client("eks")
    stack.create(TEMPLATE)
    outputs = stack.outputs()

    cluster = eks.describe_cluster(name="production-candlefish")["cluster"]
    assert cluster["arn"] == outputs["ClusterArn"] and cluster["endpoint"] == outputs["Endpoint"]
    assert cluster["version"] == "1.30" and cluster["resourcesVpcConfig"]["endpointPublicAccess"] is False
    assert cluster["encryptionConfig"][0]["provider"]["keyArn"].endswith("key/k")
    assert cluster["logging"]["clusterLogging"][0]["types"] == ["api", "audit"]
    nodegroup = eks.describe_nodegroup(clusterName="production-candlefish", nodegroupName="spot")["nodegroup"]
    assert nodegroup["nodegroupArn"] == outputs["NodegroupArn"]
    assert nodegroup["capacityType"] == "SPOT" and nodegroup["instanceTypes"] == ["m7g.large", "m6g.large"]
    assert nodegroup["scalingConfig"] == {"minSize": 1, "maxSize": 6, "desiredSize": 2}
    assert nodegroup["labels"] == {"lifecycle": "spot"}

    stack.delete()
    assert eks.list_clusters()["clusters"] == []
