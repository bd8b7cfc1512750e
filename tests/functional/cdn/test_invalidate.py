"""`candlefish cdn invalidate / invalidations` against the emulator, read back through CloudFront's API."""

from __future__ import annotations

import threading

from .conftest import write_config


def run(cli, cdn, *args, input=None):
    return cli("cdn", *args, "--config-dir", cdn.config_dir, input=input)


def test_invalidate_sends_the_validated_paths_once_and_reports_the_invalidation(cli, cdn):
    result = run(cli, cdn, "invalidate", "staging", "/index.html", "/images/*", "/images/logo.png",
                 "/docs/a file.html", "-o", "json")
    assert result.exit_code == 0, result.stderr
    report = result.json()
    [sent] = cdn.invalidations()
    assert sent["Id"] == report["invalidation_id"] and report["created"] is True
    assert sent["InvalidationBatch"]["Paths"]["Items"] == ["/index.html", "/images/*", "/docs/a%20file.html"]
    assert sent["InvalidationBatch"]["CallerReference"].startswith("candlefish-staging-")
    assert report["dropped"] == [{"path": "/images/logo.png", "reason": "covered by /images/*"}]
    assert report["distribution_id"] == cdn.distribution_id and report["billable_paths"] == 3


def test_table_output_lists_each_path_and_the_cost_note(cli, cdn):
    result = run(cli, cdn, "invalidate", "staging", "/index.html", "/app.js")
    assert result.exit_code == 0, result.stderr
    assert "invalidating 2 paths on distribution " + cdn.distribution_id in result.stdout
    assert "  + /index.html" in result.stdout and "  + /app.js" in result.stdout
    assert f"invalidation {cdn.invalidations()[0]['Id']}: " in result.stdout
    assert "first 1,000 paths a month are free" in result.stderr


def test_a_rerun_while_the_first_is_in_progress_sends_nothing_new(cli, cdn):
    first = run(cli, cdn, "invalidate", "staging", "/*", "-o", "json").json()
    cdn.hold_in_progress(first["invalidation_id"])
    again = run(cli, cdn, "invalidate", "staging", "/index.html", "/images/*", "-o", "json")
    assert again.exit_code == 0, again.stderr
    assert again.json()["created"] is False and again.json()["invalidation_id"] == first["invalidation_id"]
    assert len(cdn.invalidations()) == 1


def test_a_rerun_after_completion_invalidates_again(cli, cdn):
    assert run(cli, cdn, "invalidate", "staging", "/index.html").exit_code == 0
    assert run(cli, cdn, "invalidate", "staging", "/index.html").exit_code == 0
    assert [i["Status"] for i in cdn.invalidations()] == ["Completed", "Completed"]


def test_bad_paths_are_refused_before_any_call(cli, cdn):
    result = run(cli, cdn, "invalidate", "staging", "/ok.html", "images/*", "/a*/b")
    assert result.exit_code == 1
    assert result.stderr.startswith("error: argument 2: path 'images/*' must start with '/' (for example /images/*)")
    assert "(and 1 more); nothing was invalidated" in result.stderr and result.stderr.count("\n") == 1
    assert cdn.invalidations() == []


def test_wildcards_over_the_in_progress_limit_are_refused(cli, cdn):
    first = run(cli, cdn, "invalidate", "staging", *(f"/w{n}/*" for n in range(14)), "-o", "json").json()
    cdn.hold_in_progress(first["invalidation_id"])
    result = run(cli, cdn, "invalidate", "staging", "/x/*", "/y/*")
    assert result.exit_code == 1
    assert "2 wildcard paths with 14 already in progress" in result.stderr
    assert len(cdn.invalidations()) == 1


def test_paths_from_a_file_and_stdin(cli, cdn, tmp_path):
    listing = tmp_path / "paths.txt"
    listing.write_text("# after deploy 42\n/index.html\n\n/app.js\n", encoding="utf-8")
    assert run(cli, cdn, "invalidate", "staging", "--file", listing).exit_code == 0
    assert run(cli, cdn, "invalidate", "staging", "--file", "-", input="/from-stdin.css\n").exit_code == 0
    assert [i["InvalidationBatch"]["Paths"]["Items"] for i in cdn.invalidations()] == [
        ["/index.html", "/app.js"], ["/from-stdin.css"]]
    bad = tmp_path / "bad.txt"
    bad.write_text("/fine\nnot/absolute\n", encoding="utf-8")
    result = run(cli, cdn, "invalidate", "staging", "--file", bad)
    assert result.exit_code == 1 and f"{bad} line 2: path 'not/absolute' must start with '/'" in result.stderr
    assert len(cdn.invalidations()) == 2


