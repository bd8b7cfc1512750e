"""`candlefish dns update` against the emulator; the results are read back with boto3."""

import copy

import pytest

from tests.functional.dns.site_builder import DNS_SECTION


def update(cli, site, *extra):
    return cli("dns", "update", "staging", "--yes", "--config-dir", site.config_dir, *extra)


def test_first_update_creates_everything(site, cli, change_batches):
    result = update(cli, site, "--output", "json")
    assert result.exit_code == 0, result.stderr
    assert len(change_batches) == 1                       # one atomic batch
    checks = {c["Id"]: c for c in site.route53.list_health_checks()["HealthChecks"]}
    assert len(checks) == 2
    for check_id, check in checks.items():
        config = check["HealthCheckConfig"]
        assert (config["Type"], config["RequestInterval"], config["Port"]) == ("HTTPS", 30, 443)
        tags = site.route53.list_tags_for_resource(ResourceType="healthcheck", ResourceId=check_id)
        tags = {t["Key"]: t["Value"] for t in tags["ResourceTagSet"]["Tags"]}
        assert tags["ManagedBy"] == "candlefish" and tags["Environment"] == "staging"
    for name in ("example.com.", "www.example.com."):
        for record_type in ("A", "AAAA"):
            primary = site.record(name, record_type, "primary")
            assert primary["Failover"] == "PRIMARY"
            assert primary["AliasTarget"] == {"HostedZoneId": "Z2FDTNDATAQYW2", "DNSName": site.distribution_domain,
                                              "EvaluateTargetHealth": False}
            assert checks[primary["HealthCheckId"]]["HealthCheckConfig"]["ResourcePath"] == "/healthz"
            secondary = site.record(name, record_type, "secondary")
            assert secondary["Failover"] == "SECONDARY"
            assert secondary["AliasTarget"]["DNSName"] == "alb-us-east-1.us-east-1.elb.amazonaws.com"
            assert secondary["AliasTarget"]["HostedZoneId"] == "Z35SXDOTRQ7X7K"
    assert site.record("api.example.com.", "CNAME", "eu")["GeoLocation"] == {"ContinentCode": "EU"}
    assert site.record("api.example.com.", "CNAME", "default")["GeoLocation"] == {"CountryCode": "*"}
    us = site.record("api.example.com.", "CNAME", "us")
    assert us["ResourceRecords"] == [{"Value": "d-rest.execute-api.us-east-1.amazonaws.com"}] and us["TTL"] == 60
    ws = site.record("ws.example.com.", "CNAME", "ap-southeast-1")
    assert ws["Region"] == "ap-southeast-1"
    assert ws["ResourceRecords"] == [{"Value": "d-ws.execute-api.ap-southeast-1.amazonaws.com"}]
    assert site.record("app.example.com.", "A", "stable")["Weight"] == 90
    assert site.record("app.example.com.", "AAAA", "canary")["Weight"] == 10
    marker = site.record("_candlefish-staging.example.com.", "TXT")
    assert any("rec @|A|primary" in value["Value"] for value in marker["ResourceRecords"])
    assert not any(r["Type"] == "CNAME" and r["Name"] == "example.com." for r in site.records())


def test_second_update_sends_no_change_batch(site, cli, change_batches):
    assert update(cli, site).exit_code == 0
    before = site.records()
    result = update(cli, site, "--output", "json")
    assert result.exit_code == 0, result.stderr
    assert result.json()["applied"] is False and result.json()["changes"] == []
    assert len(change_batches) == 1                       # only the first run's
    assert site.records() == before
    assert len(site.route53.list_health_checks()["HealthChecks"]) == 2


def test_a_changed_target_is_one_upsert(site, cli, change_batches):
    assert update(cli, site).exit_code == 0
    dns = copy.deepcopy(DNS_SECTION)
    dns["records"][3]["routes"][2].update(target="ws-new.ap-southeast-1.example.net", region="ap-southeast-1")
    site.write_config(dns)
    result = update(cli, site, "--output", "json")
    assert result.exit_code == 0, result.stderr
    assert [(c["Action"], c["ResourceRecordSet"]["Name"]) for c in change_batches[-1]] == \
        [("UPSERT", "ws.example.com.")]
    assert site.record("ws.example.com.", "CNAME", "ap-southeast-1")["ResourceRecords"] == \
        [{"Value": "ws-new.ap-southeast-1.example.net"}]
    change = result.json()["changes"][0]
    assert change["action"] == "change" and "d-ws.execute-api.ap-southeast-1" in change["before"]


def test_plan_shows_the_diff_and_changes_nothing(site, cli, change_batches):
    result = cli("dns", "update", "staging", "--plan", "--config-dir", site.config_dir, "--output", "json")
    assert result.exit_code == 0, result.stderr
    assert result.json()["applied"] is False
    assert len(result.json()["changes"]) == 22            # 2 health checks + 19 records + the marker
    assert change_batches == []
    assert site.route53.list_health_checks()["HealthChecks"] == []


