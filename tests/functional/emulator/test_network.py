"""A network stack materialises its route table associations and deletes completely."""

from __future__ import annotations

TEMPLATE = {
    "Resources": {
        "Vpc": {"Type": "AWS::EC2::VPC", "Properties": {"CidrBlock": "10.9.0.0/16"}},
        "Igw": {"Type": "AWS::EC2::InternetGateway"},
        "IgwAttachment": {"Type": "AWS::EC2::VPCGatewayAttachment", "Properties": {
            "VpcId": {"Ref": "Vpc"}, "InternetGatewayId": {"Ref": "Igw"}}},
        "Public": {"Type": "AWS::EC2::Subnet", "Properties": {
            "VpcId": {"Ref": "Vpc"}, "CidrBlock": "10.9.0.0/24", "AvailabilityZone": "us-east-1a"}},
        "Routes": {"Type": "AWS::EC2::RouteTable", "Properties": {"VpcId": {"Ref": "Vpc"}}},
        "DefaultRoute": {"Type": "AWS::EC2::Route", "DependsOn": "IgwAttachment", "Properties": {
            "RouteTableId": {"Ref": "Routes"}, "DestinationCidrBlock": "0.0.0.0/0", "GatewayId": {"Ref": "Igw"}}},
        "PublicRoutes": {"Type": "AWS::EC2::SubnetRouteTableAssociation", "Properties": {
            "SubnetId": {"Ref": "Public"}, "RouteTableId": {"Ref": "Routes"}}},
        "NatIp": {"Type": "AWS::EC2::EIP", "DependsOn": "IgwAttachment", "Properties": {"Domain": "vpc"}},
        "Nat": {"Type": "AWS::EC2::NatGateway", "Properties": {
            "AllocationId": {"Fn::GetAtt": ["NatIp", "AllocationId"]}, "SubnetId": {"Ref": "Public"}}},
        "S3Endpoint": {"Type": "AWS::EC2::VPCEndpoint", "Properties": {
            "VpcId": {"Ref": "Vpc"}, "ServiceName": "com.amazonaws.us-east-1.s3", "VpcEndpointType": "Gateway",
            "RouteTableIds": [{"Ref": "Routes"}]}},
        "Logs": {"Type": "AWS::S3::Bucket", "Properties": {"BucketName": "network-test-logs"}},
        "FlowLog": {"Type": "AWS::EC2::FlowLog", "Properties": {
            "ResourceId": {"Ref": "Vpc"}, "ResourceType": "VPC", "TrafficType": "ALL", "LogDestinationType": "s3",
            "LogDestination": {"Fn::Sub": "${Logs.Arn}/flow-logs/"}}},
    },
    "Outputs": {"VpcId": {"Value": {"Ref": "Vpc"}}},
}


def test_route_table_association_flow_log_and_complete_delete(stack, client):
    ec2 = client("ec2")
    stack.create(TEMPLATE)
    vpc_id = stack.outputs()["VpcId"]

    [table] = ec2.describe_route_tables(RouteTableIds=[stack.physical_id("Routes")])["RouteTables"]
    assert [a["SubnetId"] for a in table["Associations"]] == [stack.physical_id("Public")]
    [flow_log] = ec2.describe_flow_logs()["FlowLogs"]
    assert flow_log["LogDestination"] == "arn:aws:s3:::network-test-logs/flow-logs/"

    stack.delete()
    assert ec2.describe_vpcs(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])["Vpcs"] == []
    assert ec2.describe_nat_gateways()["NatGateways"] == [] and ec2.describe_addresses()["Addresses"] == []
    assert ec2.describe_internet_gateways(Filters=[{"Name": "attachment.vpc-id", "Values": [vpc_id]}])[
        "InternetGateways"] == []
