"""The planner: pure functions from (desired, current) to a plan; ownership; canary; batch splitting."""

from dataclasses import replace

from candlefish_ops.dns import canary
from candlefish_ops.dns.model import AliasTarget, HealthCheckSettings, HealthCheckState, RecordKey, RecordSet
from candlefish_ops.dns.ownership import marker_record, owned_keys
from candlefish_ops.dns.plan import batches, plan_dns

ZONE = "example.com"
APEX = RecordSet("example.com.", "A", "primary", alias=AliasTarget("d1.cloudfront.net", "Z2FDTNDATAQYW2"),
                 failover="PRIMARY", health_check_id="new:site")
API = RecordSet("api.example.com.", "CNAME", ttl=60, values=("rest.example.net",))
SITE = HealthCheckSettings("site", "HTTPS", "d1.cloudfront.net", "/healthz", 443, 30, 3)


def plan(desired, current=(), checks=(SITE,), current_checks=(), adopt=False):
    return plan_dns("staging", ZONE, desired, checks, current, current_checks, adopt)


def test_everything_new_is_created_with_a_marker_and_placeholder_check():
    result = plan([APEX, API])
    assert [c.action for c in result.changes] == ["CREATE", "CREATE"]
    assert result.marker.action == "CREATE"
    assert owned_keys(result.marker.record, ZONE) == {APEX.key, API.key}
    assert [c.action for c in result.health_checks] == ["CREATE"]
    assert result.changes[0].record.health_check_id == "new:site"


def test_matching_state_is_an_empty_plan():
    state = HealthCheckState("hc-1", "staging", SITE)
    live_apex = replace(APEX, health_check_id="hc-1", alias=AliasTarget("D1.cloudfront.net.", "Z2FDTNDATAQYW2"))
    current = [live_apex, API, marker_record("staging", ZONE, {APEX.key, API.key})]
    result = plan([APEX, API], current, current_checks=[state])
    assert result.empty and result.unchanged == 2


def test_changed_value_is_one_upsert_with_before_and_after():
    current = [replace(API, values=("old.example.net",)), marker_record("staging", ZONE, {API.key})]
    result = plan([API], current, checks=())
    assert [(c.action, c.before.values, c.record.values) for c in result.changes] == \
        [("UPSERT", ("old.example.net",), ("rest.example.net",))]
    assert result.marker is None


def test_only_owned_records_are_deleted():
    stale = RecordSet("old.example.com.", "CNAME", ttl=60, values=("x.example.net",))
    foreign = RecordSet("mail.example.com.", "MX", ttl=60, values=("10 mx.example.net",))
    current = [API, stale, foreign, marker_record("staging", ZONE, {API.key, stale.key})]
    result = plan([API], current, checks=())
    assert [(c.action, c.record.key) for c in result.changes] == [("DELETE", stale.key)]
    assert owned_keys(result.marker.record, ZONE) == {API.key}


def test_other_environments_marker_is_not_ours():
    current = [API, marker_record("production", ZONE, {API.key})]
    result = plan([], current, checks=())
    assert result.empty


def test_unmanaged_collision_is_a_conflict_unless_identical_or_adopted():
    live = replace(API, values=("someone-else.example.net",))
    assert plan([API], [live], checks=()).conflicts
    identical = plan([API], [API], checks=())
    assert not identical.conflicts and identical.adopted == (API.key,) and not identical.changes
    adopted = plan([API], [live], checks=(), adopt=True)
    assert [c.action for c in adopted.changes] == ["UPSERT"]


def test_unmanaged_cname_beside_declared_alias_is_a_conflict():
    seed_cname = RecordSet("example.com.", "CNAME", ttl=300, values=("d1.cloudfront.net",))
    result = plan([APEX], [seed_cname])
    assert result.conflicts and "CNAME" in result.conflicts[0]
    adopted = plan([APEX], [seed_cname], adopt=True)
    assert [c.action for c in adopted.record_changes] == ["DELETE", "CREATE", "CREATE"]   # delete first


def test_health_check_update_versus_replace():
    state = HealthCheckState("hc-1", "staging", SITE)
    changed_path = plan([], checks=[replace(SITE, path="/ready")], current_checks=[state])
    assert [c.action for c in changed_path.health_checks] == ["UPDATE"]
    changed_interval = plan([APEX], checks=[replace(SITE, interval=10)], current_checks=[state])
    assert [c.action for c in changed_interval.health_checks] == ["CREATE", "DELETE"]
    assert changed_interval.changes[0].record.health_check_id == "new:site"
    removed = plan([], checks=[], current_checks=[state])
    assert [(c.action, c.reason) for c in removed.health_checks] == [("DELETE", "no longer in config")]


def test_live_canary_weights_are_kept():
    stable = RecordSet("app.example.com.", "A", "stable", alias=APEX.alias, weight=90, canary_role="stable")
    live = replace(stable, weight=50, canary_role=None)
    result = plan([stable], [live, marker_record("staging", ZONE, {stable.key})], checks=())
    assert result.empty and result.kept_canary_weights == ((stable.key, 50, 90),)


def test_one_batch_unless_limits_force_a_split():
    small = plan([APEX, API])
    assert len(batches(small)) == 1 and batches(small)[0][-1].record.type == "TXT"
    many = [RecordSet(f"h{i}.example.com.", "TXT", ttl=60, values=tuple(f'"v{j}"' for j in range(10)))
            for i in range(150)]
    split = batches(plan(many, checks=()))
    assert len(split) > 2
    assert owned_keys(split[0][0].record, ZONE) == {r.key for r in many}       # ownership recorded first
    assert split[-1][0].record.type == "TXT"
    sent = [c.record.key for batch in split for c in batch if c.record.type != "TXT" or c.record.name != split[0][0].record.name]
    assert sorted(map(str, sent)) == sorted(str(r.key) for r in many)


def test_marker_round_trip_with_long_names():
    keys = {RecordKey("x" * 60 + ".example.com.", "CNAME", "s" * 128), RecordKey("example.com.", "AAAA", None)}
    marker = marker_record("staging", ZONE, keys)
    assert all(len(chunk) <= 257 for value in marker.values for chunk in value.split('" "'))
    assert owned_keys(marker, ZONE) == keys


def test_canary_percentages_map_onto_weights():
    stable = RecordSet("app.example.com.", "A", "stable", alias=APEX.alias, weight=90)
    canary_record = RecordSet("app.example.com.", "A", "canary",
                              alias=AliasTarget("alb.example.net", "Z35SXDOTRQ7X7K", True), weight=10)
    pairs = canary.pairs([stable, canary_record], "app.example.com.", ("A",))
    assert pairs[0].percent == 10
    moved = canary.plan_weight(pairs, 25)
    assert [(c.record.set_id, c.record.weight) for c in moved] == [("stable", 75), ("canary", 25)]
    promoted = canary.plan_promote(pairs)
    assert promoted[0].record.alias == canary_record.alias and promoted[0].record.weight == 100
    assert canary.plan_weight(pairs, 10) == ()