def test_unmanaged_records_survive_and_removed_records_are_deleted(site, cli):
    site.add_unrelated(5)
    site.route53.change_resource_record_sets(HostedZoneId=site.zone_id, ChangeBatch={"Changes": [
        {"Action": "CREATE", "ResourceRecordSet": {"Name": "example.com", "Type": "MX", "TTL": 300,
                                                   "ResourceRecords": [{"Value": "10 mail.example.net"}]}},
        {"Action": "CREATE", "ResourceRecordSet": {"Name": "example.com", "Type": "TXT", "TTL": 300,
                                                   "ResourceRecords": [{"Value": '"keep me"'}]}}]})
    assert update(cli, site).exit_code == 0
    dns = copy.deepcopy(DNS_SECTION)
    del dns["records"][3]                                  # ws is no longer declared
    site.write_config(dns)
    result = update(cli, site, "--output", "json")
    assert result.exit_code == 0, result.stderr
    assert [c["action"] for c in result.json()["changes"]].count("delete") == 3
    assert site.record("ws.example.com.", "CNAME", "us-east-1") is None
    assert site.record("example.com.", "TXT")["ResourceRecords"] == [{"Value": '"keep me"'}]
    assert site.record("example.com.", "MX") is not None
    assert all(site.record(f"host{i}.example.com.", "A") for i in range(5))
    assert site.record("example.com.", "NS") is not None and site.record("example.com.", "SOA") is not None


def test_removed_health_check_is_deleted_after_the_records(site, cli):
    assert update(cli, site).exit_code == 0
    dns = copy.deepcopy(DNS_SECTION)
    del dns["health_checks"]["api-us"]
    del dns["records"][2]["routes"][0]["health_check"]
    site.write_config(dns)
    result = update(cli, site)
    assert result.exit_code == 0, result.stderr
    checks = site.route53.list_health_checks()["HealthChecks"]
    assert len(checks) == 1 and checks[0]["HealthCheckConfig"]["ResourcePath"] == "/healthz"
    assert "HealthCheckId" not in site.record("api.example.com.", "CNAME", "us")


def test_changed_health_check_path_is_updated_in_place(site, cli):
    assert update(cli, site).exit_code == 0
    ids = {c["Id"] for c in site.route53.list_health_checks()["HealthChecks"]}
    dns = copy.deepcopy(DNS_SECTION)
    dns["health_checks"]["site"]["path"] = "/ready"
    site.write_config(dns)
    assert update(cli, site).exit_code == 0
    checks = site.route53.list_health_checks()["HealthChecks"]
    assert {c["Id"] for c in checks} == ids
    assert "/ready" in {c["HealthCheckConfig"]["ResourcePath"] for c in checks}


def test_existing_unmanaged_apex_cname_blocks_until_adopted(site, cli):
    """The seed's "DNS Update" step left a CNAME at the apex (moto accepts it; Route 53 would not)."""
    site.route53.change_resource_record_sets(HostedZoneId=site.zone_id, ChangeBatch={"Changes": [
        {"Action": "CREATE", "ResourceRecordSet": {"Name": "example.com", "Type": "CNAME", "TTL": 300,
                                                   "ResourceRecords": [{"Value": site.distribution_domain}]}}]})
    result = update(cli, site)
    assert result.exit_code == 1
    assert "example.com. CNAME is not managed by candlefish" in result.stderr and "--adopt" in result.stderr
    assert site.route53.list_health_checks()["HealthChecks"] == []
    assert site.record("example.com.", "CNAME") is not None
    result = update(cli, site, "--adopt")
    assert result.exit_code == 0, result.stderr
    assert site.record("example.com.", "CNAME") is None
    assert site.record("example.com.", "A", "primary")["AliasTarget"]["DNSName"] == site.distribution_domain
    assert site.record("example.com.", "NS") is not None


def test_protected_environment_refuses_without_yes(site, cli, change_batches, monkeypatch):
    monkeypatch.setenv("CANDLEFISH_CONFIRM_LOCAL", "1")  # the emulator is on loopback: rehearse as on AWS
    site.write_config(protected=True)
    result = cli("dns", "update", "staging", "--config-dir", site.config_dir)
    assert result.exit_code == 1 and "--yes" in result.stderr
    assert change_batches == []


def test_protected_environment_in_the_loopback_emulator_applies_without_yes(site, cli, change_batches):
    site.write_config(protected=True)
    result = cli("dns", "update", "staging", "--config-dir", site.config_dir)
    assert result.exit_code == 0, result.stderr
    assert len(change_batches) == 1


