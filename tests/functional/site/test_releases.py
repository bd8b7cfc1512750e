"""Prune by grace period, releases, rollback, and a crash between the assets and the pages, through the CLI
(the crash through the service's phase hook: deterministic, nothing mocked)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import boto3
import pytest

from candlefish_ops.config import load_environment
from candlefish_ops.site.files import read_build
from candlefish_ops.site.service import SiteService
from tests.functional.site.test_publish import FIRST

OLD_CSS, NEW_CSS = "_next/static/css/app.3f2a9c1b.css", "_next/static/css/app.9e8d7c6b.css"


def _second_build(world) -> None:
    (world.build / OLD_CSS).unlink()
    (world.build / "favicon.ico").unlink()
    world.write({NEW_CSS: "body{color:blue}", "index.html": FIRST["index.html"].replace("3f2a9c1b", "9e8d7c6b")})


def _age(world, ages: dict[str, timedelta]) -> None:
    """Make the latest record say these keys were last referenced that long ago (as if released then)."""
    latest = world.records()[-1]
    document = world.record(latest)
    now = datetime.now(timezone.utc)
    for key, age in ages.items():
        document["referenced"][key] = (now - age).isoformat(timespec="seconds")
    world.put_record(latest, document)


def test_prune_respects_the_grace_period(site_world):
    site_world.write(FIRST)
    site_world.publish()
    _second_build(site_world)
    site_world.publish()

    kept = site_world.publish("--prune-after", "7d")      # referenced by the release of a moment ago
    assert [item["key"] for item in kept["prune"]["kept_in_grace"]] == [OLD_CSS, "favicon.ico"]
    assert kept["pruned"] == [] and {OLD_CSS, "favicon.ico"} <= site_world.keys()

    _age(site_world, {OLD_CSS: timedelta(days=8), "favicon.ico": timedelta(days=6)})
    site_world.s3.put_object(Bucket=site_world.bucket, Key="legacy/by-hand.txt", Body=b"not ours")
    pruned = site_world.publish("--prune-after", "7d")

    assert pruned["pruned"] == [OLD_CSS]
    assert pruned["prune"]["not_published_by_candlefish"] == ["legacy/by-hand.txt"]
    assert "legacy/by-hand.txt" in site_world.keys()
    assert OLD_CSS not in site_world.keys() and "favicon.ico" in site_world.keys()
    record = site_world.record(site_world.records()[-1])
    assert record["pruned"] == [OLD_CSS] and OLD_CSS not in record["referenced"]
    assert "favicon.ico" in record["referenced"]       # its clock keeps running from the release that had it


def test_prune_after_is_checked_before_anything(site_world):
    site_world.write(FIRST)
    result = site_world.run("site", "publish", "staging", str(site_world.build), "--prune-after", "7 days")
    assert result.exit_code == 1 and "--prune-after '7 days'" in result.stderr
    assert site_world.keys() == set()


def test_rollback_restores_the_previous_html_and_invalidates_it(site_world):
    site_world.write(FIRST)
    first = site_world.publish()
    _second_build(site_world)
    site_world.publish()

    result = site_world.run("site", "rollback", "staging", "--yes", "-o", "json")

    assert result.exit_code == 0, result.stderr + result.stdout
    data = result.json()
    assert site_world.body("index.html") == FIRST["index.html"].encode()
    assert site_world.head("index.html")["CacheControl"] == "public, max-age=0, s-maxage=300, must-revalidate"
    assert site_world.body("favicon.ico") == FIRST["favicon.ico"]      # fixed-name files come back too
    assert sorted(data["invalidation"]["paths"]) == ["/", "/index.html"]   # favicon.ico: never changed bytes
    releases = site_world.run("site", "releases", "staging", "-o", "json").json()["releases"]
    assert [r["note"] for r in releases] == ["", "", f"rollback to {first['release']}"]
    assert releases[1]["changed"] == 2 and releases[1]["invalidation_id"]
    assert releases[2]["invalidation_id"] == data["invalidation_id"]
    assert len(site_world.invalidations()) == 2

    again = site_world.publish()     # the build folder (second build) is published again: pages forward
    assert [u["key"] for u in again["uploads"]] == ["index.html"]


def test_rollback_to_an_unknown_release_is_refused(site_world):
    site_world.write(FIRST)
    site_world.publish()
    result = site_world.run("site", "rollback", "staging", "--to", "999", "--yes")
    assert result.exit_code == 1 and "--to '999' matches 0 releases" in result.stderr
    result = site_world.run("site", "rollback", "staging", "--yes")
    assert result.exit_code == 1 and "nothing to roll back to" in result.stderr


class SimulatedCrash(Exception):
    """Stands for the process dying between two steps: nothing after it runs."""


def test_crash_between_assets_and_pages_then_rerun_completes(site_world):
    site_world.write(FIRST)
    site_world.publish()
    _second_build(site_world)

    def crash_after(phase: str) -> None:
        if phase == "immutable":
            raise SimulatedCrash(phase)

    environment = load_environment(site_world.config_dir, "staging")
    service = SiteService(boto3.Session(region_name="us-east-1"), environment, on_phase=crash_after)
    with pytest.raises(SimulatedCrash):
        service.publish(service.plan(read_build(site_world.build, environment.site)))

    assert NEW_CSS in site_world.keys()                                     # the asset went first
    assert site_world.body("index.html") == FIRST["index.html"].encode()    # the page still names the old one
    assert len(site_world.records()) == 1 and site_world.invalidations() == []

    data = site_world.publish()

    assert [u["key"] for u in data["uploads"]] == ["index.html"]           # only what the crash left undone
    assert sorted(data["invalidation"]["paths"]) == ["/", "/index.html"]    # still invalidated (vs the last release)
    assert b"9e8d7c6b" in site_world.body("index.html") and len(site_world.records()) == 2
    assert site_world.publish()["release"] is None and len(site_world.invalidations()) == 1


def test_no_op_reads_a_listing_and_one_record_and_writes_nothing(site_world):
    """The recorded ETags (computed for what was uploaded, single and multipart) are trusted: no HeadObject."""
    import os

    from candlefish_ops.aws.base import CallCounter

    site_world.write_config("site:\n  multipart_threshold_mb: 5\n")
    site_world.write({**FIRST, "video/intro.mp4": os.urandom(6 * 1024 * 1024)})
    site_world.publish()
    environment = load_environment(site_world.config_dir, "staging")
    session = boto3.Session(region_name="us-east-1")
    counter = CallCounter(session)
    service = SiteService(session, environment)
    plan = service.plan(read_build(site_world.build, environment.site))
    result = service.publish(plan)

    assert plan.empty and result.release_id == ""
    assert dict(counter.calls) == {"cloudformation.DescribeStacks": 1, "cloudformation.ListStackResources": 1,
                                   "s3.HeadBucket": 1, "s3.ListObjectsV2": 1, "s3.GetObject": 1}
