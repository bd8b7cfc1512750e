"""origin_response: edge cache headers, Vary hygiene, branded errors, timing and the log line."""

import json
import time

import pytest

from edge_events import assert_valid_response, event, value


@pytest.fixture()
def run(edge):
    return lambda data: edge["origin_response"].handler(data, None)


def origin_event(uri="/static/js/app.3f9a2c1d.js", status="200", response_headers=None, stamp=None):
    data = event("origin_response", uri=uri, status=status, response_headers=response_headers)
    if stamp is not None:
        data["Records"][0]["cf"]["request"]["headers"]["x-cf-edge-start"][0]["value"] = stamp
    return data


def test_immutable_assets_get_a_one_year_immutable_policy(run):
    result = run(origin_event())
    assert value(result["headers"], "cache-control") == "public, max-age=31536000, immutable"


@pytest.mark.parametrize("uri, origin_cc, expected", [
    ("/index.html", None, "public, s-maxage=300, max-age=0, must-revalidate, stale-if-error=86400"),
    ("/robots.txt", None, "public, max-age=3600, stale-if-error=86400"),
    ("/pricing", "max-age=60", "max-age=60, stale-if-error=86400"),
    ("/account.html", "private, max-age=0", "private, max-age=0"),
    ("/api/v1/x", "no-store", "no-store"),
    ("/feed.xml", "max-age=60, stale-if-error=10", "max-age=60, stale-if-error=10"),
])
def test_cache_policy_for_successful_responses(run, uri, origin_cc, expected):
    result = run(origin_event(uri=uri, response_headers={"cache-control": origin_cc, "content-type": "text/html"}))
    assert value(result["headers"], "cache-control") == expected


def test_vary_is_deduplicated_and_user_agent_removed(run):
    result = run(origin_event())
    assert result["headers"]["vary"] == [{"key": "Vary", "value": "accept-encoding"}]


def test_vary_adds_origin_for_cors_paths_and_accept_for_variants(run):
    api = run(origin_event(uri="/api/v1/x", response_headers={"content-type": "application/json", "vary": None}))
    assert value(api["headers"], "vary") == "Accept-Encoding, Origin"
    image = run(origin_event(uri="/processed/a.jpg.w640q80.webp", response_headers={"content-type": "image/webp", "vary": None}))
    assert value(image["headers"], "vary") == "Accept, Origin"
    star = run(origin_event(uri="/x.html", response_headers={"vary": "*, Accept"}))
    assert value(star["headers"], "vary") == "*"


@pytest.mark.parametrize("status", ["500", "502", "503", "504"])
def test_origin_5xx_becomes_a_branded_uncached_page(run, status):
    result = run(origin_event(uri="/pricing.html", status=status))
    assert_valid_response(result)
    assert result["status"] == status
    assert "Candlefish.ai" in result["body"] and result["body"].startswith("<!doctype html>")
    assert value(result["headers"], "cache-control") == "no-store"
    assert value(result["headers"], "retry-after") == "30"
    assert value(result["headers"], "content-type") == "text/html; charset=utf-8"


def test_api_5xx_is_json(run):
    result = run(origin_event(uri="/api/v1/x", status="502"))
    assert json.loads(result["body"]) == {"error": "upstream_unavailable", "status": 502}


def test_missing_variant_without_bundled_optimiser_is_an_uncached_404(edge, config):
    module = edge["origin_response"]
    settings = module.Settings(config)
    settings.optimizer = False  # as in a bundle without image_optimizer_handler.py
    result = module.handle(origin_event(uri="/processed/a.jpg.w640q80.webp", status="403"), settings)
    assert_valid_response(result)
    assert result["status"] == "404" and value(result["headers"], "cache-control") == "no-store"


def test_missing_variant_is_delegated_to_the_bundled_optimiser(edge, config):
    module = edge["origin_response"]
    settings = module.Settings(config)
    seen = []
    settings.optimizer = lambda evt, ctx: seen.append(evt) or {"status": "200", "headers": {}}
    data = origin_event(uri="/processed/a.jpg.w640q80.webp", status="404")
    result = module.handle(data, settings)
    assert seen == [data] and result["status"] == "200"


def test_origin_timing_and_structured_log_line(run, capsys):
    stamp = f"{time.time() * 1000 - 120:.1f}"
    result = run(origin_event(stamp=stamp))
    elapsed = float(value(result["headers"], "x-cf-origin-ms"))
    assert 100 <= elapsed < 10000
    line = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert line["fn"] == "origin_response" and line["status"] == 200 and line["action"] == "pass"
    assert line["uri"] == "/static/js/app.3f9a2c1d.js" and line["originMs"] == elapsed
    assert line["requestId"].startswith("4TyzHTaYWb1GX1q")


@pytest.mark.parametrize("stamp", ["0", "garbage", "nan", "inf", "-1", "9" * 30])
def test_implausible_timing_stamps_are_ignored(run, stamp):
    assert "x-cf-origin-ms" not in run(origin_event(stamp=stamp))["headers"]


def test_hostile_uri_in_log_line_stays_one_json_line(run, capsys):
    run(origin_event(uri="/x\n{\"fake\": 1}\u2028\ud800"))
    out = capsys.readouterr().out
    assert out.count("\n") == 1
    assert json.loads(out)["uri"].startswith("/x\n")


@pytest.mark.parametrize("status", ["abc", "", None, "2000", 200])
def test_garbage_status_is_treated_as_bad_gateway(run, status):
    data = origin_event(uri="/index.html")
    data["Records"][0]["cf"]["response"]["status"] = status
    result = run(data)
    assert_valid_response(result)
    assert result["status"] == "502"