@pytest.mark.faults
def test_concurrent_edit_under_yes_fails_with_the_new_diff(site, cli, monkeypatch):
    """Someone creates one of our records between our read and our batch: Route 53 rejects the whole batch
    with InvalidChangeBatch (emulated here: moto only rejects a CREATE identical to an earlier one)."""
    from moto.route53.exceptions import ResourceRecordAlreadyExists
    from moto.route53.models import Route53Backend

    dns = copy.deepcopy(DNS_SECTION)
    dns["records"].append({"name": "status", "type": "CNAME", "target": "status.example.net"})
    site.write_config(dns)
    original = Route53Backend.change_resource_record_sets
    state = {"calls": 0}

    def concurrent_edit_first(self, zoneid, change_list):
        state["calls"] += 1
        if state["calls"] == 1:
            original(self, zoneid, [{"Action": "CREATE", "ResourceRecordSet": {
                "Name": "status.example.com.", "Type": "CNAME", "TTL": 60,
                "ResourceRecords": [{"Value": "other.example.net"}]}}])
            raise ResourceRecordAlreadyExists(name="status.example.com.", _type="CNAME")
        return original(self, zoneid, change_list)

    monkeypatch.setattr(Route53Backend, "change_resource_record_sets", concurrent_edit_first)
    result = update(cli, site)
    assert result.exit_code == 1
    assert "the zone changed under candlefish" in result.stderr and "InvalidChangeBatch" in result.stderr
    assert "status.example.com. CNAME already exists and is not managed" in result.stderr
    assert result.stdout.count("DNS changes for staging") == 2          # the re-read diff was shown again
    assert site.record("example.com.", "A", "primary") is None          # nothing of the batch applied
    assert update(cli, site, "--adopt").exit_code == 0                   # the operator decides to take it over
    assert site.record("status.example.com.", "CNAME")["ResourceRecords"] == [{"Value": "status.example.net"}]
    assert len(site.route53.list_health_checks()["HealthChecks"]) == 2  # health checks were reused


def test_reading_by_name_gives_the_same_plan_as_the_full_listing(site, cli):
    """Large zones are read name by name (marker first); the plan must not depend on the strategy."""
    import boto3

    from candlefish_ops.config import load_environment
    from candlefish_ops.dns import service

    assert update(cli, site).exit_code == 0
    site.add_unrelated(20)
    dns = copy.deepcopy(DNS_SECTION)
    del dns["records"][3]                                  # ws: owned, no longer declared -> deletes
    dns["records"][2]["ttl"] = 120                         # api: upserts
    site.write_config(dns)
    environment = load_environment(site.config_dir, "staging")
    plans = {}
    for strategy in ("full", "by-name"):
        session = service.DnsSession(environment, boto3.Session(region_name="us-east-1"), read_strategy=strategy)
        plans[strategy] = service.plan_update(session)
    assert plans["full"] == plans["by-name"]
    assert sorted(c.action for c in plans["by-name"].changes) == ["DELETE"] * 3 + ["UPSERT"] * 4


@pytest.mark.faults
def test_concurrent_edit_interactively_rereads_shows_and_asks_again(site, monkeypatch):
    """Without --yes: the new diff is shown and the question asked again; the second batch goes through."""
    import boto3
    from moto.route53.exceptions import ResourceRecordAlreadyExists
    from moto.route53.models import Route53Backend

    from candlefish_ops.config import load_environment
    from candlefish_ops.dns import service

    original = Route53Backend.change_resource_record_sets
    calls = []

    def identical_concurrent_create(self, zoneid, change_list):
        calls.append(len(change_list))
        if len(calls) == 1:                    # another run created the same `ws` record a moment earlier
            ours = [c for c in change_list if c["ResourceRecordSet"]["Name"].rstrip(".") == "ws.example.com"
                    and c["ResourceRecordSet"].get("SetIdentifier") == "us-east-1"]
            original(self, zoneid, ours)
            raise ResourceRecordAlreadyExists(name="ws.example.com.", _type="CNAME")
        return original(self, zoneid, change_list)

    monkeypatch.setattr(Route53Backend, "change_resource_record_sets", identical_concurrent_create)
    environment = load_environment(site.config_dir, "staging")
    dns = service.DnsSession(environment, boto3.Session(region_name="us-east-1"))
    shown, asked = [], []
    plan, result = service.update(dns, shown.append, asked.append, yes=False)
    assert len(shown) == 2 and len(asked) == 2
    assert len(shown[1].changes) == len(shown[0].changes) - 1        # the record now there is adopted
    assert result is not None and calls == [20, 19]
    assert site.record("example.com.", "A", "primary") is not None


def test_plan_table_names_each_record_with_its_set_identifier(site, cli, monkeypatch):
    monkeypatch.setenv("COLUMNS", "250")
    result = cli("dns", "update", "staging", "--plan", "--config-dir", site.config_dir)
    assert result.exit_code == 0, result.stderr
    assert "example.com. A [primary]" in result.stdout and "api.example.com. CNAME [default]" in result.stdout
    assert "geolocation default (*)" in result.stdout and "plan only: 19 create" in result.stdout
