"""ACM certificates of a stack are materialised in the emulator's ACM service."""

from __future__ import annotations

TEMPLATE = {
    "Resources": {"Cert": {"Type": "AWS::CertificateManager::Certificate", "Properties": {
        "DomainName": "candlefish.ai", "SubjectAlternativeNames": ["www.candlefish.ai"], "ValidationMethod": "DNS",
        "Tags": [{"Key": "service", "Value": "edge"}]}}},
    "Outputs": {"Arn": {"Value": {"Ref": "Cert"}}},
}


def test_certificate_is_readable_and_deleted_with_the_stack(stack, client):
    acm = client("acm")
    stack.create(TEMPLATE)
    arn = stack.outputs()["Arn"]

    certificate = acm.describe_certificate(CertificateArn=arn)["Certificate"]
    assert certificate["DomainName"] == "candlefish.ai"
    assert set(certificate["SubjectAlternativeNames"]) >= {"candlefish.ai", "www.candlefish.ai"}
    assert acm.list_tags_for_certificate(CertificateArn=arn)["Tags"] == [{"Key": "service", "Value": "edge"}]

    stack.delete()
    assert acm.list_certificates()["CertificateSummaryList"] == []