def test_dry_run_shows_the_plan_and_changes_nothing(cli, cdn):
    result = run(cli, cdn, "invalidate", "staging", "/index.html", "--dry-run", "-o", "json")
    assert result.exit_code == 0, result.stderr
    assert result.json()["planned"] is True and result.json()["paths"] == ["/index.html"]
    assert cdn.invalidations() == []


def test_wait_polls_until_cloudfront_reports_completed(cli, cdn):
    first = run(cli, cdn, "invalidate", "staging", "/index.html", "-o", "json").json()
    cdn.hold_in_progress(first["invalidation_id"])
    finish = threading.Timer(1.5, cdn.set_status, args=(first["invalidation_id"], "Completed"))
    finish.start()
    try:
        waited = run(cli, cdn, "invalidate", "staging", "/index.html", "--wait", "--poll", "1", "--timeout", "20",
                     "-o", "json")
    finally:
        finish.cancel()
    assert waited.exit_code == 0, waited.stderr
    assert waited.json()["status"] == "Completed" and waited.json()["invalidation_id"] == first["invalidation_id"]


def test_wait_gives_up_after_the_timeout_and_says_cloudfront_carries_on(cli, cdn):
    first = run(cli, cdn, "invalidate", "staging", "/index.html", "-o", "json").json()
    cdn.hold_in_progress(first["invalidation_id"])
    waited = run(cli, cdn, "invalidate", "staging", "/index.html", "--wait", "--poll", "1", "--timeout", "2")
    assert waited.exit_code == 1
    assert f"invalidation {first['invalidation_id']} is not complete after 2 s; CloudFront carries on" in waited.stderr


def test_protected_environment_asks_first(aws, cli, tmp_path, monkeypatch):
    monkeypatch.setenv("CANDLEFISH_CONFIRM_LOCAL", "1")  # the emulator is on loopback: rehearse as on AWS
    write_config(tmp_path, "production", protected=True)
    config = tmp_path / "config"
    assert cli("deploy", "production", "--yes", "--config-dir", config).exit_code == 0
    refused = cli("cdn", "invalidate", "production", "/*", "--config-dir", config)
    assert refused.exit_code == 1 and "refusing without --yes" in refused.stderr
    distribution = aws.client("cloudfront").list_distributions()["DistributionList"]["Items"][0]["Id"]
    assert aws.client("cloudfront").list_invalidations(DistributionId=distribution)["InvalidationList"]["Quantity"] == 0
    assert cli("cdn", "invalidate", "production", "/*", "--yes", "--config-dir", config).exit_code == 0
    assert aws.client("cloudfront").list_invalidations(DistributionId=distribution)["InvalidationList"]["Quantity"] == 1


def test_protected_environment_in_the_loopback_emulator_does_not_ask(aws, cli, tmp_path):
    """The emulator is not production: a script needs no --yes there (it refused before)."""
    write_config(tmp_path, "production", protected=True)
    config = tmp_path / "config"
    assert cli("deploy", "production", "--config-dir", config).exit_code == 0
    sent = cli("cdn", "invalidate", "production", "/index.html", "--wait", "--poll", "1", "--config-dir", config)
    assert sent.exit_code == 0, sent.stderr
    distribution = aws.client("cloudfront").list_distributions()["DistributionList"]["Items"][0]["Id"]
    assert aws.client("cloudfront").list_invalidations(DistributionId=distribution)["InvalidationList"]["Quantity"] == 1


def test_unknown_stack_key_and_undeployed_stack_are_clear_errors(aws, cli, tmp_path):
    write_config(tmp_path, "staging", stack_key="cdn")
    config = tmp_path / "config"
    no_edge = cli("cdn", "invalidate", "staging", "/a", "--config-dir", config)
    assert no_edge.exit_code == 1 and "has no stack 'edge' (stacks: cdn); pass --stack KEY" in no_edge.stderr
    undeployed = cli("cdn", "invalidate", "staging", "/a", "--stack", "cdn", "--config-dir", config)
    assert undeployed.exit_code == 1
    assert "stack cdntest-staging-cdn does not exist in us-east-1; deploy it first" in undeployed.stderr


def test_invalidations_lists_newest_first(cli, cdn):
    for path in ("/one", "/two"):
        assert run(cli, cdn, "invalidate", "staging", path).exit_code == 0
    listed = run(cli, cdn, "invalidations", "staging", "-o", "json")
    assert listed.exit_code == 0, listed.stderr
    ids = [item["id"] for item in listed.json()["invalidations"]]
    assert ids == [i["Id"] for i in reversed(cdn.invalidations())]
    table = run(cli, cdn, "invalidations", "staging", "--limit", "1")
    assert ids[0] in table.stdout and ids[1] not in table.stdout
