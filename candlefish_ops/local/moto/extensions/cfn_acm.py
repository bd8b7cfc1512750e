"""ACM in CloudFormation: AWS::CertificateManager::Certificate.

The certificate is requested from moto's ACM backend (describe_certificate / list_certificates see it) for
the domain name and subject alternative names, with its tags. With ValidationMethod DNS, each
DomainValidationOptions entry that names a HostedZoneId gets its validation CNAME (the ResourceRecord
describe_certificate shows) written into that Route 53 zone, as AWS does: "The HostedZoneId option ... causes
ACM to add your CNAME to the domain record" (AWS::CertificateManager::Certificate DomainValidationOption);
a zone the emulator does not hold gets nothing (on AWS validation would then never complete; tests of other
areas pass placeholder zone ids). Ref = the certificate ARN. Any change replaces the certificate
(as on AWS); the validation records stay in the zone, as they do on AWS.
"""

from __future__ import annotations

from typing import Any

from moto.core.common_models import CloudFormationModel

from ._cfn import BackendHandle, properties_of, tag_list
from candlefish_ops.local.moto.compat import acm_certificate, backend


def _backend(account_id: str, region_name: str) -> Any:

    return backend("acm", account_id, region_name)


class CfnCertificate(BackendHandle, CloudFormationModel):
    """AWS::CertificateManager::Certificate."""

    cfn_type = "AWS::CertificateManager::Certificate"
    ref_attribute = "arn"

    def __init__(self, arn: str) -> None:
        self.arn = arn

    @classmethod
    def create_from_cloudformation_json(  # type: ignore[misc]
        cls, resource_name: str, cloudformation_json: dict[str, Any], account_id: str, region_name: str,
        **kwargs: Any,
    ) -> CfnCertificate:
        props = properties_of(cloudformation_json)
        options = {"CertificateTransparencyLoggingPreference": props["CertificateTransparencyLoggingPreference"]} \
            if "CertificateTransparencyLoggingPreference" in props else None
        arn = _backend(account_id, region_name).request_certificate(
            domain_name=props["DomainName"], idempotency_token=None,
            subject_alt_names=list(props.get("SubjectAlternativeNames", [])), tags=tag_list(props.get("Tags")),
            cert_authority_arn=props.get("CertificateAuthorityArn"), cert_options=options)
        if props.get("ValidationMethod") == "DNS":
            _write_validation_records(_backend(account_id, region_name).get_certificate(arn), props, account_id)
        return cls(arn)

    def delete(self, account_id: str, region_name: str) -> None:
        acm = _backend(account_id, region_name)
        if acm_certificate(acm, self.arn) is not None:
            acm.delete_certificate(self.arn)


def _write_validation_records(certificate: Any, props: dict[str, Any], account_id: str) -> None:
    zones = {option["DomainName"]: option["HostedZoneId"]
             for option in props.get("DomainValidationOptions") or [] if option.get("HostedZoneId")}
    route53 = backend("route53", account_id, "aws")
    for option in certificate.describe()["Certificate"].get("DomainValidationOptions", []):
        zone_id = zones.get(option["DomainName"])
        if zone_id is None or zone_id not in route53.zones:
            continue
        record = option["ResourceRecord"]
        route53.change_resource_record_sets(zone_id, [{"Action": "UPSERT", "ResourceRecordSet": {
            "Name": record["Name"], "Type": record["Type"], "TTL": 300,
            "ResourceRecords": [{"Value": record["Value"]}]}}])
