"""The Route 53 client's fault handling, with botocore's Stubber standing in for the service."""

import pytest
from botocore.stub import Stubber

from candlefish_ops.aws.route53 import InterruptedWait, Route53
from candlefish_ops.errors import AwsError


@pytest.fixture
def route53(monkeypatch):
    import boto3

    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "x")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "x")
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    sleeps = []
    client = Route53(boto3.Session(region_name="us-east-1"), sleep=sleeps.append)
    stubber = Stubber(client._client)
    stubber.activate()
    return client, stubber, sleeps


def _throttle(stubber, operation, code="Throttling"):
    stubber.add_client_error(operation, service_error_code=code, http_status_code=400)


def test_throttling_backs_off_and_succeeds(route53):
    client, stubber, sleeps = route53
    _throttle(stubber, "get_change")
    _throttle(stubber, "get_change", "PriorRequestNotComplete")
    stubber.add_response("get_change", {"ChangeInfo": {"Id": "C1", "Status": "INSYNC", "SubmittedAt": "2026-01-01"}})
    assert client.change_status("C1") == "INSYNC"
    assert sleeps == [0.5, 1.0]


def test_throttling_gives_up_after_its_budget(route53):
    client, stubber, sleeps = route53
    for _ in range(9):
        _throttle(stubber, "get_change")
    with pytest.raises(AwsError, match="Throttling"):
        client.change_status("C1")
    assert len(sleeps) == 8


def test_wait_polls_until_insync_and_times_out_with_advice(route53):
    client, stubber, sleeps = route53
    pending = {"ChangeInfo": {"Id": "C1", "Status": "PENDING", "SubmittedAt": "2026-01-01"}}
    for _ in range(3):
        stubber.add_response("get_change", pending)
    stubber.add_response("get_change", {"ChangeInfo": {"Id": "C1", "Status": "INSYNC", "SubmittedAt": "2026-01-01"}})
    seen = []
    client.wait_insync("C1", timeout=60, progress=lambda status, waited: seen.append(status))
    assert seen == ["PENDING", "PENDING", "PENDING", "INSYNC"] and sleeps == [1.0, 2.0, 4.0]
    ticks = iter(range(0, 1000, 40))
    stubber.add_response("get_change", pending)
    stubber.add_response("get_change", pending)
    with pytest.raises(AwsError, match="aws route53 get-change --id C1"):
        client.wait_insync("C1", timeout=60, clock=lambda: next(ticks))


@pytest.mark.faults
def test_ctrl_c_while_waiting_reports_the_change(route53):
    client, stubber, _ = route53
    stubber.add_response("get_change", {"ChangeInfo": {"Id": "C9", "Status": "PENDING", "SubmittedAt": "2026-01-01"}})

    def interrupt(_seconds):
        raise KeyboardInterrupt

    client._sleep = interrupt
    with pytest.raises(InterruptedWait) as caught:
        client.wait_insync("C9", timeout=60)
    assert caught.value.change_id == "C9"


def test_invalid_change_batch_is_a_conflict(route53):
    from candlefish_ops.dns.model import RecordSet
    from candlefish_ops.errors import ConflictError

    client, stubber, _ = route53
    stubber.add_client_error("change_resource_record_sets", service_error_code="InvalidChangeBatch",
                             http_status_code=400)
    with pytest.raises(ConflictError):
        client.change_records("Z1", [("CREATE", RecordSet("a.example.com.", "A", ttl=60, values=("192.0.2.1",)))],
                              "test")


def test_dnssec_unknown_when_the_service_cannot_say(route53):
    client, stubber, _ = route53
    stubber.add_client_error("get_dnssec", service_error_code="InternalFailure", http_status_code=500)
    assert client.dnssec_status("Z1") == "unknown (InternalFailure)"


@pytest.mark.faults
def test_ctrl_c_during_update_wait_says_how_to_check(route53):
    from types import SimpleNamespace

    import boto3

    from candlefish_ops.dns import service

    client, stubber, _ = route53
    stubber.add_response("get_change", {"ChangeInfo": {"Id": "C7", "Status": "PENDING", "SubmittedAt": "2026-01-01"}})

    def interrupt(_seconds):
        raise KeyboardInterrupt

    client._sleep = interrupt
    environment = SimpleNamespace(name="production", dns=SimpleNamespace(wait_timeout=300))
    dns = service.DnsSession(environment, boto3.Session(region_name="us-east-1"))
    dns.route53 = client
    with pytest.raises(service.WaitInterrupted) as caught:
        service.wait(dns, "C7", None)
    assert caught.value.exit_code == 130
    assert "aws route53 get-change --id C7" in str(caught.value) and "dns status production" in str(caught.value)


def _health_check(check_id, fqdn):
    return {"Id": check_id, "CallerReference": check_id, "HealthCheckVersion": 1,
            "HealthCheckConfig": {"Type": "HTTPS", "FullyQualifiedDomainName": fqdn, "ResourcePath": "/health",
                                  "Port": 443, "RequestInterval": 30, "FailureThreshold": 3}}


def test_one_listing_serves_dns_and_report_health(route53):
    """The health checks of an environment (dns) and the observed ones (report health) come from the same
    listing: every page, tags 10 ids a call, throttling retried."""
    client, stubber, _sleeps = route53
    checks = [_health_check(f"hc{i}", f"h{i}.candlefish.ai") for i in range(11)]
    tags = {"ManagedBy": "candlefish", "Environment": "staging", "candlefish:health-check": "api"}

    def listing():
        stubber.add_response("list_health_checks", {"HealthChecks": checks[:6], "IsTruncated": True, "NextMarker": "m",
                                                    "Marker": "", "MaxItems": "6"})
        _throttle(stubber, "list_health_checks")
        stubber.add_response("list_health_checks", {"HealthChecks": checks[6:], "IsTruncated": False,
                                                    "Marker": "m", "MaxItems": "6"}, {"Marker": "m"})
        stubber.add_response("list_tags_for_resources", {"ResourceTagSets": [
            {"ResourceType": "healthcheck", "ResourceId": "hc3", "Tags": [{"Key": k, "Value": v} for k, v in tags.items()]}]})
        stubber.add_response("list_tags_for_resources", {"ResourceTagSets": []})

    listing()
    [state] = client.list_health_checks("staging")
    assert (state.id, state.settings.name, state.settings.fqdn) == ("hc3", "api", "h3.candlefish.ai")
    listing()
    stubber.add_response("get_health_check_status", {"HealthCheckObservations": [
        {"StatusReport": {"Status": "Success: HTTP Status Code 200"}}, {"StatusReport": {"Status": "Failure"}}]})
    [observed] = client.observed_health_checks(lambda target, tag_pairs: target == "h10.candlefish.ai/health")
    assert (observed.id, observed.observations, observed.healthy_observations, observed.healthy) == ("hc10", 2, 1, True)
    stubber.assert_no_pending_responses()
