"""Pure preflight judgements: Lambda reserved concurrency, EKS zones, subnet carving."""

from __future__ import annotations

from candlefish_ops.preflight.network import cidr_checks
from candlefish_ops.preflight.quotas import eks_zones, lambda_concurrency

NETWORK = {
    "Parameters": {"VpcCidr": {"Type": "String", "Default": "10.0.0.0/16"}},
    "Resources": {
        "Vpc": {"Type": "AWS::EC2::VPC", "Properties": {"CidrBlock": {"Ref": "VpcCidr"}}},
        "Subnet": {"Type": "AWS::EC2::Subnet", "Properties": {
            "CidrBlock": {"Fn::Select": [3, {"Fn::Cidr": [{"Fn::GetAtt": ["Vpc", "CidrBlock"]}, 4, 12]}]}}},
    },
}


def test_lambda_concurrency_keeps_100_unreserved():
    assert lambda_concurrency("api", "eu-west-1", 600, 0, 1000, 1000).status == "PASS"
    assert lambda_concurrency("api", "eu-west-1", 600, 0, 700, 700).status == "PASS"  # exactly 100 left
    failed = lambda_concurrency("api", "eu-west-1", 600, 0, 650, 650)
    assert failed.status == "FAIL" and "at least 700 in eu-west-1" in failed.fix
    # a redeploy: what the stack already reserves comes back to it
    assert lambda_concurrency("api", "eu-west-1", 600, 600, 700, 100).status == "PASS"


def test_eks_zones_by_zone_id():
    assert eks_zones("c", "us-east-1", [("us-east-1a", "use1-az6"), ("us-east-1b", "use1-az1")]).status == "PASS"
    failed = eks_zones("c", "us-east-1", [("us-east-1a", "use1-az1"), ("us-east-1b", "use1-az3"), ("c", "use1-az2")])
    assert failed.status == "FAIL" and "use1-az3" in failed.detail
    # only the zones the subnets use (the first two) count
    assert eks_zones("c", "us-east-1", [("a", "use1-az1"), ("b", "use1-az2"), ("e", "use1-az3")]).status == "PASS"


def test_subnet_carving_needs_room():
    [fits] = cidr_checks("network", NETWORK, {"VpcCidr": "10.0.0.0/18"})
    assert fits.status == "PASS"
    [too_small] = cidr_checks("network", NETWORK, {"VpcCidr": "10.0.0.0/19"})
    assert too_small.status == "FAIL" and too_small.data["needs_prefix_at_most"] == 18
    [default] = cidr_checks("network", NETWORK, {})
    assert default.status == "PASS" and default.data["cidr"] == "10.0.0.0/16"
