"""Planner properties (hypothesis): applying a plan reaches the desired state, the next plan is empty, and
records candlefish does not own are never in a plan."""

from hypothesis import given, settings
from hypothesis import strategies as st

from candlefish_ops.dns.model import RecordSet
from candlefish_ops.dns.ownership import marker_name
from candlefish_ops.dns.plan import plan_dns

ZONE = "example.com"
NAMES = ["a", "b", "c", "d"]

values = st.lists(st.sampled_from(["192.0.2.1", "192.0.2.2", "192.0.2.3"]), min_size=1, max_size=2, unique=True)
record = st.builds(lambda name, ttl, vals, set_id, weight: RecordSet(
    f"{name}.{ZONE}.", "A", set_id, ttl, tuple(vals), weight=weight if set_id else None),
    st.sampled_from(NAMES), st.sampled_from([60, 300]), values, st.sampled_from([None, "x", "y"]),
    st.integers(0, 255))


def unique(records):
    by_key = {}
    for r in records:
        by_key.setdefault(r.key, r)
    # one routing policy per name/type, as validation guarantees
    simple = {r.name for r in by_key.values() if r.set_id is None}
    return [r for r in by_key.values() if r.set_id is None or r.name not in simple]


def apply(zone: dict, plan) -> dict:
    zone = dict(zone)
    for change in plan.record_changes:
        if change.action == "DELETE":
            assert zone.pop(change.record.key).same_as(change.record)     # exact match, as Route 53 requires
        else:
            assert (change.action == "CREATE") == (change.record.key not in zone)
            zone[change.record.key] = change.record
    return zone


@settings(max_examples=150, deadline=None)
@given(st.lists(record, max_size=6), st.lists(record, max_size=6), st.lists(record, max_size=4))
def test_apply_then_replan_is_empty_and_foreign_records_are_untouched(before, after, foreign):
    foreign = [RecordSet(f"other-{r.name}", "TXT", None, 60, ('"x"',)) for r in unique(foreign)]
    zone = {r.key: r for r in foreign}
    for desired in (unique(before), unique(after)):
        plan = plan_dns("staging", ZONE, desired, (), zone.values(), ())
        assert not plan.conflicts
        touched = {c.record.key for c in plan.record_changes}
        assert not touched & {r.key for r in foreign}
        zone = apply(zone, plan)
        managed = {k: v for k, v in zone.items() if k.name != marker_name("staging", ZONE)
                   and not k.name.startswith("other-")}
        assert {k: v.comparable() for k, v in managed.items()} == {r.key: r.comparable() for r in desired}
        assert plan_dns("staging", ZONE, desired, (), zone.values(), ()).empty
    assert all(zone[r.key] == r for r in foreign)
