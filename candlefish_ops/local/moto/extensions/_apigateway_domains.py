"""What API Gateway checks and answers for a regional custom domain name (REST and v2 alike).

- The regional domain name is `d-<id>.execute-api.<region>.amazonaws.com`, in API Gateway's Route 53 zone
  of that region: the table below is the "Route 53 Hosted Zone ID" column of the data plane endpoints in
  "Amazon API Gateway endpoints and quotas" (https://docs.aws.amazon.com/general/latest/gr/apigateway.html).
  A region missing here is refused rather than answered with a made-up zone.
- A regional domain needs an ACM certificate in the same region that covers the domain name ("Prepare
  certificates in AWS Certificate Manager": for a Regional custom domain name, request or import the
  certificate in the same Region as the API). moto accepts any ARN; the emulator refuses one that does
  not exist in the region or does not cover the name. (moto leaves requested certificates
  PENDING_VALIDATION for a minute, so the status is not checked here.)
- Custom domain names are unique per region (API Gateway answers ConflictException / BadRequest).
"""

from __future__ import annotations

from typing import Any

from candlefish_ops.local.moto.compat import acm_certificate, backend, rest_error

REGIONAL_HOSTED_ZONES = {
    "us-east-1": "Z1UJRXOUMOOFQ8", "us-east-2": "ZOJJZC49E0EPZ", "us-west-1": "Z2MUQ32089INYE",
    "us-west-2": "Z2OJLYMUO9EFXC", "af-south-1": "Z2DHW2332DAMTN", "ap-east-1": "Z3FD1VL90ND7K5",
    "ap-south-1": "Z3VO1THU9YC4UR", "ap-northeast-1": "Z1YSHQZHG15GKL", "ap-northeast-2": "Z20JF4UZKIW1U8",
    "ap-southeast-1": "ZL327KTPIQFUL", "ap-southeast-2": "Z2RPCDW04V8134", "ca-central-1": "Z19DQILCV0OWEC",
    "eu-central-1": "Z1U9ULNL0V5AJ3", "eu-west-1": "ZLY8HYME6SFDD", "eu-west-2": "ZJ5UAJN8Y3Z2Q",
    "eu-west-3": "Z3KY65QIEKYHQQ", "eu-north-1": "Z3UWIKFBOOGXPP", "eu-south-1": "Z3BT4WSQ9TDYZV",
    "me-south-1": "Z20ZBPC0SS8806", "sa-east-1": "ZCMLWB8V5SYIT",
}
EDGE_HOSTED_ZONE = "Z2FDTNDATAQYW2"


class DomainNameError(rest_error()):
    """API Gateway would refuse this custom domain name (BadRequestException; the stack fails, as on AWS)."""

    def __init__(self, message: str) -> None:
        super().__init__("BadRequestException", message)


def regional_hosted_zone(region: str) -> str:
    try:
        return REGIONAL_HOSTED_ZONES[region]
    except KeyError:
        raise DomainNameError(f"the emulator has no documented API Gateway hosted zone for {region}; add it from "
                              "docs.aws.amazon.com/general/latest/gr/apigateway.html") from None


def regional_domain_name(region: str) -> str:
    from moto.apigateway.utils import create_id

    return f"d-{create_id()}.execute-api.{region}.amazonaws.com"


def check_certificate(domain_name: str, certificate_arn: str | None, account_id: str, region: str) -> None:
    """A regional domain's certificate: given, in this region's ACM, covering the name."""
    if not certificate_arn:
        raise DomainNameError(f"{domain_name}: a REGIONAL custom domain name needs a regional certificate ARN")
    certificate = acm_certificate(backend("acm", account_id, region), certificate_arn)
    if certificate is None:
        raise DomainNameError(f"{domain_name}: certificate {certificate_arn} is not in ACM in {region}; a regional "
                              "custom domain needs a certificate in its own region")
    names = list(dict.fromkeys([certificate.common_name, *(certificate.sans or [])]))
    if not any(covers(name, domain_name) for name in names):
        raise DomainNameError(f"{domain_name}: certificate {certificate_arn} covers {', '.join(names)}, "
                              "not this name")


def covers(certificate_name: str, domain_name: str) -> bool:
    """Exact match, or a wildcard for exactly one leftmost label."""
    certificate_name, domain_name = certificate_name.lower().rstrip("."), domain_name.lower().rstrip(".")
    if certificate_name.startswith("*."):
        head, _, rest = domain_name.partition(".")
        return bool(head) and rest == certificate_name[2:]
    return certificate_name == domain_name


def check_unique(existing: dict[str, Any], domain_name: str, region: str) -> None:
    if domain_name in existing:
        raise DomainNameError(f"custom domain name {domain_name} already exists in {region}")
