"""EC2: the Availability Zones of a region, by name and by AZ id (the id is the same zone in every account)."""

from __future__ import annotations

import boto3

from candlefish_ops.aws.base import aws_errors, client


def availability_zones(session: boto3.Session, region: str) -> list[tuple[str, str]]:
    """(name, zone id) of the available zones, in name order: the order of CloudFormation's Fn::GetAZs."""
    with aws_errors(f"listing the Availability Zones of {region}"):
        answer = client(session, "ec2", region).describe_availability_zones(
            Filters=[{"Name": "state", "Values": ["available"]}, {"Name": "zone-type", "Values": ["availability-zone"]}])
    return sorted((zone["ZoneName"], zone["ZoneId"]) for zone in answer["AvailabilityZones"])
