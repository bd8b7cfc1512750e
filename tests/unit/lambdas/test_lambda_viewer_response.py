"""viewer_response: security headers, Server-Timing/preload, Cache-Control classes, CORS, A/B cookie."""

import pytest

from edge_events import SECURITY_HEADERS, assert_valid_response, event, value


@pytest.fixture()
def run(edge):
    return lambda data: edge["viewer_response"].handler(data, None)


def response_event(uri="/index.html", status="200", request_headers=None, response_headers=None, drop=()):
    return event("viewer_response", uri=uri, headers=request_headers, status=status,
                 response_headers=response_headers, drop=drop)


def test_security_headers_are_always_set(run):
    result = run(response_event(response_headers={"x-frame-options": "ALLOWALL",
                                                  "strict-transport-security": "max-age=0"}))
    assert_valid_response(result)
    headers = result["headers"]
    hsts = value(headers, "strict-transport-security")
    assert "preload" in hsts and "includeSubDomains" in hsts and "max-age=63072000" in hsts
    assert "frame-ancestors 'none'" in value(headers, "content-security-policy")
    assert "default-src 'self'" in value(headers, "content-security-policy")
    assert value(headers, "x-content-type-options") == "nosniff"
    assert value(headers, "x-frame-options") == "DENY"
    assert value(headers, "cross-origin-opener-policy") == "same-origin"
    assert headers["strict-transport-security"][0]["key"] == "Strict-Transport-Security"


def test_status_is_never_changed_and_internal_headers_are_removed(run):
    result = run(response_event(status="404"))
    assert result["status"] == "404"
    assert "x-cf-origin-ms" not in result["headers"]
    assert "x-powered-by" not in result["headers"]


def test_origin_timing_becomes_server_timing(run):
    result = run(response_event(response_headers={"server-timing": "db;dur=3"}))
    assert value(result["headers"], "server-timing") == "db;dur=3, origin;dur=42.5"


@pytest.mark.parametrize("bad", ["abc", "1e9", "-5", "12;evil", "9" * 40])
def test_implausible_origin_timing_is_ignored(run, bad):
    result = run(response_event(response_headers={"x-cf-origin-ms": bad}))
    assert "server-timing" not in result["headers"]
    assert "x-cf-origin-ms" not in result["headers"]


def test_preload_links_only_on_html(run, config):
    html = run(response_event())
    assert value(html["headers"], "link") == ", ".join(config["preload_links"])
    css = run(response_event(uri="/static/app.css", response_headers={"content-type": "text/css"}))
    assert "link" not in css["headers"]


@pytest.mark.parametrize("uri, status, content_type, expected", [
    ("/static/js/app.3f9a2c1d.js", "200", "application/javascript", "public, max-age=31536000, immutable"),
    ("/api/v1/me", "200", "application/json", "no-store"),
    ("/images/a.jpg", "200", "image/webp", "public, max-age=604800, stale-while-revalidate=86400"),
    ("/docs/index.html", "200", "text/html", "public, max-age=0, must-revalidate"),
    ("/about", "200", "text/html; charset=utf-8", "public, max-age=0, must-revalidate"),
    ("/robots.txt", "200", "text/plain", "public, max-age=3600"),
    ("/static/missing.js", "404", "text/html", "public, max-age=60"),
    ("/static/js/app.js", "503", "text/html", "no-store"),
])
def test_cache_control_by_path_class(run, uri, status, content_type, expected):
    result = run(response_event(uri=uri, status=status, response_headers={"content-type": content_type}))
    assert value(result["headers"], "cache-control") == expected


def test_cors_echoes_an_allowed_origin_with_credentials_and_vary(run):
    result = run(response_event(response_headers={"access-control-allow-origin": "*"}))
    headers = result["headers"]
    assert value(headers, "access-control-allow-origin") == "https://app.candlefish.ai"
    assert value(headers, "access-control-allow-credentials") == "true"
    assert value(headers, "vary") == "Accept-Encoding, Origin"


@pytest.mark.parametrize("origin", ["HTTPS://APP.CANDLEFISH.AI", "https://App.Candlefish.AI"])
def test_cors_answers_with_the_configured_spelling_never_the_clients(run, origin):
    result = run(response_event(request_headers={"origin": origin}))
    assert value(result["headers"], "access-control-allow-origin") == "https://app.candlefish.ai"


