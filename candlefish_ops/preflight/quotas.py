"""Account-level traps a deploy meets on real AWS: Lambda reserved concurrency, EKS Availability Zones. Pure.

- Lambda keeps at least 100 concurrent executions unreserved per region: a reservation that would leave less
  fails (https://docs.aws.amazon.com/lambda/latest/dg/configuration-concurrency.html). New accounts often
  have a quota far below the default 1,000.
- EKS does not support every Availability Zone: cluster subnets in use1-az3 (us-east-1), usw1-az2
  (us-west-1) or cac1-az3 (ca-central-1) fail with UnsupportedAvailabilityZoneException
  (https://docs.aws.amazon.com/eks/latest/userguide/network-reqs.html). Zone names map to different zone ids
  in every account, so the check looks at the ids of the zones the subnets will use.
"""

from __future__ import annotations

from candlefish_ops.preflight import FAIL, PASS, Check

MIN_UNRESERVED = 100
EKS_UNSUPPORTED_ZONE_IDS = frozenset({"use1-az3", "usw1-az2", "cac1-az3"})


def lambda_concurrency(label: str, region: str, wanted: int, reserved_now: int, quota: int, unreserved: int) -> Check:
    """`wanted`: what the stack's functions will reserve; `reserved_now`: what they reserve today."""
    left = unreserved + reserved_now - wanted
    data = {"region": region, "reserved_by_stack": wanted, "quota": quota, "unreserved_after": left}
    if left < MIN_UNRESERVED:
        needed = quota - left + MIN_UNRESERVED
        return Check("lambda-concurrency", label, FAIL,
                     f"its functions reserve {wanted} concurrent executions in {region}, leaving {left} of the "
                     f"account's {quota}; AWS keeps at least {MIN_UNRESERVED} unreserved",
                     f"request a Lambda concurrent executions quota of at least {needed} in {region} (Service "
                     "Quotas), or lower the stack's reserved concurrency", data)
    return Check("lambda-concurrency", label, PASS,
                 f"reserves {wanted} of {quota} in {region}; {left} stay unreserved", "", data)


def eks_zones(label: str, region: str, zones: list[tuple[str, str]], count: int = 2) -> Check:
    """`zones`: (name, id) in Fn::GetAZs order; the subnets use the first `count` (templates/network.yaml)."""
    used = zones[:count]
    bad = [f"{name} ({zone_id})" for name, zone_id in used if zone_id in EKS_UNSUPPORTED_ZONE_IDS]
    data = {"region": region, "zones": [f"{name}={zone_id}" for name, zone_id in used]}
    if bad:
        return Check("eks-availability-zones", label, FAIL,
                     f"the cluster's subnets would be in {', '.join(bad)}, where EKS cannot create clusters",
                     "choose the network stack's Availability Zones by AZ id (or move the cluster to another "
                     "region); AWS answers UnsupportedAvailabilityZoneException", data)
    return Check("eks-availability-zones", label, PASS,
                 f"subnets in {', '.join(f'{n} ({i})' for n, i in used)}", "", data)
