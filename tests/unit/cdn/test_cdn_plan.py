"""Planning an invalidation against what CloudFront is already doing."""

from __future__ import annotations

import pytest

from candlefish_ops.cdn import paths
from candlefish_ops.cdn.plan import InProgress, plan_invalidation
from candlefish_ops.errors import ValidationError


def request(*texts: str):
    return paths.build([(text, "argument") for text in texts])


def test_nothing_in_progress_sends_the_request():
    plan = plan_invalidation("prod", "E1", request("/index.html", "/images/*"), [])
    assert plan.sends and plan.billable_paths == 2 and plan.already_in_progress is None


def test_a_running_identical_or_wider_invalidation_is_reused():
    running = [InProgress("I1", ("/other",)), InProgress("I2", ("/images/*", "/index.html"))]
    plan = plan_invalidation("prod", "E1", request("/index.html", "/images/logo.png"), running)
    assert not plan.sends and plan.already_in_progress == "I2" and plan.billable_paths == 0


def test_a_partly_covering_invalidation_is_not_enough():
    plan = plan_invalidation("prod", "E1", request("/index.html", "/app.js"), [InProgress("I1", ("/index.html",))])
    assert plan.sends


def test_wildcards_in_progress_count_against_fifteen():
    running = [InProgress(f"I{n}", (f"/w{n}/*",)) for n in range(14)]
    assert plan_invalidation("prod", "E1", request("/x/*"), running).sends
    with pytest.raises(ValidationError, match=r"2 wildcard paths with 14 already in progress .* exceed CloudFront's 15"):
        plan_invalidation("prod", "E1", request("/x/*", "/y/*"), running)


def test_file_paths_in_progress_count_against_three_thousand():
    running = [InProgress("I1", tuple(f"/f{n}" for n in range(2999)))]
    assert plan_invalidation("prod", "E1", request("/new"), running).sends
    with pytest.raises(ValidationError, match="2 file paths with 2999 already in progress"):
        plan_invalidation("prod", "E1", request("/new", "/newer"), running)


def test_a_request_over_the_limit_alone_is_refused():
    with pytest.raises(ValidationError, match="3001 file paths with 0"):
        plan_invalidation("prod", "E1", request(*(f"/f{n}" for n in range(3001))), [])