def test_cors_refuses_non_ascii_lookalikes_of_an_allowed_origin(run, edge, config):
    config["cors"]["allowed_origins"] = ["https://kiosk.candlefish.ai"]
    settings = edge["viewer_response"].Settings(config)
    kelvin = "https://\u212aiosk.candlefish.ai"  # KELVIN SIGN lower-cases to a plain "k"
    assert kelvin.lower() == "https://kiosk.candlefish.ai"
    result = edge["viewer_response"].handle(response_event(request_headers={"origin": kelvin}), settings)
    assert "access-control-allow-origin" not in result["headers"]


@pytest.mark.parametrize("origin", ["https://evil.example", "https://app.candlefish.ai.evil.example", "null",
                                    "https://app.candlefish.ai\r\nSet-Cookie: a=1", None])
def test_cors_refuses_other_origins_and_strips_origin_supplied_grants(run, origin):
    result = run(response_event(request_headers={"origin": origin},
                                response_headers={"access-control-allow-origin": "*",
                                                  "access-control-allow-credentials": "true"}))
    assert_valid_response(result)
    headers = result["headers"]
    assert "access-control-allow-origin" not in headers
    assert "access-control-allow-credentials" not in headers
    assert "Origin" in value(headers, "vary")


def test_wildcard_with_credentials_is_a_config_error(edge, config):
    config["cors"]["allowed_origins"] = ["*"]
    with pytest.raises(edge["viewer_response"].ec.ConfigError, match="allow_credentials"):
        edge["viewer_response"].Settings(config)


def test_wildcard_without_credentials_never_sends_credentials(edge, config):
    config["cors"]["allowed_origins"] = ["*"]
    config["cors"]["allow_credentials"] = False
    module = edge["viewer_response"]
    result = module.handle(response_event(request_headers={"origin": "https://x.example"}), module.Settings(config))
    assert value(result["headers"], "access-control-allow-origin") == "*"
    assert "access-control-allow-credentials" not in result["headers"]


def test_ab_cookie_is_set_when_missing(run):
    result = run(response_event(response_headers={"set-cookie": "session=1; Secure"}))
    cookies = [entry["value"] for entry in result["headers"]["set-cookie"]]
    assert cookies[0] == "session=1; Secure"
    assert cookies[1].startswith("cf_ab=a; Path=/; Max-Age=2592000; Secure; HttpOnly; SameSite=Lax")


def test_ab_cookie_is_not_reset_when_valid(run):
    result = run(response_event(request_headers={"cookie": "cf_ab=b"}))
    assert "set-cookie" not in result["headers"]


def test_ab_cookie_ignores_spoofed_variant_values(run):
    result = run(response_event(request_headers={"x-ab-variant": "evil; Domain=.example.com"}))
    cookie = result["headers"]["set-cookie"][0]["value"]
    assert cookie.split(";")[0] in ("cf_ab=a", "cf_ab=b")


def test_unsafe_origin_headers_are_dropped_status_kept(run):
    data = response_event(response_headers={"x-custom": "a\r\nSet-Cookie: pwned=1"})
    data["Records"][0]["cf"]["response"]["headers"]["x-int"] = [{"key": "X-Int", "value": 7}]
    result = run(data)
    assert_valid_response(result)
    assert "x-custom" not in result["headers"] and "x-int" not in result["headers"]
    assert result["status"] == "200"


def test_malformed_request_headers_still_give_a_secured_response(run):
    data = response_event()
    data["Records"][0]["cf"]["request"]["headers"] = ["nonsense"]
    result = run(data)
    assert_valid_response(result)
    for header in SECURITY_HEADERS:
        assert header in result["headers"]


def test_missing_response_headers_are_created(run):
    data = response_event()
    del data["Records"][0]["cf"]["response"]["headers"]
    assert_valid_response(run(data))


def test_origin_cannot_set_the_ab_cookie(run):
    result = run(response_event(request_headers={"cookie": "cf_ab=b"},
                                response_headers={"set-cookie": " cf_ab=a; Path=/"}))
    assert "set-cookie" not in result["headers"]
    result = run(response_event(response_headers={"set-cookie": "cf_ab=zzz"}))
    cookies = [c["value"] for c in result["headers"]["set-cookie"]]
    assert len(cookies) == 1 and cookies[0].startswith("cf_ab=a;")
