"""`candlefish dns canary` and `candlefish dns status` against the emulator."""


def weights(site):
    return {(t, s): site.record("app.example.com.", t, s)["Weight"] for t in ("A", "AAAA") for s in ("stable", "canary")}


def canary(cli, site, *args):
    return cli("dns", "canary", "staging", *args, "--yes", "--config-dir", site.config_dir, "--output", "json")


def test_canary_moves_weights_and_update_keeps_them(site, cli, change_batches):
    assert cli("dns", "update", "staging", "--yes", "--config-dir", site.config_dir).exit_code == 0
    result = canary(cli, site, "--weight", "50")
    assert result.exit_code == 0, result.stderr
    assert result.json()["before_percent"] == 10 and result.json()["after_percent"] == 50
    assert weights(site) == {("A", "stable"): 50, ("A", "canary"): 50, ("AAAA", "stable"): 50, ("AAAA", "canary"): 50}
    assert len(change_batches[-1]) == 4 and {c["Action"] for c in change_batches[-1]} == {"UPSERT"}
    sent = len(change_batches)
    result = cli("dns", "update", "staging", "--yes", "--config-dir", site.config_dir, "--output", "json")
    assert result.exit_code == 0 and result.json()["applied"] is False     # the live weights are kept
    assert len(change_batches) == sent
    assert canary(cli, site, "--abort").exit_code == 0
    assert weights(site)[("A", "canary")] == 0 and weights(site)[("A", "stable")] == 100


def test_canary_weight_already_there_sends_nothing(site, cli, change_batches):
    assert cli("dns", "update", "staging", "--yes", "--config-dir", site.config_dir).exit_code == 0
    result = canary(cli, site, "--weight", "10")
    assert result.exit_code == 0 and result.json()["applied"] is False
    assert len(change_batches) == 1


def test_canary_promote_makes_the_canary_target_stable(site, cli):
    assert cli("dns", "update", "staging", "--yes", "--config-dir", site.config_dir).exit_code == 0
    result = canary(cli, site, "--promote")
    assert result.exit_code == 0, result.stderr
    stable = site.record("app.example.com.", "A", "stable")
    assert stable["AliasTarget"]["DNSName"] == "alb-us-east-1.us-east-1.elb.amazonaws.com"
    assert stable["Weight"] == 100 and site.record("app.example.com.", "A", "canary")["Weight"] == 0
    assert "dns.canary.stable" in result.stderr


def test_canary_before_update_says_what_to_do(site, cli):
    result = canary(cli, site, "--weight", "20")
    assert result.exit_code == 1 and "dns update" in result.stderr


def test_status_reports_records_health_and_dnssec(site, cli):
    assert cli("dns", "update", "staging", "--yes", "--config-dir", site.config_dir).exit_code == 0
    site.add_unrelated(3)
    result = cli("dns", "status", "staging", "--config-dir", site.config_dir, "--output", "json")
    assert result.exit_code == 0, result.stderr
    data = result.json()
    assert data["zone"]["id"] == site.zone_id
    assert len(data["records"]) == 19 and all(r["state"] == "present" for r in data["records"])
    apex = next(r for r in data["records"] if r["name"] == "example.com." and r["set_identifier"] == "primary")
    assert apex["routing"] == "failover" and apex["health"] == "healthy"
    assert {c["name"] for c in data["health_checks"]} == {"site", "api-us"}
    assert data["dnssec"] == {"expected": True, "status": "NOT_SIGNING"}
    assert data["canary"]["percent"] == 10
    table = cli("dns", "status", "staging", "--config-dir", site.config_dir)
    assert table.exit_code == 0 and "DNSSEC: NOT_SIGNING" in table.stdout


def test_status_before_update_shows_missing_records(site, cli):
    result = cli("dns", "status", "staging", "--config-dir", site.config_dir, "--output", "json")
    assert result.exit_code == 0, result.stderr
    assert {r["state"] for r in result.json()["records"]} == {"missing"}
