"""ACM in CloudFormation: AWS::CertificateManager::Certificate.

The certificate is requested from moto's ACM backend (describe_certificate / list_certificates see it) for
the domain name and subject alternative names, with its tags; moto issues it without validation records.
Ref = the certificate ARN. Any change replaces the certificate (as on AWS).
"""

from __future__ import annotations

from typing import Any

from moto.core.common_models import CloudFormationModel

from ._cfn import BackendHandle, properties_of, tag_list
from candlefish_ops.local.moto.compat import backend


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
        return cls(arn)

    def delete(self, account_id: str, region_name: str) -> None:
        backend = _backend(account_id, region_name)
        if self.arn in backend._certificates:
            backend.delete_certificate(self.arn)
