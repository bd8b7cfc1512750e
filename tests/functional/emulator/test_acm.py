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


def _validated(zone_id: str) -> dict:
    options = [{"DomainName": name, "HostedZoneId": zone_id} for name in ("api.candlefish.ai", "ws.candlefish.ai")]
    return {"Resources": {"Cert": {"Type": "AWS::CertificateManager::Certificate", "Properties": {
        "DomainName": "api.candlefish.ai", "SubjectAlternativeNames": ["ws.candlefish.ai"], "ValidationMethod": "DNS",
        "DomainValidationOptions": options}}}, "Outputs": {"Arn": {"Value": {"Ref": "Cert"}}}}


def test_dns_validation_records_are_written_to_the_hosted_zone(stack, client):
    route53 = client("route53")
    zone_id = route53.create_hosted_zone(Name="candlefish.ai", CallerReference="z")["HostedZone"]["Id"].split("/")[-1]
    stack.create(_validated(zone_id))

    options = client("acm").describe_certificate(CertificateArn=stack.outputs()["Arn"])["Certificate"][
        "DomainValidationOptions"]
    records = {(r["Name"], r["Type"]): [v["Value"] for v in r.get("ResourceRecords", [])]
               for r in route53.list_resource_record_sets(HostedZoneId=zone_id)["ResourceRecordSets"]}
    assert {o["DomainName"] for o in options} == {"api.candlefish.ai", "ws.candlefish.ai"}
    for option in options:
        record = option["ResourceRecord"]
        assert records[(record["Name"], "CNAME")] == [record["Value"]]

