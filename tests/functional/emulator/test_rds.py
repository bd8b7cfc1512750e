"""RDS groups referenced by name: a DB instance of a stack shows its subnet and parameter groups."""

from __future__ import annotations

import copy

import pytest

TEMPLATE = {"Resources": {
    "Vpc": {"Type": "AWS::EC2::VPC", "Properties": {"CidrBlock": "10.1.0.0/16"}},
    "SubnetA": {"Type": "AWS::EC2::Subnet", "Properties": {"VpcId": {"Ref": "Vpc"}, "CidrBlock": "10.1.0.0/24",
                                                           "AvailabilityZone": "us-east-1a"}},
    "SubnetB": {"Type": "AWS::EC2::Subnet", "Properties": {"VpcId": {"Ref": "Vpc"}, "CidrBlock": "10.1.1.0/24",
                                                           "AvailabilityZone": "us-east-1b"}},
    "Subnets": {"Type": "AWS::RDS::DBSubnetGroup", "Properties": {
        "DBSubnetGroupDescription": "private", "SubnetIds": [{"Ref": "SubnetA"}, {"Ref": "SubnetB"}]}},
    "Params": {"Type": "AWS::RDS::DBParameterGroup", "Properties": {
        "Family": "postgres16", "Description": "candlefish", "Parameters": {"log_min_duration_statement": "500"}}},
    "Database": {"Type": "AWS::RDS::DBInstance", "Properties": {
        "DBInstanceIdentifier": "candlefish-db", "Engine": "postgres", "EngineVersion": "16.4",
        "DBInstanceClass": "db.r6g.large", "AllocatedStorage": "100", "MasterUsername": "candlefish",
        "MasterUserPassword": "not-a-real-password", "DBSubnetGroupName": {"Ref": "Subnets"},
        "DBParameterGroupName": {"Ref": "Params"}, "MultiAZ": True, "StorageEncrypted": True,
        "DeletionProtection": True, "MaxAllocatedStorage": 1000, "EnableCloudwatchLogsExports": ["postgresql"],
        "ManageMasterUserPassword": True, "BackupRetentionPeriod": 7}},
}}


def test_db_instance_uses_the_groups_it_refs(stack, client):
    stack.create(TEMPLATE)

    [db] = client("rds").describe_db_instances(DBInstanceIdentifier="candlefish-db")["DBInstances"]
    assert db["DBSubnetGroup"]["DBSubnetGroupName"] == stack.physical_id("Subnets")
    assert [g["DBParameterGroupName"] for g in db["DBParameterGroups"]] == [stack.physical_id("Params")]
    assert db["MultiAZ"] is True and db["StorageEncrypted"] is True
    assert db["DeletionProtection"] is True and db["MaxAllocatedStorage"] == 1000
    assert db["EnabledCloudwatchLogsExports"] == ["postgresql"] and "MasterUserSecret" in db


def test_protected_instance_blocks_stack_delete(stack, client):
    stack.create(TEMPLATE)
    with pytest.raises(client("rds").exceptions.ClientError, match="Cannot delete protected DB Instance"):
        stack.delete()


def test_instance_updates_in_place_then_deletes_with_its_stack(stack, client):
    stack.create(TEMPLATE)
    unprotected = copy.deepcopy(TEMPLATE)
    unprotected["Resources"]["Database"]["Properties"].update(DeletionProtection=False, BackupRetentionPeriod=14)
    stack.update(unprotected)
    [db] = client("rds").describe_db_instances(DBInstanceIdentifier="candlefish-db")["DBInstances"]
    assert (db["DeletionProtection"], db["BackupRetentionPeriod"]) == (False, 14)
    stack.delete()
    assert client("rds").describe_db_instances()["DBInstances"] == []
